"""Event models of the reminders function: SES sending events and consumers' texts back, as SNS delivers them, and
SNS's SMS delivery reports, as a CloudWatch Logs subscription delivers them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from aws_lambda_powertools.utilities.parser.models import CloudWatchLogsModel, SnsModel
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from shared.observability import logger


class SesMail(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    timestamp: datetime
    message_id: str = Field(alias="messageId")
    tags: dict[str, list[str]] = Field(default_factory=dict)


class SesRecipient(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    email_address: str = Field(alias="emailAddress")


class SesBounce(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    bounce_type: str = Field(alias="bounceType")  # Permanent | Transient | Undetermined
    bounce_sub_type: str = Field(default="", alias="bounceSubType")
    recipients: list[SesRecipient] = Field(default_factory=list, alias="bouncedRecipients")
    timestamp: datetime | None = None


class SesComplaint(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    recipients: list[SesRecipient] = Field(default_factory=list, alias="complainedRecipients")
    feedback_type: str = Field(default="", alias="complaintFeedbackType")
    timestamp: datetime | None = None


class SesSendingEvent(BaseModel):
    """One event record of a configuration set's SNS destination (Send, Delivery, Bounce, Complaint, Reject...)."""

    model_config = ConfigDict(populate_by_name=True)

    event_type: str = Field(alias="eventType")
    mail: SesMail
    bounce: SesBounce | None = None
    complaint: SesComplaint | None = None


class InboundText(BaseModel):
    """A text a consumer sent to our number, as AWS End User Messaging SMS publishes it to the two-way SMS topic
    (https://docs.aws.amazon.com/sms-voice/latest/userguide/two-way-sms-payload.html). The payload has no instant:
    `received_at` is the SNS notification's Timestamp, the same in every redelivery."""

    model_config = ConfigDict(populate_by_name=True)

    origination_number: str = Field(alias="originationNumber")  # the consumer's phone
    destination_number: str = Field(alias="destinationNumber")  # our number they wrote to
    message_keyword: str = Field(default="", alias="messageKeyword")  # the registered keyword it matched, if any
    message_body: str = Field(default="", alias="messageBody")
    inbound_message_id: str = Field(alias="inboundMessageId")
    previous_published_message_id: str | None = Field(default=None, alias="previousPublishedMessageId")
    received_at: datetime | None = None


_MESSAGE: TypeAdapter[InboundText | SesSendingEvent] = TypeAdapter(InboundText | SesSendingEvent)


def sns_messages(sns: SnsModel) -> list[InboundText | SesSendingEvent]:
    """Each record's message, told apart by shape (each of the function's two topics carries one kind): a text
    (stamped with its notification's Timestamp) or an SES event."""
    messages: list[InboundText | SesSendingEvent] = []
    for record in sns.Records:
        message = _MESSAGE.validate_json(cast(str, record.Sns.Message))
        if isinstance(message, InboundText):
            message = message.model_copy(update={"received_at": record.Sns.Timestamp})
        messages.append(message)
    return messages


class SmsNotification(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    message_id: str = Field(alias="messageId")  # what SNS's Publish returned for the text
    timestamp: datetime  # "2016-06-28 00:40:34.558": UTC, written without a zone

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)


class SmsDelivery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    destination: str
    provider_response: str = Field(default="", alias="providerResponse")


class TextDelivery(BaseModel):
    """One entry of SNS's delivery status logs for texts sent to a phone number: the log groups
    `sns/<region>/<account>/DirectPublishToPhoneNumber` (delivered) and `.../Failure` (not delivered), as
    https://repost.aws/knowledge-center/monitor-sns-texts-cloudwatch shows them."""

    model_config = ConfigDict(hide_input_in_errors=True)  # an error would otherwise quote the destination number

    notification: SmsNotification
    delivery: SmsDelivery
    status: str  # SUCCESS | FAILURE

    @property
    def delivered(self) -> bool:
        return self.status.upper() == "SUCCESS"


def text_deliveries(logs: CloudWatchLogsModel) -> list[TextDelivery]:
    """The delivery reports of one subscription delivery (one log group's new entries). An entry that is not one
    is skipped and counted in the log, never quoted: it names a phone number."""
    reports, skipped = [], 0
    for entry in logs.awslogs.decoded_data.logEvents:
        try:
            reports.append(TextDelivery.model_validate_json(cast(str, entry.message)))
        except ValidationError:
            skipped += 1
    if skipped:
        logger.warning("log entries that are no SMS delivery report were skipped", extra={"skipped": skipped})
    return reports

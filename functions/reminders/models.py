"""Event models of the reminders function: SES sending events, as SES publishes them to SNS."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


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

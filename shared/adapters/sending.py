"""SES and SNS senders that tell a lost response (the message may be out) from a refusal (it is not).

Their clients make one try each: botocore retries a read timeout or a dropped connection by sending the request
again, which for SendEmail or Publish is a second message. A retry is decided by the caller, who knows the attempt.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

from shared.domain.errors import DeliveryUnknownError, UpstreamUnavailableError
from shared.domain.sends import ACCOUNT_TAG, ATTEMPT_TAG, account_tag
from shared.domain.unsubscribe import ONE_CLICK

_ONE_TRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=10)
# A read timeout or a closed connection (HTTPClientError) comes after the request was written; a connection error
# (EndpointConnectionError, ConnectTimeoutError) is taken as unknown too: the settling window costs only a delay.
_LOST = (HTTPClientError, ConnectionError)


@cache
def one_try_client(service: str) -> Any:
    """One client per service per process, created on first use (after mocks and env are set)."""
    return boto3.client(service, config=_ONE_TRY)  # type: ignore[call-overload]


def _call(service: str, operation: str, what: str, **params: Any) -> str:
    try:
        answer = getattr(one_try_client(service), operation)(**params)
    except _LOST as exc:
        raise DeliveryUnknownError(f"{what}: the response was lost") from exc
    except (ClientError, BotoCoreError) as exc:
        raise UpstreamUnavailableError(f"{what}: refused") from exc
    return str(answer["MessageId"])


class TaggedSesMailer:
    """SES v2 SendEmail tagged with the attempt id, through the configuration set that publishes its delivery
    events, with RFC 8058 one-click unsubscribe headers (v2's simple content takes headers and attachments; v1's
    does not): no MIME is built here."""

    def __init__(self, sender: str, configuration_set: str | None) -> None:
        self.sender = sender
        self.configuration_set = configuration_set

    def send_email(
        self,
        to: str,
        subject: str,
        body: str,
        attempt_id: str,
        account_key: str,
        unsubscribe_url: str,
        html: str = "",
        attachment: tuple[str, bytes] | None = None,
    ) -> str:
        extra = {"ConfigurationSetName": self.configuration_set} if self.configuration_set else {}
        # The account tag lets its bounces and complaints find the account.
        tags = [{"Name": ATTEMPT_TAG, "Value": attempt_id}, {"Name": ACCOUNT_TAG, "Value": account_tag(account_key)}]
        headers = [
            {"Name": "List-Unsubscribe", "Value": f"<{unsubscribe_url}>"},
            {"Name": "List-Unsubscribe-Post", "Value": ONE_CLICK},
        ]
        parts = {"Text": {"Data": body, "Charset": "UTF-8"}} | (
            {"Html": {"Data": html, "Charset": "UTF-8"}} if html else {}
        )
        simple: dict[str, Any] = {"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": parts, "Headers": headers}
        if attachment is not None:
            name, data = attachment
            simple["Attachments"] = [{"FileName": name, "RawContent": data, "ContentType": "application/pdf",
                                      "ContentDisposition": "ATTACHMENT"}]  # fmt: skip
        return _call(
            "sesv2",
            "send_email",
            "SES email",
            FromEmailAddress=self.sender,
            Destination={"ToAddresses": [to]},
            Content={"Simple": simple},
            EmailTags=tags,
            **extra,
        )


class OneTrySnsSms:
    """Texts through SNS, transactional, from `origination` when set (the number whose two-way channel brings the
    replies, STOP among them, to Arrears; empty: SNS picks one of the account's numbers)."""

    def __init__(self, origination: str = "") -> None:
        self.origination = origination

    def send_sms(self, to: str, body: str) -> str:
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        if self.origination:
            attributes["AWS.MM.SMS.OriginationNumber"] = {"DataType": "String", "StringValue": self.origination}
        return _call("sns", "publish", "SNS text message", PhoneNumber=to, Message=body, MessageAttributes=attributes)

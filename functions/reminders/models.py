"""Event models of the reminders function: SES sending events, as SES publishes them to SNS."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SesMail(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    timestamp: datetime
    message_id: str = Field(alias="messageId")
    tags: dict[str, list[str]] = Field(default_factory=dict)


class SesSendingEvent(BaseModel):
    """One event record of a configuration set's SNS destination (Send, Delivery, Bounce, Reject, ...)."""

    model_config = ConfigDict(populate_by_name=True)

    event_type: str = Field(alias="eventType")
    mail: SesMail

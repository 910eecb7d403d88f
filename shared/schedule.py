"""The scheduled-event envelope: EventBridge Scheduler (`detail` is a string) or an EventBridge rule."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator


class ScheduledEvent(BaseModel):
    """The instant of a scheduled run; its `time` is the run's `now`, so a repeated delivery repeats the same run."""

    id: str = ""
    source: str = Field(pattern=r"^aws\.(scheduler|events)$")
    time: datetime
    resources: list[str] = Field(default_factory=list)
    detail: dict[str, Any] = Field(default_factory=dict)

    @field_validator("detail", mode="before")
    @classmethod
    def _decode_detail(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value or "{}")
        return value

    @field_validator("time")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("time must carry a UTC offset")
        return value

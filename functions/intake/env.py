"""Settings of the intake function."""

from pydantic import Field

from shared.settings import BaseFunctionSettings


class Settings(BaseFunctionSettings):
    bucket_name: str
    intake_queue_url: str
    notify_queue_url: str
    ops_channel: str
    default_creditor: str = Field(min_length=1)

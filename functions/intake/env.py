"""Settings of the intake function."""

from pydantic import Field

from shared.settings import BaseFunctionSettings


class Settings(BaseFunctionSettings):
    bucket_name: str
    intake_queue_url: str
    notify_queue_url: str
    ops_channel: str
    default_creditor: str = Field(min_length=1)
    intake_parts_queue_url: str | None = None  # big files' parts, for the workers (unset: every file in order)
    parallel_import_bytes: int = Field(default=16 * 1024 * 1024, ge=1)  # about 100,000 rows of a typical export

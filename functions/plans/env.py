"""Settings of the plans function."""

from shared.settings import BaseFunctionSettings


class Settings(BaseFunctionSettings):
    notify_queue_url: str
    report_channel: str
    ops_channel: str  # payments the creditor's books never showed: operations look at the imports

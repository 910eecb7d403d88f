"""Settings of the plans function."""

from shared.settings import SlackPostingSettings


class Settings(SlackPostingSettings):
    report_channel: str
    ops_channel: str  # payments the creditor's books never showed: operations look at the imports

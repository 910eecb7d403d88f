"""Settings of the plans function."""

from shared.settings import SlackPostingSettings


class Settings(SlackPostingSettings):
    report_channel: str

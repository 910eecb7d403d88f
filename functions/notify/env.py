"""Settings of the notify function (the Slack poster)."""

from shared.settings import SlackPostingSettings


class Settings(SlackPostingSettings):
    notify_queue_url: str

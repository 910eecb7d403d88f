"""Settings of the Slack function."""

from pydantic import Field

from shared.settings import SlackPostingSettings


class Settings(SlackPostingSettings):
    slack_signing_secret_param: str = Field(pattern=r"^/")
    report_channel: str
    authorized_users: str = Field(default="", description="comma-separated Slack user ids; empty = every member")

    def is_authorized(self, user_id: str) -> bool:
        """Whether the user may see full phone numbers, emails and addresses (always in ephemeral replies)."""
        allowed = {u.strip() for u in self.authorized_users.split(",") if u.strip()}
        return not allowed or user_id in allowed

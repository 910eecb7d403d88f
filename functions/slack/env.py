"""Settings of the Slack function."""

from pydantic import Field

from shared.settings import SlackPostingSettings


class Settings(SlackPostingSettings):
    slack_signing_secret_param: str = Field(pattern=r"^/")
    report_channel: str
    bucket_name: str = Field(default="", description="inbox bucket: the mapping form reads pending/, writes mappings/")
    authorized_users: str = Field(
        default="",
        description="comma-separated Slack user ids who may change accounts and see contact data; empty = nobody",
    )

    def is_authorized(self, user_id: str) -> bool:
        """Whether the user may post payments, promises, plans, holds, releases, reversals and resumes, and see full
        phone numbers and emails. Nobody may until AUTHORIZED_USERS names them: the safe default is deny."""
        allowed = {u.strip() for u in self.authorized_users.split(",") if u.strip()}
        return bool(user_id) and user_id in allowed

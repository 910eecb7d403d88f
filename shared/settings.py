"""Settings read from the environment once per cold start; every variable here is set by infra/template.yaml."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class BaseFunctionSettings(BaseSettings):
    """What every function needs; each function's env.py adds its own variables."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    table_name: str = Field(min_length=3)


class SlackPostingSettings(BaseFunctionSettings):
    """Functions that post to Slack read the bot token from SSM by name (never the token itself)."""

    slack_bot_token_param: str = Field(pattern=r"^/")
    slack_api_url: str = Field(pattern=r"^https?://")

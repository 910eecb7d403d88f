"""Settings of the reminders function."""

from pydantic import EmailStr

from shared.settings import SlackPostingSettings


class Settings(SlackPostingSettings):
    sender_email: EmailStr
    report_channel: str

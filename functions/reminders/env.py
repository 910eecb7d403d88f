"""Settings of the reminders function."""

from pydantic import EmailStr

from shared.settings import BaseFunctionSettings


class Settings(BaseFunctionSettings):
    sender_email: EmailStr
    notify_queue_url: str
    report_channel: str
    # SES configuration set that publishes the reminders' delivery events to the topic this function reads;
    # without one (local runs) no event settles a lost response, which is then resent after the settling window.
    configuration_set: str | None = None

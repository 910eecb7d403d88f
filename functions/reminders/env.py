"""Settings of the reminders function."""

from pydantic import EmailStr, Field

from shared.settings import BaseFunctionSettings


class Settings(BaseFunctionSettings):
    sender_email: EmailStr
    notify_queue_url: str
    report_channel: str
    # SES configuration set that publishes the reminders' delivery events to the topic this function reads;
    # without one (local runs) no event settles a lost response, which is then resent after the settling window.
    configuration_set: str | None = None
    # The unsubscribe endpoint (its Function URL) every email links to, and the NAME of the SSM SecureString
    # holding the key its tokens are signed with (never the key itself).
    unsubscribe_url: str = Field(pattern=r"^https?://")
    unsubscribe_key_param: str = Field(pattern=r"^/")
    bucket_name: str  # letters go under letters/<mail date>/ for the print-and-mail vendor

"""Settings of the reminders function."""

from pydantic import Field

from shared.settings import BaseFunctionSettings


class Settings(BaseFunctionSettings):
    # SES sends only from a verified identity, so a shape check is enough here (EmailStr's email_validator costs
    # ~35 ms of the cold start for one configured value).
    sender_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
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
    # A run with more due than `fan_out_above` queues them in parts on this queue, sent by up to `workers`
    # invocations at once (the event source's MaximumConcurrency), each paced at its share of `send_rate`, the
    # account's SES maximum send rate per second. Without a queue every run sends in one invocation.
    work_queue_url: str | None = None
    fan_out_above: int = Field(default=200, ge=1)
    part_size: int = Field(default=50, ge=1, le=500)  # accounts a message (the message stays far under 256 KB)
    workers: int = Field(default=4, ge=2, le=1000)
    send_rate: float = Field(default=14.0, gt=0)
    # The number texts go from (E.164), whose two-way channel is the inbound-texts topic; empty: SNS chooses
    sms_origination_number: str = Field(default="", pattern=r"^(\+[1-9][0-9]{6,14})?$")

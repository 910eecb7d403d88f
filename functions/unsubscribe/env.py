"""Settings of the unsubscribe function."""

from pydantic import Field

from shared.settings import BaseFunctionSettings


class Settings(BaseFunctionSettings):
    # NAME of the SSM SecureString holding the key the links' tokens are signed with (never the key itself).
    unsubscribe_key_param: str = Field(pattern=r"^/")

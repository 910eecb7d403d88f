"""Settings of the retention function."""

from shared.settings import BaseFunctionSettings


class Settings(BaseFunctionSettings):
    pass

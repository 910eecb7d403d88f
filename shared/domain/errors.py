"""The one error hierarchy of Arrears; each trigger maps it to a response in one place."""


class ArrearsError(Exception):
    """Base of every error the domain raises on purpose."""


class InvalidInputError(ArrearsError):
    """The caller's input is malformed; the message names the row, field or argument."""


class NotFoundError(ArrearsError):
    """A referenced record does not exist."""


class ConflictError(ArrearsError):
    """A concurrent or repeated write lost a race or was already applied."""


class NotAllowedError(ArrearsError):
    """A rule (compliance, hold, authorization) forbids the action."""


class UpstreamUnavailableError(ArrearsError):
    """A dependency (AWS, Slack, mail) failed in a way worth retrying."""


class RateLimitedError(UpstreamUnavailableError):
    """The dependency asked us to wait (HTTP 429); `retry_after` is how long, in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DeliveryUnknownError(UpstreamUnavailableError):
    """The provider's response was lost (read timeout, dropped connection): it may have accepted the message."""


class IncompleteRunError(UpstreamUnavailableError):
    """A scheduled run did all it could but left some items unfinished; `report` says which (keys, no PII)."""

    def __init__(self, message: str, report: dict[str, object]) -> None:
        super().__init__(message)
        self.report = report

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

"""The one Logger of every function (service name from POWERTOOLS_SERVICE_NAME).

Tracing is off (no X-Ray SDK is shipped) and no custom metrics are emitted: CloudWatch's own Lambda and SQS
metrics drive the alarms in infra/template.yaml, so no Tracer or Metrics object is created.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

# At DEBUG these log whole request and response bodies (DynamoDB items, Slack messages, S3 objects): debtors' names,
# emails, phones and addresses. They stay at WARNING whatever LOG_LEVEL, POWERTOOLS_LOG_LEVEL or the root says.
LIBRARY_LOGGERS = ("botocore", "boto3", "s3transfer", "urllib3", "pynamodb", "slack_sdk", "slack_bolt")
REDACTED = "[redacted]"
# Structured fields that name a person or reach them, whatever their value looks like.
PII_KEYS = frozenset(
    {"email", "phone", "address", "address1", "address2", "street", "postal_code", "debtor", "debtor_name", "name"}
)
PII_PATTERNS = (
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # email
    re.compile(r"\+\d[\d ().-]{6,}\d"),  # international or E.164 phone
    re.compile(r"(?:\(\d{3}\)\s?|\b\d{3}[-. ])\d{3}[-. ]\d{4}\b"),  # NANP phone
    re.compile(  # street line: number, words, street type
        r"\b\d{1,6}(?: [A-Z][\w'.-]*){1,4} (?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Ln|Lane|Dr|Drive|Way|Ct"
        r"|Court|Pl|Place|Sq|Square|Ter|Terrace|Hwy|Highway)\b\.?"
    ),
)
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def redact_text(text: str) -> str:
    """`text` with every email address, phone number and street line replaced by [redacted]."""
    for pattern in PII_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def redact_value(value: Any, key: str = "") -> Any:
    """A log field's value with PII redacted: by key name (any value), by pattern (strings), recursively."""
    if key.lower() in PII_KEYS and value not in (None, ""):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(v) for v in value]
    return value


class RedactionFilter(logging.Filter):
    """Redacts the message, its arguments and every extra field of a record before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str | dict):
            record.msg = redact_value(record.msg) if isinstance(record.msg, dict) else redact_text(record.getMessage())
            record.args = ()
        for key in set(vars(record)) - _RECORD_ATTRIBUTES:
            setattr(record, key, redact_value(getattr(record, key), key))
        return True


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON lines, with tracebacks (which may quote a value) and the whole line redacted."""

    def formatException(self, ei: Any) -> str:
        return redact_text(super().formatException(ei))

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(super().format(record))


def pin_library_loggers() -> None:
    """Puts the chatty libraries' loggers, and any child given its own lower level, back at WARNING.

    Called at import and before every invocation: Bolt copies the root logger's level onto the loggers it creates
    (slack_bolt.App, its listeners) when the app is built, which would undo a pin made only at import.
    """
    for name, candidate in list(logging.root.manager.loggerDict.items()):
        if not isinstance(candidate, logging.Logger) or name.split(".", 1)[0] not in LIBRARY_LOGGERS:
            continue
        if candidate.level < logging.WARNING and (candidate.level != logging.NOTSET or "." not in name):
            candidate.setLevel(logging.WARNING)
    for name in LIBRARY_LOGGERS:
        if logging.getLogger(name).level < logging.WARNING:
            logging.getLogger(name).setLevel(logging.WARNING)


class RedactingLogger(Logger):
    """Powertools' Logger whose output is redacted and whose handler decorator re-pins the library loggers."""

    def inject_lambda_context(  # type: ignore[override]  # one signature for both decorator forms
        self, lambda_handler: Callable[..., Any] | None = None, **options: Any
    ) -> Any:
        if lambda_handler is None:
            return functools.partial(self.inject_lambda_context, **options)
        decorated = super().inject_lambda_context(lambda_handler, **options)

        @functools.wraps(lambda_handler)
        def pinned(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
            pin_library_loggers()
            return decorated(event, context, *args, **kwargs)

        return pinned


logger = RedactingLogger(logger_formatter=RedactingFormatter())
logger.addFilter(RedactionFilter())
pin_library_loggers()

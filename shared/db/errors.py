"""What DynamoDB answered when a pynamodb call failed, read safely.

pynamodb's `cause_response_code` raises AttributeError when the cause carries no response at all, which is what a
lost answer (a read timeout, a dropped connection) looks like; `code_of` returns None then.
"""

from __future__ import annotations

from pynamodb.exceptions import PynamoDBException


def code_of(exc: PynamoDBException) -> str | None:
    """The AWS error code (`ConditionalCheckFailedException`, `ThrottlingException`...), None when there was none."""
    response = getattr(exc.cause, "response", None) or {}
    code = (response.get("Error") or {}).get("Code")
    return str(code) if code is not None else None

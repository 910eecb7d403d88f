"""The DynamoDB stream records the retention function acts on: TTL removals of account items."""

from __future__ import annotations

from typing import Any

TTL_PRINCIPAL = "dynamodb.amazonaws.com"  # who removes an item whose TTL has passed
ACCOUNT_SK = "A"


def expired_accounts(event: dict[str, Any]) -> list[str]:
    """The partition keys of account items DynamoDB removed for their TTL (the event source's filter already keeps
    only those; a record of anything else is skipped here too, so a wider filter can never delete an account)."""
    keys = []
    for record in event.get("Records", []):
        identity = record.get("userIdentity") or {}
        item_keys = (record.get("dynamodb") or {}).get("Keys") or {}
        by_ttl = identity.get("type") == "Service" and identity.get("principalId") == TTL_PRINCIPAL
        if record.get("eventName") == "REMOVE" and by_ttl and item_keys.get("sk", {}).get("S") == ACCOUNT_SK:
            keys.append(str(item_keys["pk"]["S"]))
    return keys

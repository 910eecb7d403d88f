"""Validation of a creditor's contact-policy overrides before they are stored."""

from __future__ import annotations

import json
from typing import Any

from shared.domain.compliance.policy import DEFAULT_POLICY, parse_policy
from shared.domain.errors import InvalidInputError
from shared.domain.settings import contact_policy, parse_settings


def parse_policy_file(text: str) -> dict[str, Any]:
    """A policy file's overrides, checked key by key against what the engine reads; errors name the key."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    if not isinstance(raw, dict):
        raise InvalidInputError("a policy file must hold one JSON object")
    known = {*DEFAULT_POLICY, "collections"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InvalidInputError(f"unknown policy key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    parse_policy(contact_policy(raw))
    parse_settings(raw)
    return raw

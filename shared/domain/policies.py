"""Validation of a creditor's contact-policy overrides before they are stored."""

from __future__ import annotations

from typing import Any

from shared.domain.compliance.policy import DEFAULT_POLICY, parse_policy
from shared.domain.documents import load_document
from shared.domain.errors import InvalidInputError
from shared.domain.settings import contact_policy, parse_settings


def parse_policy_file(text: str, fmt: str = "json") -> dict[str, Any]:
    """A policy file's overrides (`fmt`: json, or yaml / yml), checked key by key against what the engine reads;
    errors name the key."""
    raw = load_document(text, fmt, "the policy file")
    known = {*DEFAULT_POLICY, "collections"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InvalidInputError(f"unknown policy key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    parse_policy(contact_policy(raw))
    parse_settings(raw)
    return raw

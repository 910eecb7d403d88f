"""Settings documents people write and drop in the bucket (mappings, policies): JSON or YAML, read the same way."""

from __future__ import annotations

import json
from typing import Any

from shared.domain.errors import InvalidInputError

FORMATS = ("json", "yaml", "yml")


def load_document(text: str, fmt: str, what: str) -> dict[str, Any]:
    """The object a JSON or YAML document holds, with JSON's values only (a YAML date is its ISO text);
    InvalidInputError names the line and column of a syntax error, or says the document is no object."""
    import yaml  # on first use: documents are read rarely (about 15 ms at cold start)

    if fmt not in FORMATS:
        raise InvalidInputError(f"{what} format {fmt!r} is not 'json' or 'yaml'")
    try:
        data = json.loads(text) if fmt == "json" else json.loads(json.dumps(yaml.safe_load(text), default=str))
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise InvalidInputError(f"{what} is not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInputError(f"{what} must hold one object of key: value pairs")
    return data

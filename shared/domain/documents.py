"""Settings documents people write and drop in the bucket (mappings, policies): JSON or YAML, read the same way."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from shared.domain.errors import InvalidInputError

FORMATS = ("json", "yaml", "yml")


_SEXAGESIMAL_OR_OCTAL = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|0[0-7_]+)$")


@cache
def _loader() -> type:
    """YAML's safe loader, but a time of day (`21:00`), which YAML 1.1 reads as a base-60 number (1260), and a
    number with a leading zero (a ZIP code, `010`), which it reads as octal, stay the text that was written."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def number(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
        text = loader.construct_scalar(node)
        if _SEXAGESIMAL_OR_OCTAL.match(str(text)):
            return text
        constructor = (
            yaml.SafeLoader.construct_yaml_int if node.tag.endswith(":int") else yaml.SafeLoader.construct_yaml_float
        )
        return constructor(loader, node)

    Loader.add_constructor("tag:yaml.org,2002:int", number)
    Loader.add_constructor("tag:yaml.org,2002:float", number)
    return Loader


def load_document(text: str, fmt: str, what: str) -> dict[str, Any]:
    """The object a JSON or YAML document holds, with JSON's values only (a YAML date is its ISO text);
    InvalidInputError names the line and column of a syntax error, or says the document is no object."""
    import yaml  # on first use: documents are read rarely (about 15 ms at cold start)

    if fmt not in FORMATS:
        raise InvalidInputError(f"{what} format {fmt!r} is not 'json' or 'yaml'")
    try:
        loaded = json.loads(text) if fmt == "json" else yaml.load(text, _loader())  # noqa: S506 - a SafeLoader
        data = loaded if fmt == "json" else json.loads(json.dumps(loaded, default=str))
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise InvalidInputError(f"{what} is not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInputError(f"{what} must hold one object of key: value pairs")
    return data

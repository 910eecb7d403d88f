"""Files whose layout is not certain wait in pending/ with a proposal; a confirmed mapping imports them.

A mapping confirmed in Slack (or uploaded by hand) lands in `mappings/<name>.yaml`. Its upload is validated and
answered in Slack; when it names the header it was made for, every file waiting with that header moves to
`incoming/<name>/` and imports with it, and later files with the same header are read with it at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from shared.domain.errors import InvalidInputError
from shared.domain.mrkdwn import escape
from shared.domain.notices import MAPPING_REVIEW
from shared.domain.receivables import Profile, load_mapping
from shared.domain.receivables.infer import Proposal
from shared.domain.receivables.profiles import normalize_name
from shared.observability import logger
from shared.ports import ObjectStore

PENDING = "pending/"
MAPPINGS = "mappings/"
PROPOSAL = ".proposal.json"  # beside the waiting file: its columns and the proposed mapping (no row values)
MAPPING_FORMATS = {"json": "json", "yaml": "yaml", "yml": "yaml"}
MAX_BUTTON_VALUE = 2000  # Slack's limit on a button's value


def proposal_data(pending_key: str, proposal: Proposal | None) -> dict[str, Any]:
    """The proposal as JSON: what the Slack form is prefilled with (header names only, never a row's values)."""
    if proposal is None:
        return {"f": pending_key, "c": [], "m": {}}
    return {
        "f": pending_key, "c": proposal.cells, "m": proposal.columns, "o": proposal.date_order,
        "u": proposal.default_currency, "g": proposal.customer_from_group, "d": list(proposal.doubts),
    }  # fmt: skip


def button_value(data: dict[str, Any]) -> str | None:
    value = json.dumps({k: v for k, v in data.items() if k != "d"}, separators=(",", ":"), ensure_ascii=False)
    return value if len(value) <= MAX_BUTTON_VALUE else None


def ask_text(key: str, pending_key: str, reason: str, data: dict[str, Any]) -> str:
    lines = [f":question: `{escape(key)}` waits in `{escape(pending_key)}`: {escape(reason)}."]
    if data["c"]:
        lines.append("Columns: " + ", ".join(f"`{escape(cell)}`" for cell in data["c"] if cell.strip())[:1500])
        mapped = [f"{name} ← `{escape(data['c'][index])}`" for name, index in data["m"].items()]
        lines.append("Proposed: " + ("; ".join(mapped) or "nothing recognised"))
    lines.append(
        "Review the mapping to import it (files with the same header then import without asking), or upload a "
        f"mapping to `{MAPPINGS}<name>.yaml` naming this header (`arrears check FILE --save-mapping NAME.yaml`)."
    )
    return "\n".join(lines)


def ask_blocks(text: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}]
    value = button_value(data)
    if value is not None and data["c"]:
        button = {"type": "button", "text": {"type": "plain_text", "text": "Review mapping"},
                  "action_id": MAPPING_REVIEW, "value": value, "style": "primary"}  # fmt: skip
        blocks.append({"type": "actions", "block_id": "mapping", "elements": [button]})
    return blocks


def _mapping_keys(store: ObjectStore) -> list[tuple[str, str]]:
    found = []
    for key in store.list_keys(MAPPINGS):
        fmt = MAPPING_FORMATS.get(key.rsplit(".", 1)[-1].lower())
        if fmt and "/" not in key.removeprefix(MAPPINGS):
            found.append((key, fmt))
    return found


def confirmed_layouts(store: ObjectStore) -> list[Profile]:
    """Every mapping in mappings/ that names the header it is for (each was validated when uploaded)."""
    layouts = []
    for key, fmt in _mapping_keys(store):
        try:
            profile = load_mapping(store.read_text(key) or "", fmt)
        except InvalidInputError:
            continue  # refused in Slack when it was uploaded
        if profile.header:
            layouts.append(profile)
    return layouts


def check_mapping(
    key: str, store: ObjectStore, tell: Callable[[str], None], release: Callable[[str, str], None]
) -> str:
    """A mapping uploaded to mappings/: said valid (and the files waiting for it released) or refused with the
    key at fault."""
    name, _, ext = key.removeprefix(MAPPINGS).rpartition(".")
    fmt = MAPPING_FORMATS.get(ext.lower())
    if fmt is None or "/" in name:
        tell(f":rotating_light: `{escape(key)}` is not a mapping: use `{MAPPINGS}<name>.yaml` or `.json`")
        return "mapping-rejected"
    try:
        profile = load_mapping(store.read_text(key) or "", fmt)
    except InvalidInputError as exc:
        tell(f":rotating_light: `{escape(key)}` is not valid and is not used: {escape(str(exc))}")
        return "mapping-rejected"
    waiting = _waiting_for(profile, store) if profile.header else []
    for pending_key in waiting:
        release(pending_key, f"incoming/{name}/{pending_key.removeprefix(PENDING).rsplit('/', 1)[-1]}")
    fields = ", ".join(profile.columns)
    text = f":white_check_mark: Mapping `{escape(name)}` is valid ({escape(fields)})."
    if profile.header:
        text += " Files with its header import with it."
    else:
        text += f" Files under `incoming/{escape(name)}/` import with it (name `header:` to match files anywhere)."
    if waiting:
        text += " Importing the waiting file(s): " + ", ".join(f"`{escape(k)}`" for k in waiting)
    tell(text)
    return "mapping-valid"


def _waiting_for(profile: Profile, store: ObjectStore) -> list[str]:
    waiting = []
    for key in store.list_keys(PENDING):
        if not key.endswith(PROPOSAL):
            continue
        try:
            data = json.loads(store.read_text(key) or "{}")
        except json.JSONDecodeError:
            logger.warning("unreadable proposal", extra={"key": key})
            continue
        header = tuple(cell for cell in map(normalize_name, data.get("c") or []) if cell)
        if header == profile.header:
            waiting.append(key.removesuffix(PROPOSAL))
    return waiting

"""Receivables file intake: a pure, streaming parser for accounting exports (CSV) into ReceivableRows."""

from shared.domain.receivables.decoding import UnreadableFileError
from shared.domain.receivables.models import ParseReport, ReceivableRow, RejectedRow
from shared.domain.receivables.parser import ReceivablesParser
from shared.domain.receivables.preview import preview, render_preview
from shared.domain.receivables.profiles import BUILTIN_PROFILES, Profile, get_profile, load_mapping

__all__ = [
    "BUILTIN_PROFILES",
    "ParseReport",
    "Profile",
    "ReceivableRow",
    "ReceivablesParser",
    "RejectedRow",
    "UnreadableFileError",
    "get_profile",
    "load_mapping",
    "preview",
    "render_preview",
]

"""Letters laid out as PDF (fpdf2) from Jinja2 HTML templates, and the manifest a print-and-mail vendor takes.

fpdf2 because it is pure Python (no system libraries, unlike WeasyPrint's Pango), small beside ReportLab, reads the
basic HTML a letter needs (headings, paragraphs, bold, a bordered table) and its core Helvetica font covers Spanish.
Babel formats dates and amounts for each language. Both are imported on first use: only a run that mails letters
pays for them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from shared.domain.letters import Notice, mailed_at
from shared.domain.messages import TEMPLATES
from shared.domain.money import Money
from shared.ports import ObjectStore

if TYPE_CHECKING:
    import jinja2

LOCALES = {"en": "en_US", "es": "es_US"}
MANIFEST_FIELDS = ("recipient", "address_line1", "address_line2", "city", "state", "postal_code", "country", "file",
                   "mail_class", "pages", "reference", "kind", "language", "mail_date", "invoices")  # fmt: skip


@cache
def _env() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # a debtor's name or address is data, never markup
        undefined=jinja2.StrictUndefined,
    )


def letter_html(notice: Notice) -> str:
    """The letter as the HTML its template makes, dates and amounts in the notice's language."""
    from babel.dates import format_date
    from babel.numbers import format_currency

    locale = LOCALES[notice.language]

    def day(value: date | None) -> str:
        return format_date(value, "long", locale=locale) if value else ""

    def money(value: Money) -> str:
        return str(format_currency(value.to_decimal(), value.currency, locale=locale))

    template = _env().get_template(f"letters/{notice.kind}.{notice.language}.html.j2")
    return template.render(n=notice, day=day, money=money)


@dataclass(frozen=True)
class Letter:
    notice: Notice
    pdf: bytes
    pages: int


def render_letter(notice: Notice) -> Letter:
    """The notice as a US Letter PDF."""
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_title("Notice" if notice.language == "en" else "Aviso")
    pdf.set_creation_date(mailed_at(notice.mail_date, notice.zone))  # the same notice makes the same bytes
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    pdf.set_font("Helvetica", size=9.5)
    pdf.write_html(letter_html(notice))
    return Letter(notice, bytes(pdf.output()), pdf.pages_count)


def manifest_csv(letters: list[tuple[Letter, str]], header: bool = True) -> str:
    """One row a letter (with the object key of its PDF), in the columns print-and-mail vendors take."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=MANIFEST_FIELDS, lineterminator="\n")
    if header:
        writer.writeheader()
    for letter, key in letters:
        n, postal = letter.notice, letter.notice.postal
        writer.writerow({
            "recipient": n.consumer, "address_line1": postal.line1, "address_line2": postal.line2,
            "city": postal.city, "state": postal.state, "postal_code": postal.postal_code, "country": postal.country,
            "file": key, "mail_class": n.sender.mail_class, "pages": letter.pages, "reference": n.account_id,
            "kind": n.kind, "language": n.language, "mail_date": n.mail_date.isoformat(),
            "invoices": " ".join(d.number for d in n.debts),
        })  # fmt: skip
    return out.getvalue()


@dataclass(frozen=True)
class KeptLetter:
    key: str  # its PDF
    invoices: tuple[str, ...]  # the debts it is about


class LetterBox:
    """Letters for the print-and-mail vendor, in the bucket under `letters/<mail date>/`: each letter's PDF, then
    its manifest row beside it (`<attempt>.csv`, written last: a letter whose row exists is complete), and the
    day's `manifest.csv` rebuilt from every row of that day, so a repeated or interrupted run loses none and
    lists none twice. The vendor takes the day's manifest after the last run of the day."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self.days: set[date] = set()  # mail dates this box put or found letters on since its last manifests

    @staticmethod
    def _prefix(day: date) -> str:
        return f"letters/{day.isoformat()}/"

    def keep(self, letter: Letter, attempt_id: str) -> str:
        """Store the letter; returns its PDF's key (the letter's message id)."""
        prefix = self._prefix(letter.notice.mail_date)
        pdf_key = f"{prefix}{attempt_id}.pdf"
        self.days.add(letter.notice.mail_date)
        self.store.put(pdf_key, letter.pdf, content_type="application/pdf")
        row = manifest_csv([(letter, pdf_key)], header=False).encode()
        self.store.put(f"{prefix}{attempt_id}.csv", row, content_type="text/csv")
        return pdf_key

    def kept(self, day: date, attempt_id: str) -> KeptLetter | None:
        """The letter `attempt_id` stored completely on `day` (its PDF's key and the invoices it is about), else
        None. A letter found is listed in the day's manifest when this box next writes them."""
        row = self.store.read_text(f"{self._prefix(day)}{attempt_id}.csv")
        if row is None:
            return None
        self.days.add(day)
        fields = next(csv.DictReader(io.StringIO(row), fieldnames=MANIFEST_FIELDS))
        return KeptLetter(str(fields["file"]), tuple(str(fields["invoices"] or "").split()))

    def write_manifests(self) -> None:
        for day in sorted(self.days):
            self.write_manifest(day)
        self.days.clear()

    def write_manifest(self, day: date) -> int:
        """Rebuild the day's manifest from its letters' rows; returns how many letters it lists."""
        prefix = self._prefix(day)
        rows = [self.store.read_text(key) or "" for key in sorted(self.store.list_keys(prefix))
                if key.endswith(".csv") and key != f"{prefix}manifest.csv"]  # fmt: skip
        header = ",".join(MANIFEST_FIELDS) + "\n"
        self.store.put(f"{prefix}manifest.csv", (header + "".join(rows)).encode(), content_type="text/csv")
        return len(rows)

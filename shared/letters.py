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
EMAILED_FIELDS = (*MANIFEST_FIELDS, "email")  # an emailed notice's row (in no manifest) also says where it went


@cache
def _env() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # a debtor's name or address is data, never markup
        undefined=jinja2.StrictUndefined,
    )


def _render(name: str, notice: Notice, **fields: object) -> str:
    """The letters template `name` in the notice's language (`validation.html.j2`: `validation.es.html.j2` for
    Spanish), with `day` and `money` formatting dates and amounts in that language."""
    from babel.dates import format_date
    from babel.numbers import format_currency

    locale = LOCALES[notice.language]

    def day(value: date | None) -> str:
        return format_date(value, "long", locale=locale) if value else ""

    def money(value: Money) -> str:
        return str(format_currency(value.to_decimal(), value.currency, locale=locale))

    template = _env().get_template(f"letters/{name.replace('.', f'.{notice.language}.', 1)}")
    return template.render(n=notice, day=day, money=money, **fields)


def letter_html(notice: Notice) -> str:
    """The letter as the HTML its template makes, dates and amounts in the notice's language."""
    return _render(f"dunning/{notice.template}.html.j2" if notice.kind == "dunning" else f"{notice.kind}.html.j2",
                   notice)  # fmt: skip


TITLES = {("dunning", "en"): "Payment reminder", ("dunning", "es"): "Recordatorio de pago", ("notice", "en"): "Notice",
          ("notice", "es"): "Aviso"}  # fmt: skip


@dataclass(frozen=True)
class Letter:
    notice: Notice
    pdf: bytes
    pages: int


def render_letter(notice: Notice) -> Letter:
    """The letter (a notice or a dunning letter) as a US Letter PDF."""
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_title(TITLES["dunning" if notice.kind == "dunning" else "notice", notice.language])
    pdf.set_creation_date(mailed_at(notice.mail_date, notice.zone))  # the same notice makes the same bytes
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    pdf.set_font("Helvetica", size=9.5)
    pdf.write_html(letter_html(notice))
    return Letter(notice, bytes(pdf.output()), pdf.pages_count)


def manifest_csv(
    letters: list[tuple[Letter, str]], header: bool = True, fields: tuple[str, ...] = MANIFEST_FIELDS
) -> str:
    """One row a letter (with the object key of its PDF), in the columns print-and-mail vendors take."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
    if header:
        writer.writeheader()
    for letter, key in letters:
        n, postal = letter.notice, letter.notice.postal
        writer.writerow({
            "recipient": n.consumer, "address_line1": postal.line1, "address_line2": postal.line2,
            "city": postal.city, "state": postal.state, "postal_code": postal.postal_code, "country": postal.country,
            "file": key, "mail_class": n.sender.mail_class if n.emailed_at is None else "email",
            "pages": letter.pages, "reference": n.account_id,
            "kind": n.kind, "language": n.language, "mail_date": n.mail_date.isoformat(),
            "invoices": " ".join(d.number for d in n.debts), "email": n.emailed_to or "",
        })  # fmt: skip
    return out.getvalue()


@dataclass(frozen=True)
class NoticeEmail:
    """A notice as an email: its subject names the creditor and the account (1006.42(b)), the HTML body and the
    text part are each the notice itself followed by how to stop emails, and its PDF is attached to keep."""

    subject: str
    text: str
    html: str
    attachment: tuple[str, bytes]  # file name, PDF


def notice_email_of(letter: Letter, unsubscribe_url: str) -> NoticeEmail:
    """The validation notice as an email whose text part is the whole notice too, for mail readers that show no
    HTML. A first-party notice goes by mail only (`notice_email`), so it has no email form."""
    n = letter.notice
    if n.kind != "validation":
        raise ValueError(f"a {n.kind} notice goes by mail only, it has no email form")
    subject, _, text = _render("emailed.txt.j2", n, unsubscribe_url=unsubscribe_url).partition("\n")
    footer = _render("emailed.html.j2", n, unsubscribe_url=unsubscribe_url)
    name = "notice.pdf" if n.language == "en" else "aviso.pdf"
    return NoticeEmail(subject.removeprefix("Subject: ").strip(), text.strip() + "\n", letter_html(n) + footer,
                       (name, letter.pdf))  # fmt: skip


@dataclass(frozen=True)
class KeptLetter:
    key: str  # its PDF
    invoices: tuple[str, ...]  # the debts it is about
    email: str | None = None  # an emailed notice: the address it went to
    kind: str = "validation"  # the letter's (Notice.kind)


class LetterBox:
    """Letters for the print-and-mail vendor, in the bucket under `letters/<mail date>/`: each letter's PDF, then
    its manifest row beside it (`<attempt>.csv`, written last: a letter whose row exists is complete), and the
    day's `manifest.csv` rebuilt from every row of that day, so a repeated or interrupted run loses none and
    lists none twice. The vendor takes the day's manifest after the last run of the day.

    A notice sent by email is kept the same way under `letters/emailed/` (day None): the PDF it attached, and its
    row, written before the email goes; it is in no manifest."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self.days: set[date] = set()  # mail dates this box put or found letters on since its last manifests

    @staticmethod
    def _prefix(day: date | None) -> str:
        return f"letters/{day.isoformat() if day else 'emailed'}/"

    def keep(self, letter: Letter, attempt_id: str) -> str:
        """Store the letter; returns its PDF's key (the letter's message id)."""
        emailed = letter.notice.emailed_at is not None
        prefix = self._prefix(None if emailed else letter.notice.mail_date)
        pdf_key = f"{prefix}{attempt_id}.pdf"
        if not emailed:
            self.days.add(letter.notice.mail_date)
        self.store.put(pdf_key, letter.pdf, content_type="application/pdf")
        row = manifest_csv([(letter, pdf_key)], header=False, fields=EMAILED_FIELDS if emailed else MANIFEST_FIELDS)
        self.store.put(f"{prefix}{attempt_id}.csv", row.encode(), content_type="text/csv")
        return pdf_key

    def kept(self, day: date | None, attempt_id: str) -> KeptLetter | None:
        """The letter `attempt_id` stored completely on `day` (None: an emailed notice), with its PDF's key and the
        invoices it is about, else None. A letter found is listed in the day's manifest when this box next writes
        them."""
        row = self.store.read_text(f"{self._prefix(day)}{attempt_id}.csv")
        if row is None:
            return None
        if day is not None:
            self.days.add(day)
        fields = next(csv.DictReader(io.StringIO(row), fieldnames=EMAILED_FIELDS if day is None else MANIFEST_FIELDS))
        invoices = tuple(str(fields["invoices"] or "").split())
        email = str(fields["email"]) if day is None else None
        return KeptLetter(str(fields["file"]), invoices, email, str(fields["kind"] or "validation"))

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

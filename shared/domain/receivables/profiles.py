"""Column mappings: the built-in export layouts, custom JSON/YAML mappings validated with pydantic."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from shared.domain.documents import load_document
from shared.domain.errors import InvalidInputError
from shared.domain.money import normalize_currency
from shared.domain.receivables.decoding import UnreadableFileError

FIELDS = (
    "account_id", "debtor_name", "invoice", "invoice_date", "due_date", "balance", "currency", "email",
    "phone", "address1", "city", "state", "postal_code", "country", "terms", "txn_type",
    "status", "deleted", "total", "amount_paid", "line_amount", "debit", "credit", "amount", "gl_account",
    "language",
)  # fmt: skip
AMOUNT_FIELDS = ("balance", "total", "line_amount", "debit", "credit", "amount")  # where what is owed can come from


@dataclass(frozen=True)
class Profile:
    """How one export layout names its columns (field → header names, first present wins) and reads values."""

    name: str
    columns: Mapping[str, tuple[str, ...]]
    date_order: Literal["MDY", "DMY", "YMD"] | None = None
    decimal_comma: bool = False
    default_currency: str | None = None
    default_region: str | None = None
    creditor: str | None = None
    terms_days: int | None = None
    snapshot: bool = False
    ledger: bool = False
    account_type: Literal["consumer", "commercial"] = "consumer"
    collector_role: Literal["first_party", "third_party"] = "first_party"
    customer_from_group: bool = False  # report downloads: a customer's name alone on a row heads its invoices
    header: tuple[str, ...] = ()  # a confirmed mapping: the normalized header it was confirmed for

    @property
    def nets_rows(self) -> bool:
        """Rows of one invoice are summed to the end of the file: ledgers, and line items or ledger entries with
        no invoice-level amount (balance or total) on them."""
        parts = {"debit", "credit", "amount", "line_amount"} & self.columns.keys()
        return self.ledger or (bool(parts) and not {"balance", "total"} & self.columns.keys())


def _profile(name: str, columns: dict[str, tuple[str, ...]], **options: Any) -> Profile:
    return Profile(name=name, columns=columns, **options)


_ADDRESS_GENERIC = {
    "address1": ("address1", "address_line1"), "city": ("city",), "state": ("state", "region"),
    "postal_code": ("postal_code", "zip"), "country": ("country",),
}  # fmt: skip
BUILTIN_PROFILES: dict[str, Profile] = {
    "generic": _profile("generic", {
        "account_id": ("account_id",), "debtor_name": ("debtor_name",), "invoice": ("invoice",),
        "invoice_date": ("invoice_date",), "due_date": ("due_date",), "balance": ("balance",),
        "currency": ("currency",), "email": ("email",), "phone": ("phone",), "terms": ("terms",),
        "language": ("language", "preferred_language"), **_ADDRESS_GENERIC,
    }, default_region="US"),
    "quickbooks": _profile("quickbooks", {
        "debtor_name": ("Customer", "Customer full name", "Name"), "invoice": ("Num", "No.", "Invoice no"),
        "invoice_date": ("Date", "Transaction date"), "due_date": ("Due Date",),
        "balance": ("Open Balance", "Open bal"), "currency": ("Currency",), "terms": ("Terms",),
        "txn_type": ("Transaction Type", "Type"), "email": ("Email",), "phone": ("Phone",),
    }, date_order="MDY", default_currency="USD", default_region="US", customer_from_group=True),
    "xero": _profile("xero", {
        "account_id": ("AccountNumber", "Account Number"), "debtor_name": ("ContactName", "Contact"),
        "invoice": ("InvoiceNumber", "Invoice Number"), "invoice_date": ("InvoiceDate", "Invoice Date"),
        "due_date": ("DueDate", "Due Date"), "balance": ("AmountDue", "InvoiceAmountDue", "Due", "Total"),
        "currency": ("Currency", "CurrencyCode"), "email": ("EmailAddress",),
        "phone": ("Phone", "PhoneNumber"),
        "address1": ("POAddressLine1",), "city": ("POCity",), "state": ("PORegion",),
        "postal_code": ("POPostalCode",), "country": ("POCountry",), "status": ("Status",), "txn_type": ("Type",),
    }, date_order="DMY"),
    "zoho": _profile("zoho", {
        "account_id": ("Customer ID",), "debtor_name": ("Customer Name", "Display Name"),
        "invoice": ("Invoice Number",), "invoice_date": ("Invoice Date",), "due_date": ("Due Date",),
        "balance": ("Balance", "Balance Due"), "currency": ("Currency Code",),
        "email": ("Primary Contact EmailID", "EmailID", "Customer Email"),
        "phone": ("Billing Phone", "Phone"),
        "address1": ("Billing Address", "Billing Street"), "city": ("Billing City",),
        "state": ("Billing State",), "postal_code": ("Billing Code", "Billing Zip"),
        "country": ("Billing Country",), "terms": ("Payment Terms Label", "Payment Terms"),
        "status": ("Invoice Status", "Status"),
    }, date_order="YMD"),
    "freshbooks": _profile("freshbooks", {
        "account_id": ("Client ID", "Account Number"),
        "debtor_name": ("Client Name", "Client", "Organization"),
        "invoice": ("Invoice #", "Invoice Number"), "invoice_date": ("Date Issued", "Issue Date"),
        "due_date": ("Due Date",), "balance": ("Outstanding", "Amount Outstanding", "Outstanding Balance"),
        "currency": ("Currency",), "email": ("Email", "Client Email"), "phone": ("Phone", "Business Phone"),
        "address1": ("Street", "Address"), "city": ("City",), "state": ("Province/State", "State"),
        "postal_code": ("Postal Code", "Zip Code"), "country": ("Country",),
        "terms": ("Terms", "Payment Terms"), "status": ("Invoice Status", "Status"),
    }, date_order="MDY", default_currency="USD", default_region="US"),
    "stripe": _profile("stripe", {
        "account_id": ("Customer", "Customer ID"), "debtor_name": ("Customer Name", "Customer Description"),
        "invoice": ("Number", "id"), "invoice_date": ("Date (UTC)", "Created (UTC)"),
        "due_date": ("Due Date (UTC)", "Due Date"), "balance": ("Amount Remaining", "Amount Due"),
        "currency": ("Currency",), "email": ("Customer Email",), "phone": ("Customer Phone",),
        "address1": ("Customer Address Line1",), "city": ("Customer Address City",),
        "state": ("Customer Address State",), "postal_code": ("Customer Address Postal Code",),
        "country": ("Customer Address Country",), "status": ("Status",),
    }, date_order="YMD", default_region="US"),
    "invoiceninja": _profile("invoiceninja", {
        "account_id": ("Client ID Number", "Client Number"), "debtor_name": ("Client Name", "Client"),
        "invoice": ("Invoice Number",), "invoice_date": ("Invoice Date",),
        "due_date": ("Invoice Due Date", "Due Date"), "balance": ("Invoice Balance", "Balance"),
        "currency": ("Invoice Currency", "Client Currency", "Currency"),
        "email": ("Contact Email", "Client Email"), "phone": ("Client Phone", "Contact Phone"),
        "address1": ("Client Address1",), "city": ("Client City",), "state": ("Client State",),
        "postal_code": ("Client Postal Code",), "country": ("Client Country",),
        "status": ("Invoice Status", "Status"),
    }, date_order="YMD", default_region="US"),
    "wave": _profile("wave", {
        "account_id": ("Customer ID", "Account Number"), "debtor_name": ("Customer", "Customer Name"),
        "invoice": ("Invoice Number",), "invoice_date": ("Invoice Date",), "due_date": ("Payment Due",),
        "balance": ("Amount Due", "Balance Due"), "currency": ("Currency",),
        "email": ("Customer Email",), "phone": ("Customer Phone",),
    }, date_order="MDY", default_currency="USD", default_region="US"),
}  # fmt: skip


def get_profile(name: str) -> Profile:
    """A built-in profile by name (the `incoming/<profile>/` folder); unknown names are unreadable files."""
    profile = BUILTIN_PROFILES.get(name.strip().lower())
    if profile is None:
        raise UnreadableFileError(f"unknown profile {name!r}: use one of {', '.join(BUILTIN_PROFILES)}")
    return profile


ColumnSpec = str | list[str] | None


class _MappingModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "custom"
    columns: dict[str, str | list[str]] | None = None
    account_id: ColumnSpec = None
    debtor_name: ColumnSpec = None
    invoice: ColumnSpec = None
    invoice_date: ColumnSpec = None
    due_date: ColumnSpec = None
    balance: ColumnSpec = None
    currency: ColumnSpec = None
    email: ColumnSpec = None
    phone: ColumnSpec = None
    address1: ColumnSpec = None
    city: ColumnSpec = None
    state: ColumnSpec = None
    postal_code: ColumnSpec = None
    country: ColumnSpec = None
    terms: ColumnSpec = None
    txn_type: ColumnSpec = None
    status: ColumnSpec = None
    deleted: ColumnSpec = None
    total: ColumnSpec = None
    amount_paid: ColumnSpec = None
    line_amount: ColumnSpec = None
    debit: ColumnSpec = None
    credit: ColumnSpec = None
    amount: ColumnSpec = None
    gl_account: ColumnSpec = None
    language: ColumnSpec = None
    date_order: Literal["MDY", "DMY", "YMD"] | None = None
    decimal_comma: bool = False
    default_currency: str | None = None
    default_region: str | None = None
    creditor: str | None = None
    terms_days: int | None = None
    snapshot: bool = False
    ledger: bool = False
    account_type: Literal["consumer", "commercial"] = "consumer"
    collector_role: Literal["first_party", "third_party"] = "first_party"
    customer_from_group: bool = False
    header: list[str] | None = None

    @field_validator("default_currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        return normalize_currency(value) if value else None

    @field_validator("terms_days")
    @classmethod
    def _terms(cls, value: int | None) -> int | None:
        if value is not None and not 0 <= value <= 3650:
            raise ValueError("must be between 0 and 3650 days")
        return value

    @field_validator("default_region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value and not (len(value) == 2 and value.isalpha()):
            raise ValueError("must be a two-letter ISO 3166 region such as US")
        return value.upper() if value else None


def load_mapping(text: str, fmt: str) -> Profile:
    """A custom profile from a JSON or YAML object; errors name the offending key.

    Column keys may sit at the top level or under `columns`; each names one header or a list of candidates.
    """
    data = load_document(text, fmt, "mapping")
    try:
        model = _MappingModel.model_validate(data)
    except ValidationError as exc:
        raise InvalidInputError(_describe(exc)) from exc
    except InvalidInputError as exc:
        raise InvalidInputError(f"mapping key 'default_currency': {exc}") from exc
    columns = _columns(model)
    if "invoice" not in columns:
        raise InvalidInputError("mapping key 'invoice' is missing: name the column that holds it")
    if not set(AMOUNT_FIELDS) & columns.keys():
        raise InvalidInputError("mapping key 'balance' (or 'total', 'line_amount', 'debit'/'credit') is missing")
    if "account_id" not in columns and "debtor_name" not in columns and not model.customer_from_group:
        raise InvalidInputError("mapping key 'account_id' (or 'debtor_name') is missing")
    options = model.model_dump(exclude={"columns", "header", *FIELDS})
    header = tuple(normalize_name(cell) for cell in model.header or ())
    return Profile(columns=columns, header=tuple(cell for cell in header if cell), **options)


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize_name(name: str) -> str:
    """Header names compare ignoring case, accents, spaces, punctuation and Xero's `*` required marker."""
    folded = unicodedata.normalize("NFKD", name.strip().lower().replace("#", "number"))
    return _NOT_ALNUM.sub("", folded.encode("ascii", "ignore").decode())


def dump_mapping(profile: Profile, cells: list[str] | None = None) -> str:
    """The YAML of a mapping that `load_mapping` reads back as `profile`; `cells`: the header it is for."""
    data: dict[str, Any] = {"name": profile.name}
    data["columns"] = {name: list(names) if len(names) > 1 else names[0] for name, names in profile.columns.items()}
    defaults = Profile(name="", columns={})
    for option in ("date_order", "decimal_comma", "default_currency", "default_region", "creditor", "terms_days",
                   "snapshot", "ledger", "account_type", "collector_role", "customer_from_group"):  # fmt: skip
        value = getattr(profile, option)
        if value != getattr(defaults, option):
            data[option] = value
    if cells:
        data["header"] = list(cells)
    import yaml  # on first use: an import reads a custom mapping rarely (about 15 ms at cold start)

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _columns(model: _MappingModel) -> dict[str, tuple[str, ...]]:
    specs: dict[str, ColumnSpec] = {name: getattr(model, name) for name in FIELDS}
    for key, spec in (model.columns or {}).items():
        if key not in FIELDS:
            raise InvalidInputError(f"mapping key 'columns.{key}' is not a field; fields: {', '.join(FIELDS)}")
        specs[key] = spec
    columns: dict[str, tuple[str, ...]] = {}
    for key, value in specs.items():
        names = (value,) if isinstance(value, str) else tuple(value or ())
        if names:
            columns[key] = names
    return columns


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        return f"mapping key {key!r} is not allowed; known keys: {', '.join(_MappingModel.model_fields)}"
    return f"mapping key {key!r}: {error['msg']}"

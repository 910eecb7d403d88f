"""What accounting systems call each field, across systems and languages: the names column inference scores.

Names are compared normalized (lower case, letters and digits only). Each field's names are in order of
preference: where a header holds two names of one field (`Balance` and `Amount Due`), the earlier one is meant.
"""

from __future__ import annotations

from shared.domain.receivables.profiles import normalize_name

_NAMES: dict[str, tuple[str, ...]] = {
    "account_id": (
        "customer id", "customer number", "customer no", "customer ref", "customer code", "customer account",
        "account number", "account no", "account id", "account code", "client id", "client number",
        "client id number", "contact id", "debtor id", "debtor number", "customer_id", "customerref", "id cliente",
        "numero cliente", "codigo cliente", "kundennummer", "debitorennummer", "numero client", "code client",
        "klantnummer", "debiteurnummer",
    ),
    "debtor_name": (
        "customer name", "customer full name", "customer", "client name", "client", "contact name", "contact",
        "debtor name", "debtor", "bill to", "billed to", "company name", "company", "display name", "organization",
        "name", "full name", "nombre cliente", "cliente", "razon social", "kunde", "kundenname", "nom client",
        "client nom", "klant", "klantnaam", "nome cliente",
    ),
    "invoice": (
        "invoice number", "invoice no", "invoice num", "invoice", "invoice id", "invoice ref", "doc number",
        "document number", "document no", "num", "number", "no", "ref number", "reference", "transaction number",
        "txn number", "bill number", "numero factura", "factura", "no factura", "rechnungsnummer", "rechnung",
        "belegnummer", "numero facture", "facture", "factuurnummer", "numero fattura",
    ),
    "invoice_date": (
        "invoice date", "date issued", "issue date", "issued", "txn date", "transaction date", "document date",
        "date", "created", "created at", "created date", "posting date", "fecha factura", "fecha emision", "fecha",
        "invoiced at", "when created", "when posted", "posted date", "rechnungsdatum", "belegdatum", "datum",
        "date facture", "date emission", "factuurdatum", "data fattura",
    ),
    "due_date": (
        "due date", "payment due", "due", "due on", "due by", "date due", "payment due date", "net due date",
        "due at", "when due", "fecha vencimiento", "vencimiento", "fecha de vencimiento", "faelligkeitsdatum",
        "falligkeitsdatum", "fallig am", "date echeance", "echeance", "vervaldatum", "scadenza",
    ),
    "balance": (
        "open balance", "balance due", "amount due", "amount remaining", "remaining balance", "balance",
        "outstanding", "amount outstanding", "outstanding balance", "outstanding amount", "open amount",
        "amount open", "remaining", "unpaid amount", "amount unpaid", "total due", "due amount", "open bal",
        "balance due amount", "invoice balance", "balance remaining", "saldo", "saldo pendiente", "importe pendiente",
        "offener betrag", "offen", "restbetrag", "solde", "montant du", "reste a payer", "openstaand", "saldo aperto",
    ),
    "total": (
        "total", "invoice total", "total amount", "amount", "invoice amount", "grand total", "total incl tax",
        "amount total", "total entered", "gross amount", "total gross", "importe", "importe total", "betrag",
        "gesamtbetrag", "montant", "montant total", "bedrag", "totaal", "importo",
    ),
    "amount_paid": (
        "amount paid", "paid", "total paid", "paid amount", "amount paid amount", "payments", "pagado",
    ),
    "line_amount": (
        "line amount", "line total", "item total", "line item amount", "extended amount", "item amount",
        "line subtotal", "amount line",
    ),
    "debit": (
        "debit", "debit amount", "debit amount two column approach", "dr", "charges", "charge", "debe", "soll",
        "debit montant",
    ),
    "credit": (
        "credit", "credit amount", "credit amount two column approach", "cr", "payments credits", "haber", "haben",
    ),
    "amount": (
        "signed amount", "net amount", "amount signed", "amount one column",
    ),
    "gl_account": (
        "account name", "account title", "gl account", "ledger account", "gl account name",
    ),
    "currency": (
        "currency", "currency code", "invoice currency", "transaction currency", "currency id", "curr", "ccy",
        "currency iso", "moneda", "divisa", "waehrung", "wahrung", "devise", "valuta",
    ),
    "email": (
        "email", "email address", "customer email", "client email", "contact email", "e mail", "correo",
        "correo electronico", "primary contact emailid", "emailid",
    ),
    "phone": (
        "phone", "phone number", "customer phone", "telephone", "tel", "mobile", "cell", "billing phone", "telefono",
        "telefon", "telephone client",
    ),
    "address1": (
        "address", "address1", "address line 1", "street", "billing address", "billing street", "direccion",
    ),
    "city": (
        "city", "billing city", "town", "ciudad", "stadt", "ville",
    ),
    "state": (
        "state", "province", "region", "province state", "billing state", "county",
    ),
    "postal_code": (
        "postal code", "zip", "zip code", "postcode", "billing code", "codigo postal", "plz",
    ),
    "country": (
        "country", "billing country", "pais", "land", "pays",
    ),
    "terms": (
        "terms", "payment terms", "term", "sales term", "condiciones de pago", "zahlungsbedingungen",
    ),
    "txn_type": (
        "transaction type", "type", "txn type", "document type", "doc type", "invoice type", "kind", "tipo",
        "belegart",
    ),
    "status": (
        "status", "invoice status", "invoice status code", "document status", "payment status", "estado", "estatus",
        "statut", "state",
    ),
    "deleted": (
        "is deleted", "deleted", "fivetran deleted", "deleted at", "is void", "voided", "archived", "is archived",
    ),
}  # fmt: skip
VOCABULARY: dict[str, tuple[str, ...]] = {
    field: tuple(dict.fromkeys(normalize_name(name) for name in names)) for field, names in _NAMES.items()
}
# The words status columns hold: a column of them is a status column, never an address's state.
STATUS_WORDS = frozenset(
    normalize_name(word)
    for word in ("paid", "fully paid", "void", "voided", "deleted", "cancelled", "canceled", "closed", "reversed",
                 "refunded", "settled", "written off", "uncollectible", "draft", "submitted", "awaiting approval",
                 "pending approval", "open", "sent", "viewed", "overdue", "past due", "due", "partial",
                 "partially paid", "unpaid", "authorised", "authorized", "approved", "posted", "issued", "pending",
                 "outstanding", "active", "failed", "processing", "synced", "new", "unsent", "in progress", "late")
)  # fmt: skip
# Columns of report downloads and line items that are no field but tell the layout apart.
AGING_BUCKETS = frozenset(
    normalize_name(name)
    for name in ("current", "1 30", "31 60", "61 90", "91 and over", "over 90", "90+", "91 120", "> 90")
)
LINE_ITEM_MARKS = frozenset(
    normalize_name(name)
    for name in ("item", "product", "product service", "description", "quantity", "qty", "rate", "unit price",
                 "item name", "item code", "sku", "line description", "line item")
)  # fmt: skip

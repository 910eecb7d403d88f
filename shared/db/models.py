"""pynamodb models of the single Arrears table: the only module that knows the table and its indexes."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    DiscriminatorAttribute,
    JSONAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    IncludeProjection,
    KeysOnlyProjection,
    LocalSecondaryIndex,
)
from pynamodb.models import Model

UNCONFIGURED = "arrears-unconfigured"


class WorklistIndex(GlobalSecondaryIndex[Any]):
    """gsi1: a collector's open accounts, highest priority first."""

    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class DueIndex(GlobalSecondaryIndex[Any]):
    """gsi2: things due at an instant (reminders, installments, promises), sharded, sorted by instant."""

    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class LookupIndex(GlobalSecondaryIndex[Any]):
    """gsi3: accounts by the reference collectors type; imports by month."""

    class Meta:
        index_name = "gsi3"
        projection = AllProjection()

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


class CreditorIndex(GlobalSecondaryIndex[Any]):
    """gsi4: the accounts of one creditor, keys and a few fields (snapshot imports list the missing ones).

    Which snapshot last listed an account is not here: it lives in the account's `SNAP` marker, which only
    imports write, so stamping never rewrites an account a collector may be changing.
    """

    class Meta:
        index_name = "gsi4"
        projection = IncludeProjection(["account_id", "debtor", "status"])

    gsi4pk = UnicodeAttribute(hash_key=True)
    gsi4sk = UnicodeAttribute(range_key=True)


class ReconcileIndex(GlobalSecondaryIndex[Any]):
    """gsi5: accounts with a payment posted in Arrears that the creditor's books must show by an instant."""

    class Meta:
        index_name = "gsi5"
        projection = KeysOnlyProjection()

    gsi5pk = UnicodeAttribute(hash_key=True)
    gsi5sk = UnicodeAttribute(range_key=True)


class ContactIndex(LocalSecondaryIndex[Any]):
    """lsi1: an account's contacts only (sparse: other history entries have no lsi1sk), by instant. Local, so a
    compliance check reads it strongly consistent and never counts notes, decisions or payments."""

    class Meta:
        index_name = "lsi1"
        projection = AllProjection()

    pk = UnicodeAttribute(hash_key=True)
    lsi1sk = UnicodeAttribute(range_key=True)


class _Item(Model):
    class Meta:
        table_name = UNCONFIGURED

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class AccountItem(_Item):
    creditor = UnicodeAttribute()
    account_id = UnicodeAttribute()
    debtor = UnicodeAttribute()
    account_type = UnicodeAttribute(default="consumer")
    collector_role = UnicodeAttribute(default="first_party")
    timezone = UnicodeAttribute(null=True)
    address = JSONAttribute(null=True)
    phones = JSONAttribute(default=list)
    emails = JSONAttribute(default=list)
    invoices = JSONAttribute(default=list)  # embedded: one item per account keeps imports at one write a row
    entries = JSONAttribute(default=list)  # the ledger entries Arrears recorded (payments, reversals, ...)
    commitment = JSONAttribute(null=True)  # the open promise or active plan (dunning pauses while it stands)
    follow_up = UnicodeAttribute(null=True)
    automation = UnicodeAttribute(default="on")
    defer_until = UTCDateTimeAttribute(null=True)
    source = UnicodeAttribute(null=True)
    last_import = JSONAttribute(null=True)  # the chunks of the import that wrote it last (a retried chunk replays it)
    expires_at = TTLAttribute(null=True)  # three years after the last activity (shared.domain.retention)
    oldest_due = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="open")
    flags = JSONAttribute(default=dict)
    preferences = JSONAttribute(default=dict)
    collector = UnicodeAttribute(null=True)
    next_action = UnicodeAttribute(null=True)
    next_action_at = UTCDateTimeAttribute(null=True)
    dunning_step = NumberAttribute(default=0)
    priority = NumberAttribute(default=0)
    rank = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)
    last_contact_at = UTCDateTimeAttribute(null=True)
    version = VersionAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    gsi4pk = UnicodeAttribute(null=True)
    gsi4sk = UnicodeAttribute(null=True)
    gsi5pk = UnicodeAttribute(null=True)
    gsi5sk = UnicodeAttribute(null=True)
    worklist = WorklistIndex()
    due = DueIndex()
    lookup = LookupIndex()
    by_creditor = CreditorIndex()
    to_reconcile = ReconcileIndex()


class ActivityItem(_Item):
    at = UTCDateTimeAttribute()
    kind = UnicodeAttribute()
    summary = UnicodeAttribute()
    actor = UnicodeAttribute(default="system")
    channel = UnicodeAttribute(null=True)
    direction = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute(null=True)
    debt_ids = JSONAttribute(default=list)
    rules = JSONAttribute(default=list)
    data = JSONAttribute(default=dict)
    lsi1sk = UnicodeAttribute(null=True)  # the sk again, on contacts only
    contacts = ContactIndex()


class MarkerItem(_Item):
    """A marker: a send, a payment or an S3 delivery that must happen once; or the snapshot that last listed
    an account (sk `SNAP`, `data.source`)."""

    at = UTCDateTimeAttribute()
    data = JSONAttribute(default=dict)
    expires_at = TTLAttribute(null=True)


class NoticeItem(_Item):
    """The Slack message a notice key became (pk `NOTICE#<key>`): its ts, for updates, and the last seq sent."""

    channel = UnicodeAttribute()
    ts = UnicodeAttribute()
    seq = NumberAttribute()
    expires_at = TTLAttribute()


class ImportItem(_Item):
    bucket = UnicodeAttribute()
    key = UnicodeAttribute()
    version = UnicodeAttribute()
    status = UnicodeAttribute()
    started_at = UTCDateTimeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)
    checkpoint_line = NumberAttribute(default=0)
    lease_until = UTCDateTimeAttribute(null=True)
    owner = UnicodeAttribute(null=True)  # the invocation holding the lease; none once it handed over or failed
    interruptions = NumberAttribute(default=0)  # failures and takeovers from an invocation that died
    report = JSONAttribute(default=dict)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    lookup = LookupIndex()


class PlanRecord(_Item):
    """An item of a payment plan: the plan (sk `PLAN#<id>`) or one installment (sk `PLAN#<id>#I#<nn>`).

    One Query on `PLAN#` reads a plan with its installments; the discriminator tells them apart.
    """

    record = DiscriminatorAttribute()
    plan_id = UnicodeAttribute()
    currency = UnicodeAttribute()
    status = UnicodeAttribute()


class PlanItem(PlanRecord, discriminator="plan"):
    total_minor = NumberAttribute()
    installment_count = NumberAttribute()  # not `count`: Model.count is a classmethod
    every = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class InstallmentItem(PlanRecord, discriminator="installment"):
    """gsi2 `INSTALLMENT#<shard>` / deadline while open; removed when the installment is closed."""

    number = NumberAttribute()
    amount_minor = NumberAttribute()
    due_date = UnicodeAttribute()
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    due = DueIndex()


class CreditorItem(_Item):
    """Settings of one creditor (pk CRED#<creditor>): sk POLICY holds its contact-policy overrides."""

    policy = JSONAttribute(default=dict)
    source = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute()


class RunItem(_Item):
    """A fanned-out reminder run (pk `RUN#REMIND#<instant>`, sk `RUN`): its parts' outcomes added up as they
    finish (counts by outcome and by rule, in maps updated with ADD), and which parts were added."""

    planner = UnicodeAttribute(null=True)  # the invocation that planned it (its own retry may plan again)
    parts_total = NumberAttribute(null=True)  # parts `0`.. `total - 1`, set once every part is queued
    parts_more = UnicodeSetAttribute(null=True)  # parts queued by parts (retries of what they could not finish)
    parts_done = UnicodeSetAttribute(null=True)
    told = UTCDateTimeAttribute(null=True)  # when its summary went out
    outcomes: MapAttribute[str, Any] = MapAttribute(default=dict)
    held: MapAttribute[str, Any] = MapAttribute(default=dict)
    stopped = UnicodeSetAttribute(null=True)  # the first few accounts stopped for review, for the Slack notice
    letter_days = UnicodeSetAttribute(null=True)
    expires_at = TTLAttribute()


class PartsItem(_Item):
    """A big import's parts (pk `IMPORT#<bucket>/<key>`, sk `PARTS#<version>`): how many the reader queued, how many
    workers applied. An item of its own, so the workers' transactions never conflict with the reader's checkpoints
    of the import item."""

    parts_total = NumberAttribute(null=True)  # set once the reader has read the whole file
    parts_done = NumberAttribute(null=True)  # ADD 1 in the transaction that records each part, once
    expires_at = TTLAttribute()


ALL_MODELS: tuple[type[_Item], ...] = (
    AccountItem,
    ActivityItem,
    MarkerItem,
    ImportItem,
    PlanRecord,
    PlanItem,
    InstallmentItem,
    CreditorItem,
    RunItem,
    PartsItem,
)


def configure(table_name: str) -> None:
    """Point every model at the table (from the function's settings) and drop cached connections."""
    for model in ALL_MODELS:
        model.Meta.table_name = table_name
        model._connection = None

"""The naive import the intake is measured against: whole object in memory, csv.DictReader, one PutItem a row."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import boto3

from shared.db import keys
from shared.domain.accounts import account_key


def _item(row: dict[str, str], creditor: str) -> dict[str, Any]:
    """The account as a plain DynamoDB item; no validation, no merge: the last invoice of an account wins."""
    key = account_key(creditor, row["account_id"])
    invoice = {
        "number": row["invoice"],
        "balance": row["balance"],
        "currency": row["currency"],
        "invoice_date": row["invoice_date"],
        "due_date": row["due_date"],
    }
    return {
        "pk": {"S": keys.account_pk(key)},
        "sk": {"S": "A"},
        "creditor": {"S": creditor},
        "account_id": {"S": row["account_id"]},
        "debtor": {"S": row["debtor_name"] or row["account_id"]},
        "invoices": {"S": json.dumps([invoice])},
        "emails": {"S": json.dumps([row["email"]] if row["email"] else [])},
        "phones": {"S": json.dumps([row["phone"]] if row["phone"] else [])},
        "gsi3pk": {"S": keys.ref_pk(row["account_id"])},
        "gsi3sk": {"S": key},
    }


def naive_import(bucket: str, key: str, table: str, creditor: str, version_id: str | None = None) -> int:
    """Read the whole object, decode it, and put every row on its own; returns the rows written."""
    extra = {"VersionId": version_id} if version_id else {}
    body = boto3.client("s3").get_object(Bucket=bucket, Key=key, **extra)["Body"].read()
    dynamodb = boto3.client("dynamodb")
    written = 0
    for row in csv.DictReader(io.StringIO(body.decode("utf-8"))):
        if not row.get("account_id") or not row.get("invoice"):
            continue
        dynamodb.put_item(TableName=table, Item=_item(row, creditor))
        written += 1
    return written

"""Retention Lambda: the table's stream, filtered to TTL removals of account items."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.retention.env import Settings
from functions.retention.logic import reap
from functions.retention.models import expired_accounts
from shared.db.accounts import delete_partition
from shared.db.models import configure
from shared.observability import logger

settings = Settings()  # type: ignore[call-arg]  # read from the environment
configure(settings.table_name)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return {"deleted": reap(expired_accounts(event), delete_partition)}

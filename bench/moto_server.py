"""moto's server for the benchmark, without its whole-table copy on every TransactWriteItems.

moto backs up each table a transaction touches with `copy.deepcopy` (once per item of the transaction), so a
transaction costs time in proportion to the whole table: the intake creates accounts 100 to a transaction and a
1,000,000-row import would never finish. DynamoDB does nothing of the kind. In this process only, that backup is
skipped. No transaction of the benchmark is cancelled (every account it creates is new), so nothing needs rolling
back; the tests, the demo and `arrears serve` run moto unpatched.
"""

from __future__ import annotations

import copy
import sys
from typing import Any

from moto.dynamodb.models import DynamoDBBackend  # type: ignore[attr-defined]
from moto.dynamodb.models import copy as moto_copy
from moto.server import main

_transact = DynamoDBBackend.transact_write_items


class _NoCopy:
    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value


def _transact_without_backup(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    import moto.dynamodb.models as models

    models.copy = _NoCopy  # type: ignore[assignment]
    try:
        _transact(self, transact_items)
    finally:
        models.copy = moto_copy


if __name__ == "__main__":
    assert moto_copy is copy
    DynamoDBBackend.transact_write_items = _transact_without_backup  # type: ignore[method-assign]
    sys.exit(main())

"""moto's server for the benchmark, without its whole-table copy on every TransactWriteItems.

moto backs up each table a transaction touches with `copy.deepcopy` (once per item of the transaction), so a
transaction costs time in proportion to the whole table: the intake creates accounts 100 to a transaction and a
1,000,000-row import would never finish. DynamoDB does nothing of the kind. In this process only, that backup is
skipped (`tests.support.moto_without_transaction_backup`). No transaction of the benchmark is cancelled (every
account it creates is new), so nothing needs rolling back; the demo and `arrears serve` run moto unpatched.
"""

from __future__ import annotations

import sys

from moto.server import main

from tests.support import moto_without_transaction_backup

if __name__ == "__main__":
    with moto_without_transaction_backup():
        sys.exit(main())

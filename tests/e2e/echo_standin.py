"""Stand-in handlers for the e2e tests of the runner's event delivery (the real handlers are the lead's)."""

import json
import os
from typing import Any

import boto3

received: list[tuple[str, dict[str, Any]]] = []


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Records the event; an S3 event also queues one continuation, as intake does for big files."""
    received.append((os.environ["AWS_LAMBDA_FUNCTION_NAME"], event))
    records = event.get("Records", [])
    if records and records[0].get("eventSource") == "aws:s3":
        body = json.dumps({"key": records[0]["s3"]["object"]["key"], "offset": 1000})
        boto3.client("sqs").send_message(QueueUrl=os.environ["INTAKE_QUEUE_URL"], MessageBody=body)
    return {"function": context.function_name, "records": len(records)}


def failing_handler(event: dict[str, Any], context: Any) -> None:
    raise RuntimeError(f"boom in {context.function_name}")

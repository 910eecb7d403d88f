"""Runs in the runtime environment (the lock alone, no dev packages): import one handler as Lambda would, invoke it.

Usage: python -I runtime_driver.py CODE_DIR HANDLER EVENT_JSON. Prints one JSON line: the handler's result and
the results of the lazy self-invocations it asked for (Slack), which are delivered back to it as Lambda would.
Only the standard library is used here, so nothing from the dev environment can leak into what is tested.
"""

import importlib
import json
import sys
import uuid


class Context:
    """The attributes of Lambda's context object that the handlers and powertools read."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "runtime-test"

    def get_remaining_time_in_millis(self) -> int:
        return 120_000


class SelfInvokes:
    """Stands in for the Lambda client Bolt's lazy listener runner uses; keeps the payloads it would send."""

    def __init__(self) -> None:
        self.payloads: list[dict] = []

    def invoke(
        self, FunctionName: str, InvocationType: str = "Event", Payload: str = "{}", **_: object
    ) -> dict:  # boto3 keyword names
        self.payloads.append(json.loads(Payload))
        return {"StatusCode": 202}


def main() -> None:
    code_dir, handler_path, event_path = sys.argv[1:4]
    sys.path.insert(0, code_dir)
    module_name, _, attribute = handler_path.rpartition(".")
    module = importlib.import_module(module_name)
    handler = getattr(module, attribute)
    with open(event_path, encoding="utf-8") as file:
        event = json.load(file)
    context = Context(module_name.split(".")[1])
    lazy = SelfInvokes()
    slack_handler = getattr(module, "slack_handler", None)
    if slack_handler is not None:
        slack_handler.app.listener_runner.lazy_listener_runner.lambda_client = lazy
    result = handler(event, context)
    lazy_results = [handler(payload, context) for payload in lazy.payloads]
    print(json.dumps({"result": result, "lazy": lazy_results}, default=str))


if __name__ == "__main__":
    main()

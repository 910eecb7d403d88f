"""One cold /collect in this process, as Lambda runs it: run by bench.coldstart in a fresh child, never alone.

    python -m bench.slack_ack cold|restored

*cold*: Init (the handler's import) at the cold start, then the first request, on which Bolt builds the Lambda
client of its lazy self-invoke. *restored*: SnapStart's order. Init and the before-snapshot hooks happen when the
version is published; a cold start resumes the snapshot and runs the after-restore hooks (the secrets read again
from SSM), then the first request. Prints one JSON line: CPU and wall milliseconds of each phase (Init's CPU
includes the interpreter's start) and the request's status. The AWS calls go to the stand-in the parent runs.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def _phase(marks: dict[str, float], name: str, cpu: float, wall: float) -> tuple[float, float]:
    now_cpu, now_wall = time.process_time(), time.perf_counter()
    marks[f"{name}_cpu_ms"] = (now_cpu - cpu) * 1000
    marks[f"{name}_wall_ms"] = (now_wall - wall) * 1000
    return now_cpu, now_wall


def main(mode: str) -> dict[str, Any]:
    marks: dict[str, Any] = {"mode": mode}
    cpu, wall = 0.0, time.perf_counter()
    import functions.slack.handler as handler  # Init

    cpu, wall = _phase(marks, "init", cpu, wall)
    from local.events import LambdaContext, function_url_event, sign_slack_request, slash_command_body
    from local.snapstart import restore, take_snapshot

    body = slash_command_body("/collect", "help")
    event = function_url_event(body, sign_slack_request(handler.signing_secret, body))
    context = LambdaContext("arrears-slack", "arn:aws:lambda:us-east-1:123456789012:function:arrears-slack:live")
    if mode == "restored":
        take_snapshot()
        cpu, wall = time.process_time(), time.perf_counter()  # the snapshot: what follows is the cold start
        restore()
        cpu, wall = _phase(marks, "restore_hooks", cpu, wall)
    else:
        cpu, wall = time.process_time(), time.perf_counter()
    response = handler.lambda_handler(event, context)
    _phase(marks, "request", cpu, wall)
    marks["status"] = response["statusCode"]
    return marks


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))

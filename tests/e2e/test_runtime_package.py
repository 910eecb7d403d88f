"""What `sam build` ships runs: each handler, staged as the build stages it, imports and answers a real-shaped event
in an environment built from the runtime lock alone, with exactly the variables infra/template.yaml gives it.

A package that only the dev environment has (moto pulls in aws-xray-sdk, for instance) and that production code
imports fails here with ModuleNotFoundError, as it would on Lambda.
"""

from __future__ import annotations

import base64
import json
import subprocess
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from local.events import sign_slack_request, ttl_removal_event
from local.package import stage_function
from local.runner import LocalRunner
from local.slack_recorder import SlackRecorder
from local.stack import LOCAL_UNSUBSCRIBE_KEY
from shared.adapters.secrets import PORT_VARIABLE
from shared.domain.unsubscribe import make_token
from tests.e2e.runtime import runtime_python
from tests.support import parameters_extension

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT.parent / "shared" / "samples"
DRIVER = Path(__file__).with_name("runtime_driver.py")
SESSION_TOKEN = "sandbox-token"
FIXTURE = ROOT / "tests" / "fixtures" / "receivables" / "quickbooks_ar_aging_detail.csv"
pytestmark = pytest.mark.e2e


def _sample(*parts: str) -> dict[str, Any]:
    path = SAMPLES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/samples/{'/'.join(parts)} is not beside the clone: the real-shaped event is missing")
    return json.loads(path.read_text(encoding="utf-8"))


def _invoke(runner: LocalRunner, logical_id: str, event: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """Stage the function as the build does, then invoke its handler in a fresh runtime-lock process."""
    python = runtime_python()
    spec = runner.stack.functions[logical_id]
    code = stage_function(spec.handler.split(".")[1], tmp_path / "code", python=str(python))
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    env = {
        **spec.environment,  # exactly what the template sets
        # what Lambda itself provides: region, credentials, its own name; the endpoint points boto3 at moto
        "AWS_REGION": runner.stack.region,
        "AWS_DEFAULT_REGION": runner.stack.region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
        "AWS_ENDPOINT_URL": runner.stack.endpoint_url,
        "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
    }
    # A function given the parameters extension's port (its layer) reads its secrets from it, as on Lambda: here a
    # stand-in on another port that answers from the stack's SSM
    with parameters_extension(runner.stack.client("ssm"), SESSION_TOKEN) as extension:
        if PORT_VARIABLE in env:
            env[PORT_VARIABLE] = str(extension.port)
        done = subprocess.run(  # noqa: S603 - our interpreter, our driver
            [str(python), "-I", str(DRIVER), str(code), spec.handler, str(event_path)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    assert (PORT_VARIABLE in env) == bool(extension.requests), extension.requests  # asked it, and only then
    assert done.returncode == 0, done.stderr[-4000:]
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def test_intake_handler_imports_a_real_s3_event_from_the_runtime_lock(runner, tmp_path) -> None:
    # Given a receivables export in the inbox and S3's real notification shape, pointed at it
    key = "incoming/quickbooks/acme/ar aging.csv"
    put = runner.stack.client("s3").put_object(Bucket=runner.stack.bucket_name, Key=key, Body=FIXTURE.read_bytes())
    event = _sample("aws_events", "powertools_s3Event.json")
    record = event["Records"][0]
    record["awsRegion"] = runner.stack.region
    record["s3"]["bucket"] |= {"name": runner.stack.bucket_name, "arn": f"arn:aws:s3:::{runner.stack.bucket_name}"}
    record["s3"]["object"] |= {
        "key": key.replace(" ", "+"),
        "size": FIXTURE.stat().st_size,
        "versionId": put["VersionId"],
    }

    # When the staged intake handler takes it in the runtime environment
    out = _invoke(runner, "IntakeFunction", event, tmp_path)

    # Then the file was imported
    assert out["result"] == {"results": {key: "imported"}}


@pytest.mark.parametrize("logical_id", ["RemindersFunction", "PlansFunction"])
def test_scheduled_handler_runs_a_real_scheduler_event_from_the_runtime_lock(runner, tmp_path, logical_id) -> None:
    # Given EventBridge Scheduler's real event, now
    event = _sample("aws_events", "powertools_eventBridgeSchedulerEvent.json")
    event["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    # When the staged handler runs it
    out = _invoke(runner, logical_id, event, tmp_path)

    # Then the run reported (a dict of counts), having started with the template's settings and SSM secrets
    assert isinstance(out["result"], dict) and out["result"]


def test_notify_handler_posts_a_queued_notice_from_the_runtime_lock(runner, recorder, tmp_path) -> None:
    # Given SQS's real event shape, carrying one queued Slack notice
    recorder.clear()
    event = _sample("aws_events", "powertools_s3SqsEvent.json")
    record = event["Records"][0]
    record["body"] = json.dumps({"key": "runtime-check", "channel": "C-OPS", "text": "runtime check", "seq": 0})
    event["Records"] = [record]

    # When the staged notify handler delivers it
    out = _invoke(runner, "NotifyFunction", event, tmp_path)

    # Then nothing is handed back and the message reached Slack
    assert out["result"] == {"batchItemFailures": []}
    posted = recorder.wait_for(lambda call: call.method == "chat.postMessage")
    assert posted.params["text"] == "runtime check"


def test_retention_handler_takes_a_stream_batch_from_the_runtime_lock(runner, tmp_path) -> None:
    # Given a stream batch with the TTL removal of an account that has nothing left under it
    event = ttl_removal_event([("ACCT#acme:NOBODY", "A")], "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x")

    # When the staged retention handler takes it, Then it ran and found nothing to delete
    assert _invoke(runner, "RetentionFunction", event, tmp_path)["result"] == {"deleted": 0}


def _signed_collect(runner: LocalRunner, recorder: SlackRecorder, text: str) -> dict[str, Any]:
    """Slack's captured Function URL request with our command in its body, signed with the stack's secret."""
    event = _sample("slack", "lambda_function_url_slash_command_captured.json")
    fields = dict(parse_qsl(base64.b64decode(event["body"]).decode()))
    fields |= {"command": "/collect", "text": text, "response_url": recorder.response_url("runtime")}
    body = urlencode(fields)
    signed = {name.lower(): value for name, value in sign_slack_request(runner.stack.signing_secret, body).items()}
    event["headers"] |= signed | {"content-length": str(len(body.encode()))}
    event["body"] = base64.b64encode(body.encode()).decode()
    return event


def test_slack_handler_acks_a_signed_command_and_its_lazy_work_replies(runner, recorder, tmp_path) -> None:
    # Given the captured slash command, carrying `/collect help` and signed as Slack signs it
    recorder.clear()
    event = _signed_collect(runner, recorder, "help")

    # When the staged Slack handler takes it (and then its own lazy self-invocation, as Lambda delivers it)
    out = _invoke(runner, "SlackFunction", event, tmp_path)

    # Then it acked with 200 and the lazy work posted the help text to the response URL
    assert out["result"]["statusCode"] == 200
    assert [result["statusCode"] for result in out["lazy"]] == [200]
    reply = recorder.wait_for(lambda call: call.method == "response")
    assert "/collect" in json.dumps(reply.params)


def test_slack_handler_refuses_the_capture_signed_with_another_secret(runner, tmp_path) -> None:
    # Given the captured request exactly as Slack signed it for another app
    event = _sample("slack", "lambda_function_url_slash_command_captured.json")

    # When the staged handler takes it, then the real signature check refuses it
    assert _invoke(runner, "SlackFunction", event, tmp_path)["result"]["statusCode"] == 401


def test_unsubscribe_handler_answers_a_browser_get_from_the_runtime_lock(runner, tmp_path) -> None:
    # Given a browser's GET as a Function URL delivers it, on a link signed with the stack's key
    event = _sample("aws_events", "powertools_lambdaFunctionUrlEvent.json")
    token = make_token(LOCAL_UNSUBSCRIBE_KEY.encode(), "acme#RUNTIME-1", "runtime@example.com", date.today())
    event |= {"rawPath": "/u", "rawQueryString": urlencode({"t": token})}

    # When the staged unsubscribe handler takes it, Then it shows the confirm page
    result = _invoke(runner, "UnsubscribeFunction", event, tmp_path)["result"]
    assert result["statusCode"] == 200 and 'value="One-Click"' in result["body"]

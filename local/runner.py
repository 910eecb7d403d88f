"""Plays Lambda locally: delivers real-shaped events to the real handlers, in-process, against moto."""

from __future__ import annotations

import atexit
import importlib
import io
import json
import logging
import os
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any
from unittest import mock

from local import events
from local.stack import LOCAL_FUNCTION_URL, LocalStack, deploy
from local.template import FAKE_CREDENTIALS, FunctionSpec, SqsTrigger
from shared.adapters import secrets

logger = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any], Any], Any]
SLACK_FUNCTION, UNSUBSCRIBE_FUNCTION = "SlackFunction", "UnsubscribeFunction"  # the two with a Function URL


class LocalLambdaClient:
    """Stands in for `boto3.client("lambda")` where Bolt's lazy listeners self-invoke: never reaches moto."""

    def __init__(self, runner: LocalRunner) -> None:
        self._runner = runner

    # Parameter names are boto3's keywords, which Bolt passes.
    def invoke(
        self,
        FunctionName: str,
        InvocationType: str = "RequestResponse",
        Payload: str | bytes = b"{}",
        **_: Any,
    ) -> dict[str, Any]:
        spec = self._runner.function_by_name(FunctionName)
        event = json.loads(Payload)
        if InvocationType == "Event":
            self._runner.invoke_async(spec.logical_id, event)
            return {"StatusCode": 202, "Payload": io.BytesIO(b"")}
        result = self._runner.invoke(spec.logical_id, event)
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(result).encode())}


def forget_process_caches() -> None:
    """Drop what `shared/` caches per process (boto3 clients, creditor policies, Powertools parameters).

    A client made under one moto (in-process mock or local server) must not serve the next one, and a policy
    read from one table must not answer for another.
    """
    from aws_lambda_powertools.utilities import parameters

    from shared.adapters.aws import client
    from shared.adapters.sending import one_try_client
    from shared.db import creditors

    client.cache_clear()
    one_try_client.cache_clear()
    creditors.clear_cache()
    parameters.clear_caches()


class LocalRunner:
    """Invokes the template's functions in-process with their resolved environment and a fake context."""

    def __init__(self, stack: LocalStack, *, cold_start: bool = True, extra_env: dict[str, str] | None = None) -> None:
        """`extra_env` is laid over every function's variables (e.g. `{"LOG_LEVEL": "WARNING"}` for a demo)."""
        self.stack = stack
        self.extra_env = dict(extra_env or {})
        self.lambda_client = LocalLambdaClient(self)
        self.async_errors: list[BaseException] = []
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.RLock()
        self._idle = threading.Condition()
        self._busy = 0
        self.startup_seconds = 0.0
        if cold_start:
            self.forget_sandbox()

    def forget_sandbox(self) -> None:
        """What a new Lambda sandbox would not have: handler modules and every process cache of `shared/`.

        The next invocation is a cold start, and nothing cached against this stack leaks into later code in
        the process (e.g. a signing secret cached for 5 minutes by `parameters.get_parameter`).
        """
        forget_modules(spec.handler for spec in self.stack.functions.values())
        forget_process_caches()
        self._handlers.clear()

    def function(self, logical_id: str) -> FunctionSpec:
        return self.stack.functions[logical_id]

    def function_by_name(self, name_or_arn: str) -> FunctionSpec:
        name = name_or_arn.split(":function:", 1)[-1].split(":", 1)[0]
        for spec in self.stack.functions.values():
            if name in (spec.function_name, spec.logical_id):
                return spec
        raise KeyError(f"no local function named {name_or_arn}")

    def environment(self, spec: FunctionSpec) -> dict[str, str]:
        """The function's resolved variables plus what the Lambda runtime sets, pointed at moto.

        No Lambda extension runs here: without the parameters extension's port the functions read their secrets
        from SSM (moto) themselves (shared/adapters/secrets.py).
        """
        return {
            **{key: value for key, value in spec.environment.items() if key != secrets.PORT_VARIABLE},
            "AWS_ENDPOINT_URL": self.stack.endpoint_url,
            "AWS_REGION": self.stack.region,
            "AWS_DEFAULT_REGION": self.stack.region,
            "AWS_ACCESS_KEY_ID": FAKE_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIALS["aws_secret_access_key"],
            "AWS_SESSION_TOKEN": "testing",
            "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            **self.extra_env,
        }

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Synchronous invocation; the handler's exception propagates to the caller."""
        spec = self.function(logical_id)
        context = events.LambdaContext(spec.function_name, spec.invoked_arn, spec.memory_mb, spec.timeout_s)
        with self._lock, mock.patch.dict(os.environ, self.environment(spec)), _invoking(logical_id):
            return self._handler(spec)(event, context)

    def invoke_async(self, logical_id: str, event: dict[str, Any]) -> None:
        """`InvocationType=Event`: runs on a worker thread once the current invocation returns."""
        with self._idle:
            self._busy += 1
        threading.Thread(target=self._run_async, args=(logical_id, event), daemon=True).start()

    def wait_idle(self, timeout: float = 30.0, *, raise_errors: bool = True) -> None:
        """Waits for asynchronous (lazy listener) invocations; re-raises the first one that failed."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._busy == 0, timeout):
                raise TimeoutError(f"{self._busy} asynchronous invocations still running after {timeout}s")
        if raise_errors and self.async_errors:
            error, self.async_errors = self.async_errors[0], []
            raise error

    def put_object(self, key: str, body: bytes) -> list[Any]:
        """Puts an object, delivers the S3 notification to subscribed functions, then drains their queues."""
        self.stack.client("s3").put_object(Bucket=self.stack.bucket_name, Key=key, Body=body)
        return self.notify_object(key)

    def notify_object(self, key: str) -> list[Any]:
        """Delivers the S3 notification of an object already in the bucket (one a function wrote: moto sends
        none) to the functions subscribed to its prefix, then drains their queues."""
        bucket = self.stack.bucket_name
        head = self.stack.client("s3").head_object(Bucket=bucket, Key=key)
        results = []
        for spec in self.stack.functions.values():
            if any(trigger.matches(bucket, key) for trigger in spec.s3_triggers):
                event = events.s3_put_event(
                    bucket,
                    key,
                    size=int(head["ContentLength"]),
                    etag=head["ETag"],
                    version_id=head.get("VersionId"),
                    region=self.stack.region,
                )
                results.append(self.invoke(spec.logical_id, event))
        return results + self.drain_queues()

    def drain_queues(self, max_batches: int = 10_000) -> list[Any]:
        """Feeds every SQS event source to its function until all are empty; deletes what succeeded."""
        results: list[Any] = []
        for _ in range(max_batches):
            batch = self._next_batch()
            if batch is None:
                return results
            spec, trigger, messages = batch
            results.append(
                self.invoke(spec.logical_id, events.sqs_event(messages, trigger.queue_arn, self.stack.region))
            )
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
            self.stack.client("sqs").delete_message_batch(QueueUrl=trigger.queue_url, Entries=entries)
        raise RuntimeError(f"queues still not empty after {max_batches} batches")

    def _next_batch(self) -> tuple[FunctionSpec, SqsTrigger, list[dict[str, Any]]] | None:
        sqs = self.stack.client("sqs")
        for spec in self.stack.functions.values():
            for trigger in spec.sqs_triggers:
                received = sqs.receive_message(
                    QueueUrl=trigger.queue_url,
                    MaxNumberOfMessages=min(trigger.batch_size, 10),
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                    WaitTimeSeconds=0,
                )
                if received.get("Messages"):
                    return spec, trigger, received["Messages"]
        return None

    def tick(self, at: datetime | None = None) -> dict[str, Any]:
        """Fires every ScheduleV2 schedule once, as EventBridge Scheduler would at `at`; with `at`, the functions'
        own clocks read it too (a simulated run: what tomorrow's schedules would do, as of tomorrow)."""
        moment = at or datetime.now(UTC)
        results: dict[str, Any] = {}
        with simulated_clock(moment) if at else nullcontext():
            for spec in self.stack.functions.values():
                for schedule in spec.schedules:
                    event = events.scheduler_event(moment, schedule.arn, self.stack.region, self.stack.account_id)
                    results[spec.logical_id] = self.invoke(spec.logical_id, event)
            self.drain_queues()  # what the runs queued (Slack notices) is delivered, as SQS would
        return results

    def url_request(
        self, logical_id: str, body: str, headers: dict[str, str], *, method: str = "POST", raw_path: str = "/",
        query: str = "",
    ) -> dict[str, Any]:  # fmt: skip
        """Delivers an HTTP request as a Function URL event to the function, which must have a Function URL."""
        if not self.function(logical_id).url_auth_type:
            raise LookupError(f"{logical_id} has no FunctionUrlConfig in the template")
        event = events.function_url_event(body, headers, raw_path=raw_path, method=method, query=query)
        result: dict[str, Any] = self.invoke(logical_id, event)
        return result

    def slack_request(self, body: str, headers: dict[str, str], *, raw_path: str = "/") -> dict[str, Any]:
        """Delivers a Slack HTTP request as a Function URL event to the Slack function."""
        return self.url_request(SLACK_FUNCTION, body, headers, raw_path=raw_path)

    def unsubscribe_request(
        self, method: str, query: str, body: str = "", headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """What a mail client (one-click POST) or a browser (GET, then the button) sends to an unsubscribe link."""
        sent = {"User-Agent": "Mozilla/5.0 (local)", **(headers or {})}
        if body:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return self.url_request(UNSUBSCRIBE_FUNCTION, body, sent, method=method, raw_path="/u", query=query)

    def signed_slack_request(
        self, body: str, content_type: str = "application/x-www-form-urlencoded"
    ) -> dict[str, Any]:
        """`slack_request` with the headers Slack would send, signed with the local signing secret."""
        headers = {
            **events.sign_slack_request(self.stack.signing_secret, body),
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        return self.slack_request(body, headers)

    def _handler(self, spec: FunctionSpec) -> Handler:
        if spec.logical_id not in self._handlers:
            module_name, _, attribute = spec.handler.rpartition(".")
            module = importlib.import_module(module_name)
            self._install_lambda_client(module)
            self._handlers[spec.logical_id] = getattr(module, attribute)
        return self._handlers[spec.logical_id]

    def _install_lambda_client(self, module: ModuleType) -> None:
        """Points Bolt's LambdaLazyListenerRunner at the local client, so lazy work never reaches moto."""
        slack_handler = getattr(module, "slack_handler", None)
        if slack_handler is not None:
            slack_handler.app.listener_runner.lazy_listener_runner.lambda_client = self.lambda_client

    def _run_async(self, logical_id: str, event: dict[str, Any]) -> None:
        try:
            self._invoke_with_retries(logical_id, event)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def _invoke_with_retries(self, logical_id: str, event: dict[str, Any]) -> None:
        spec = self.function(logical_id)
        for attempt in range(spec.max_retry_attempts + 1):
            try:
                self.invoke(logical_id, event)
                return
            except Exception as error:  # any handler failure: Lambda retries, then the OnFailure destination
                logger.exception("async invocation of %s failed (attempt %d)", logical_id, attempt + 1)
                last_error = error
        self.async_errors.append(last_error)
        if spec.on_failure_queue_url:
            record = _failure_record(spec, event, last_error, spec.max_retry_attempts + 1)
            self.stack.client("sqs").send_message(QueueUrl=spec.on_failure_queue_url, MessageBody=json.dumps(record))


def _failure_record(spec: FunctionSpec, event: dict[str, Any], error: BaseException, attempts: int) -> dict[str, Any]:
    """The record Lambda sends to an OnFailure destination when retries are exhausted."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": spec.invoked_arn if spec.alias else f"{spec.arn}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": str(error), "errorType": type(error).__name__},
    }


_invocation = threading.local()


def invoking_function() -> str | None:
    """The logical id of the function whose handler this thread is running; None for the runner's own calls.

    Lets a recorder of AWS calls (tests/e2e/iam_calls.py) attribute each call to the function that made it.
    """
    return getattr(_invocation, "logical_id", None)


@contextmanager
def _invoking(logical_id: str) -> Iterator[None]:
    outer = invoking_function()  # a RequestResponse self-invocation nests on the same thread
    _invocation.logical_id = logical_id
    try:
        yield
    finally:
        _invocation.logical_id = outer


def forget_modules(handlers: Iterable[str]) -> None:
    """Drops the functions' packages from sys.modules so the next invocation is a cold start."""
    packages = {handler.rsplit(".", 2)[0] for handler in handlers}
    for name in [name for name in sys.modules if name in packages or name.startswith(tuple(f"{p}." for p in packages))]:
        del sys.modules[name]


@contextmanager
def simulated_clock(at: datetime) -> Iterator[None]:
    """Inside the block every handler's wall clock (shared.clock) starts at `at` and runs on with real time."""
    from shared import clock

    started = time.monotonic()
    with mock.patch.object(clock, "utcnow", lambda: at + timedelta(seconds=time.monotonic() - started)):
        yield


_server_lock = threading.Lock()
_server: Any = None


def moto_endpoint() -> str:
    """The process's moto server (127.0.0.1, free port), started on first use and kept for the process.

    One server per process: handlers cache boto3 clients per process (created from AWS_ENDPOINT_URL on first
    use), so a second embedded stack on a new port would leave them talking to a dead one.
    """
    global _server  # one server per process, see above
    with _server_lock:
        if _server is None:
            from moto.server import ThreadedMotoServer

            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            _server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            _server.start()
            atexit.register(_server.stop)
        host, port = _server.get_host_and_port()
    return f"http://{host}:{port}"


def reset_moto(endpoint_url: str) -> None:
    """Forgets every resource in the moto server (its /moto-api/reset), ready for the next stack."""
    request = urllib.request.Request(f"{endpoint_url}/moto-api/reset", data=b"", method="POST")  # noqa: S310 - local server
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - our own local server
        pass


@contextmanager
def embedded_aws(
    recorder_url: str | None = None,
    *,
    stack_name: str = "arrears-local",
    parameters: dict[str, str] | None = None,
    extra_env: dict[str, str] | None = None,
    function_url: str = LOCAL_FUNCTION_URL,
) -> Iterator[LocalRunner]:
    """Starts moto, deploys infra/template.yaml into it and yields a runner; afterwards resets moto.

    `recorder_url` is the Slack recorder's API base (`http://127.0.0.1:<port>/api/`); `function_url` is where the
    local HTTP endpoint serves the Function URLs (the unsubscribe links in emails point there).
    """
    started = time.monotonic()
    endpoint_url = moto_endpoint()
    try:
        stack = deploy(
            endpoint_url, stack_name=stack_name, parameters=parameters, slack_api_url=recorder_url,
            function_url=function_url,
        )  # fmt: skip
        runner = LocalRunner(stack, extra_env=extra_env)
        runner.startup_seconds = time.monotonic() - started
        logger.info("embedded AWS ready in %.2fs at %s", runner.startup_seconds, endpoint_url)
        yield runner
        runner.wait_idle(raise_errors=False)
        runner.forget_sandbox()
    finally:
        reset_moto(endpoint_url)

"""Secrets through the Parameters and Secrets Lambda Extension (on Lambda) or from SSM itself (elsewhere)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import pytest
from moto import mock_aws

from shared.adapters import secrets
from shared.domain.errors import UpstreamUnavailableError
from tests.support import parameters_extension

ROOT = Path(__file__).resolve().parents[2]
SIGNING = "/arrears/slack/signing-secret"
BOT = "/arrears/slack/bot-token"
KEY = "/arrears/unsubscribe/signing-key"
VALUES = {SIGNING: "s3cr3t-signing", BOT: "xoxb-1-bot", KEY: "k" * 48}
TOKEN = "session-token-of-the-sandbox"


@pytest.fixture
def ssm() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("ssm", region_name="us-east-1")
        for name, value in VALUES.items():
            client.put_parameter(Name=name, Value=value, Type="SecureString")
        yield client


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return int(probe.getsockname()[1])


def test_on_lambda_each_secret_is_asked_of_the_extension_by_its_encoded_name_with_the_sandbox_token(ssm: Any) -> None:
    # Given the extension listening on the port the template sets, and the sandbox's session token
    on_lambda = {secrets.PORT_VARIABLE: "", "AWS_SESSION_TOKEN": TOKEN}
    with parameters_extension(ssm, TOKEN) as extension, mock.patch.dict(os.environ, on_lambda):
        os.environ[secrets.PORT_VARIABLE] = str(extension.port)
        # When the Slack function reads its two secrets
        found = secrets.secrets(SIGNING, BOT)

    # Then both come back in the order named, each from one local GET with decryption and the token
    assert found == (VALUES[SIGNING], VALUES[BOT])
    assert extension.requests == [
        ("/systemsmanager/parameters/get?name=%2Farrears%2Fslack%2Fsigning-secret&withDecryption=true", TOKEN),
        ("/systemsmanager/parameters/get?name=%2Farrears%2Fslack%2Fbot-token&withDecryption=true", TOKEN),
    ]


def test_without_the_extension_the_same_secret_comes_from_ssm(ssm: Any) -> None:
    # Given the secret in SSM and no extension port (the local stack, tests)
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    environment = {key: value for key, value in os.environ.items() if key != secrets.PORT_VARIABLE}
    with mock.patch.dict(os.environ, environment, clear=True):
        # When it is read
        found = secrets.secret(BOT)

    # Then it is the value the extension would have answered
    assert found == VALUES[BOT]
    parameters.clear_caches()


def test_from_ssm_a_missing_secret_is_an_error_naming_it_and_fresh_skips_the_cache(ssm: Any) -> None:
    # Given no extension port, and the secret read once (so cached for five minutes)
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    environment = {key: value for key, value in os.environ.items() if key != secrets.PORT_VARIABLE}
    with mock.patch.dict(os.environ, environment, clear=True):
        assert secrets.secret(BOT) == VALUES[BOT]
        # When it is rotated, then deleted
        ssm.put_parameter(Name=BOT, Value="xoxb-rotated", Type="SecureString", Overwrite=True)
        cached, rotated = secrets.secrets(BOT), secrets.secrets(BOT, fresh=True)
        ssm.delete_parameter(Name=BOT)
        with pytest.raises(UpstreamUnavailableError, match=f"SSM did not give the parameter {BOT}") as refused:
            secrets.secrets(BOT, fresh=True)

    # Then the cache answers until asked fresh, and the missing one's error names it, not a value
    assert (cached, rotated) == ((VALUES[BOT],), ("xoxb-rotated",))
    assert "xoxb" not in str(refused.value)
    parameters.clear_caches()


def test_from_ssm_the_slack_functions_two_secrets_are_one_get_parameters_call_cached_until_asked_fresh(
    ssm: Any,
) -> None:
    # Given no extension port (the Slack function under SnapStart, the local stack), and SSM's calls counted
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    calls: list[tuple[str, list[str]]] = []
    client = parameters.ssm.DEFAULT_PROVIDERS.get("ssm")
    environment = {key: value for key, value in os.environ.items() if key != secrets.PORT_VARIABLE}
    with mock.patch.dict(os.environ, environment, clear=True):
        parameters.ssm.DEFAULT_PROVIDERS.clear()  # a provider built here, inside moto, whose calls are counted
        first = secrets.secrets(SIGNING, BOT)
        provider = parameters.ssm.DEFAULT_PROVIDERS["ssm"]
        provider.client.meta.events.register(  # type: ignore[attr-defined]
            "provide-client-params.ssm",
            lambda params, model, **_: calls.append((model.name, params.get("Names") or [params.get("Name")])),
        )
        # When they are read again (cached), the signing secret rotates and they are read fresh, then one is gone
        again = secrets.secrets(SIGNING, BOT)
        ssm.put_parameter(Name=SIGNING, Value="rotated-signing", Type="SecureString", Overwrite=True)
        fresh = secrets.secrets(SIGNING, BOT, fresh=True)
        ssm.delete_parameter(Name=BOT)
        with pytest.raises(UpstreamUnavailableError, match=f"SSM did not give the parameter {BOT}") as refused:
            secrets.secrets(SIGNING, BOT, fresh=True)

    # Then both come in the order named; the cache answers the second read; a fresh read is one GetParameters call
    # for both; the missing one is named, never a value
    assert first == again == (VALUES[SIGNING], VALUES[BOT]) and fresh == ("rotated-signing", VALUES[BOT])
    assert calls == [("GetParameters", [SIGNING, BOT]), ("GetParameters", [SIGNING, BOT])]
    assert "xoxb" not in str(refused.value) and "rotated" not in str(refused.value)
    parameters.clear_caches()
    parameters.ssm.DEFAULT_PROVIDERS.clear()
    if client is not None:
        parameters.ssm.DEFAULT_PROVIDERS["ssm"] = client


@pytest.mark.parametrize("code", ["AccessDeniedException", "ThrottlingException"])
def test_from_ssm_a_refused_batch_read_is_an_upstream_error_naming_the_parameters(ssm: Any, code: str) -> None:
    # Given SSM refusing the GetParameters call (a role without the grant, throttling at a burst of restores)
    from aws_lambda_powertools.utilities import parameters
    from botocore.stub import Stubber

    parameters.clear_caches()
    environment = {key: value for key, value in os.environ.items() if key != secrets.PORT_VARIABLE}
    with mock.patch.dict(os.environ, environment, clear=True):
        secrets.secrets(SIGNING, BOT)  # the provider and its client, as at Init
        stub = Stubber(parameters.ssm.DEFAULT_PROVIDERS["ssm"].client)  # type: ignore[attr-defined]
        stub.add_client_error("get_parameters", service_error_code=code, http_status_code=400)
        with stub, pytest.raises(UpstreamUnavailableError, match=f"SSM did not give the parameters {SIGNING}"):
            # When they are read fresh (after a SnapStart restore)
            secrets.secrets(SIGNING, BOT, fresh=True)
    # Then it is the error the Slack function's restore hook handles (it keeps the snapshot's secrets)
    parameters.clear_caches()


def test_a_cold_start_that_asks_before_the_extension_listens_waits_for_it(ssm: Any) -> None:
    # Given a port nobody listens on yet: the runtime's Init may start before the extension's server
    port = _free_port()
    waits: list[float] = []
    with ExitStack() as later:

        def sleep(seconds: float) -> None:
            if not waits:  # the extension comes up while the function waits
                later.enter_context(parameters_extension(ssm, TOKEN, port))
            waits.append(seconds)

        # When the secret is read
        value = secrets.from_extension(port, BOT, TOKEN, sleep=sleep)

    # Then it is read once the extension answers, after one short wait
    assert value == VALUES[BOT]
    assert waits == [secrets.RETRY_EVERY_S]


def test_an_extension_that_never_listens_fails_the_start_naming_its_port() -> None:
    # Given nothing listening, and a clock past the wait after the first try
    port = _free_port()
    times = iter([0.0, secrets.CONNECT_FOR_S + 0.1])

    # When the secret is read, Then it fails as retryable, saying which port did not answer
    with pytest.raises(UpstreamUnavailableError, match=f"not answering on port {port}"):
        secrets.from_extension(port, BOT, TOKEN, sleep=lambda _: None, clock=lambda: next(times))


@pytest.mark.parametrize("token", [TOKEN, "someone-else"])
def test_a_refused_read_names_the_parameter_and_never_a_value(ssm: Any, token: str) -> None:
    # Given the extension, asked for a parameter it refuses (unknown, or a request without the sandbox's token)
    name = "/arrears/unknown" if token == TOKEN else BOT
    with parameters_extension(ssm, TOKEN) as extension, pytest.raises(UpstreamUnavailableError) as refused:
        # When it is read
        secrets.from_extension(extension.port, name, token)

    # Then the error says which parameter and the status, and holds no secret
    assert str(refused.value) == f"the parameters extension answered HTTP 400 for {name}"
    assert not any(value in str(refused.value) for value in VALUES.values())


def test_a_cold_unsubscribe_function_on_lambda_loads_no_boto3(ssm: Any) -> None:
    # Given the unsubscribe function's environment on Lambda: its key comes from the extension
    with parameters_extension(ssm, TOKEN) as extension:
        environment = {
            **os.environ,
            secrets.PORT_VARIABLE: str(extension.port),
            "AWS_SESSION_TOKEN": TOKEN,
            "TABLE_NAME": "arrears-test",
            "UNSUBSCRIBE_KEY_PARAM": KEY,
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        # When its handler is imported in a fresh interpreter, as a cold start does
        probe = "import sys, functions.unsubscribe.handler; print(sorted(m for m in sys.modules if m == 'boto3'))"
        result = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
            [sys.executable, "-c", probe], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
        )

    # Then it started with the key read from the extension, and never imported boto3 (pynamodb uses botocore)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert [path.split("=")[1].split("&")[0] for path, _ in extension.requests] == [
        "%2Farrears%2Funsubscribe%2Fsigning-key"
    ]

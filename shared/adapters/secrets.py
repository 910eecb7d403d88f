"""SecureStrings from SSM Parameter Store: through AWS's Parameters and Secrets Lambda Extension on Lambda.

On Lambda each function that reads a secret has the extension as a layer (infra/template.yaml). The extension is an
AWS-managed process beside the function: it calls GetParameter with the function's role, caches the value
(`SSM_PARAMETER_STORE_TTL`) and answers on localhost. Asking it is one local HTTP request, so a cold start builds
no SSM client: no boto3 where the function needs none, and no SSM service model loaded (about 100-190 ms of CPU
at Init here, docs/PERFORMANCE.md). Where the extension's port variable is unset, the secrets come from SSM through
powertools' Parameters utility, decrypted and cached five minutes: GetParameter for one name, one GetParameters call
for several. That is the local stack and the tests, and the Slack function on Lambda (its two secrets in one call):
it runs with SnapStart, which gives it no session token for the extension.
Either way a failure is an `UpstreamUnavailableError` naming the parameter, never its value.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from http.client import HTTPConnection, HTTPException
from urllib.parse import quote

from shared.domain.errors import UpstreamUnavailableError

PORT_VARIABLE = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"
# The extension refuses a request without the sandbox's session token in this header.
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"  # noqa: S105 - a header's name, not a secret
CONNECT_FOR_S = 2.0  # the runtime's Init can start before the extension listens: keep trying this long
RETRY_EVERY_S = 0.02
TIMEOUT_S = 3.0


def secret(parameter_name: str) -> str:
    """A SecureString, decrypted."""
    return secrets(parameter_name)[0]


def secrets(*parameter_names: str, fresh: bool = False) -> tuple[str, ...]:
    """SecureStrings, decrypted, in the order named. `fresh`: from SSM even if cached (after a SnapStart restore,
    whose cache is as old as the snapshot); the extension keeps its own TTL."""
    port = os.environ.get(PORT_VARIABLE)
    if port:
        token = os.environ.get("AWS_SESSION_TOKEN", "")
        return tuple(from_extension(int(port), name, token) for name in parameter_names)
    return _from_ssm(parameter_names, fresh)


CACHE_S = 300


def _from_ssm(names: tuple[str, ...], fresh: bool) -> tuple[str, ...]:
    """One name: GetParameter, as the extension calls it. Several (the Slack function's two): one GetParameters call
    for all of them. Each role grants the one action its function calls. Decrypted, cached five minutes."""
    from aws_lambda_powertools.utilities import parameters
    from botocore.exceptions import BotoCoreError, ClientError

    if len(names) == 1:
        try:
            return (str(parameters.get_parameter(names[0], decrypt=True, max_age=CACHE_S, force_fetch=fresh)),)
        except parameters.exceptions.GetParameterError as exc:
            raise UpstreamUnavailableError(f"SSM did not give the parameter {names[0]}") from exc
    cached = parameters.ssm.DEFAULT_PROVIDERS.get("ssm")
    if fresh and cached is not None:  # the batch call has no force_fetch: what it cached is dropped (its client kept)
        cached.clear_cache()
    try:
        found = parameters.get_parameters_by_name(
            {name: {} for name in names}, decrypt=True, max_age=CACHE_S, raise_on_error=False
        )
    except (parameters.exceptions.GetParameterError, ClientError, BotoCoreError) as exc:
        # the batch call lets the client's own errors through (access denied, throttled, no connection)
        raise UpstreamUnavailableError(f"SSM did not give the parameters {', '.join(names)}") from exc
    missing = [name for name in names if name not in found or name in found.get("_errors", [])]
    if missing:
        raise UpstreamUnavailableError(f"SSM did not give the parameter {missing[0]}")
    return tuple(str(found[name]) for name in names)


def from_extension(
    port: int,
    name: str,
    token: str,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """One parameter from the extension on localhost:`port`; an error names the parameter, never its value."""
    # A parameter's name is a path: its slashes are encoded
    query = f"/systemsmanager/parameters/get?name={quote(name, safe='')}&withDecryption=true"
    deadline = clock() + CONNECT_FOR_S
    while True:
        connection = HTTPConnection("localhost", port, timeout=TIMEOUT_S)
        try:
            connection.request("GET", query, headers={TOKEN_HEADER: token})
            response = connection.getresponse()
            status, body = response.status, response.read()
        except ConnectionRefusedError as exc:
            if clock() >= deadline:
                raise UpstreamUnavailableError(f"the parameters extension is not answering on port {port}") from exc
            sleep(RETRY_EVERY_S)
            continue
        except (OSError, HTTPException) as exc:
            raise UpstreamUnavailableError(f"the parameters extension failed reading {name}: {exc}") from exc
        finally:
            connection.close()
        if status != 200:
            raise UpstreamUnavailableError(f"the parameters extension answered HTTP {status} for {name}")
        try:
            return str(json.loads(body)["Parameter"]["Value"])
        except (ValueError, KeyError, TypeError) as exc:
            raise UpstreamUnavailableError(f"the parameters extension's answer for {name} has no value") from exc

"""`arrears slack-manifest`: the Slack app manifest with the deployed stack's request URL filled in."""

from __future__ import annotations

from pathlib import Path

from shared.domain.errors import InvalidInputError

MANIFEST = Path(__file__).resolve().parents[1] / "infra" / "slack-app-manifest.yaml"
PLACEHOLDER = "REQUEST_URL"


def fill_manifest(url: str, manifest: str | None = None) -> str:
    """The manifest text with every REQUEST_URL placeholder replaced by `url` (the Function URL)."""
    if not url.startswith("https://"):
        raise InvalidInputError(f"request URL {url!r} must be the stack's https:// Function URL")
    text = manifest if manifest is not None else MANIFEST.read_text(encoding="utf-8")
    return text.replace(PLACEHOLDER, url)


def stack_request_url(stack_name: str) -> str:
    """The `SlackRequestUrl` output of a deployed stack (your AWS credentials and region, as the AWS CLI reads them)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        stack = boto3.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    except (BotoCoreError, ClientError) as exc:
        raise InvalidInputError(f"could not read stack {stack_name!r}: {exc}; deploy it first (make deploy)") from exc
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    if "SlackRequestUrl" not in outputs:
        raise InvalidInputError(f"stack {stack_name!r} has no SlackRequestUrl output")
    return str(outputs["SlackRequestUrl"])

"""Adapter of the SlackPoster port onto slack_sdk's WebClient (base URL configurable for the local recorder)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from shared.domain.errors import ArrearsError, InvalidInputError, RateLimitedError, UpstreamUnavailableError

DEFAULT_RETRY_AFTER = 30  # seconds, when Slack rate-limits without saying how long
# Answers that no retry changes: the message itself or its channel is wrong (a bad token is not among them: an
# operator fixes it, and the messages wait).
PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "invalid_ts_latest",
    }
)


def _refused(what: str, exc: SlackApiError) -> ArrearsError:
    response = exc.response
    if response.status_code == 429:
        wait = response.headers.get("Retry-After") or response.headers.get("retry-after")
        retry_after = int(wait) if str(wait or "").isdigit() else DEFAULT_RETRY_AFTER
        return RateLimitedError(f"Slack rate-limited the {what}; retry after {retry_after} s", retry_after)
    error = response.get("error")
    if error in PERMANENT:
        return InvalidInputError(f"Slack will never accept this {what}: {error}")
    return UpstreamUnavailableError(f"Slack refused the {what}: {error}")


class SlackWebPoster:
    def __init__(self, token: str, base_url: str) -> None:
        self.client = WebClient(token=token, base_url=base_url)

    def post(self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None) -> str:
        try:
            sent = self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        except SlackApiError as exc:
            raise _refused("message", exc) from exc
        except OSError as exc:  # URLError, timeouts: Slack could not be reached
            raise UpstreamUnavailableError(f"Slack could not be reached ({type(exc).__name__})") from exc
        return str(sent["ts"])

    def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        try:
            self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        except SlackApiError as exc:
            raise _refused("update", exc) from exc
        except OSError as exc:
            raise UpstreamUnavailableError(f"Slack could not be reached ({type(exc).__name__})") from exc

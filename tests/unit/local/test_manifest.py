"""The Slack app manifest: what the app declares, and the request URL filled in from the stack."""

import pytest
import yaml

from local.manifest import fill_manifest
from shared.domain.errors import InvalidInputError

URL = "https://abc123.lambda-url.eu-west-1.on.aws/"


def test_fill_manifest_points_the_command_and_interactivity_at_the_function_url() -> None:
    # When filling the committed manifest with a stack's Function URL
    manifest = yaml.safe_load(fill_manifest(URL))

    # Then /collect and interactivity both use it, and no placeholder is left
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/collect"]
    assert manifest["features"]["slash_commands"][0]["url"] == URL
    assert manifest["settings"]["interactivity"]["request_url"] == URL
    assert "REQUEST_URL" not in fill_manifest(URL)


def test_manifest_asks_for_no_scope_beyond_commands_and_posting() -> None:
    # The app registers /collect and posts (channels it is invited to, DMs through its Messages tab): no reading
    manifest = yaml.safe_load(fill_manifest(URL))
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == ["chat:write", "commands"]
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True


def test_fill_manifest_refuses_a_url_that_is_not_https() -> None:
    with pytest.raises(InvalidInputError, match="https://"):
        fill_manifest("http://127.0.0.1:3000/")

"""Bolt listeners, one module per kind; `register` wires them all onto an App.

The use cases (`functions.slack.logic`, `functions.slack.actions`: the compliance engine, the ledger, the reminder
run) are imported inside the lazy listeners that run them, never at module level: the invocation that acks a
request (within Slack's 3 s, cold or warm) parses and checks it without loading them."""

from slack_bolt import App

from functions.slack.env import Settings
from functions.slack.listeners import collect, holds, interactive, mappings


def register(app: App, settings: Settings) -> None:
    collect.register(app, settings)
    interactive.register(app, settings)
    holds.register(app, settings)
    mappings.register(app, settings)

"""Bolt listeners, one module per kind; `register` wires them all onto an App."""

from slack_bolt import App

from functions.slack.env import Settings
from functions.slack.listeners import collect, holds, interactive, mappings


def register(app: App, settings: Settings) -> None:
    collect.register(app, settings)
    interactive.register(app, settings)
    holds.register(app, settings)
    mappings.register(app, settings)

"""A stand-in Slack function shaped like functions/slack/handler.py, used only by the e2e tests.

Built at module scope like the real one: the signing secret and bot token come from SSM at cold start,
the Web API base URL from SLACK_API_URL, and `/standin` acks at once and does its work lazily.
"""

import os
from typing import Any

import boto3
from slack_bolt import Ack, App
from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_sdk import WebClient


def _secret(env_name: str) -> str:
    ssm = boto3.client("ssm")
    value: str = ssm.get_parameter(Name=os.environ[env_name], WithDecryption=True)["Parameter"]["Value"]
    return value


app = App(
    process_before_response=True,
    signing_secret=_secret("SLACK_SIGNING_SECRET_PARAM"),
    client=WebClient(token=_secret("SLACK_BOT_TOKEN_PARAM"), base_url=os.environ["SLACK_API_URL"]),
)


def _ack(ack: Ack) -> None:
    ack("working on it")


def _work(body: dict[str, Any], client: WebClient) -> None:
    client.chat_postMessage(channel=body["channel_id"], text=f"lazy done: {body['text']}")


app.command("/standin")(ack=_ack, lazy=[_work])
slack_handler = SlackRequestHandler(app)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response: dict[str, Any] = slack_handler.handle(event, context)
    return response

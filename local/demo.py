"""`arrears demo`: the whole thread on the embedded stack — import, reminders, Slack — checked at every step."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from local.events import ses_bounce, sign_slack_request, slash_command_body, sns_event
from local.http_endpoint import SlackHttpEndpoint
from local.runner import LocalRunner, embedded_aws
from local.sample_data import (
    AGENCY_CREDITOR,
    AGENCY_EMAIL,
    AGENCY_MAPPING,
    AGENCY_POLICY,
    agency_csv,
    sample_csv,
    sample_payments_csv,
)
from local.slack_recorder import RecordedCall, SlackRecorder, render_text

DEMO_USER = "U0DEMO0001"


class Demo:
    """Runs the steps, prints each in readable form, and remembers which failed."""

    def __init__(self, runner: LocalRunner, recorder: SlackRecorder, endpoint: SlackHttpEndpoint, out: TextIO):
        self.runner, self.recorder, self.endpoint, self.out = runner, recorder, endpoint, out
        self.failures: list[str] = []

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def check(self, ok: bool, what: str) -> None:
        self.say(f"  {'✔' if ok else '✘'} {what}")
        if not ok:
            self.failures.append(what)

    def slash(self, text: str) -> str:
        """POST a signed `/collect` over HTTP to the local endpoint, wait for the lazy reply, return it as text.

        A command refused in the ack (bad input) returns the ack's ephemeral text instead.
        """
        before = len(self.recorder.responses)
        body = slash_command_body("/collect", text, user_id=DEMO_USER, response_url=self.recorder.response_url())
        headers = {
            **sign_slack_request(self.runner.stack.signing_secret, body),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        request = urllib.request.Request(self.endpoint.url, data=body.encode(), headers=headers, method="POST")  # noqa: S310 - http://127.0.0.1 only
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - our own local endpoint
            status, ack = answer.status, answer.read().decode()
        self.runner.wait_idle()
        replies = self.recorder.responses[before:]
        self.check(status == 200 and bool(replies or ack), f"/collect {text} acknowledged (HTTP {status}) and answered")
        return "\n".join(render_text(r) for r in replies) or ack


def _sent_emails(since: int) -> list[tuple[str, str]]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    messages = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages[since:]
    return [(m.destinations["ToAddresses"][0], m.subject) for m in messages]


def step_import(demo: Demo, today: date) -> None:
    demo.say("\n== 1. Operations drop a receivables export into the bucket ==")
    key = f"incoming/generic/acme/acme-ar-{today.isoformat()}.csv"
    results = demo.runner.put_object(key, sample_csv(today))
    demo.check(bool(results) and results[0]["results"] == {key: "imported"}, f"s3://…/{key} imported")
    summary = _last(demo.recorder, lambda c: c.method == "chat.update" and "Imported" in str(c.params.get("text")))
    demo.say(_indent(summary.params["text"] if summary else "(no summary posted)"))
    demo.check(
        summary is not None and "32 accepted" in summary.params["text"], "Slack summary: 32 accepted, 2 rejected"
    )


def step_payments(demo: Demo, today: date) -> None:
    demo.say("\n== 1b. The payments export follows: each payment goes through its account's ledger ==")
    key = f"incoming/payments/acme/acme-payments-{today.isoformat()}.csv"
    results = demo.runner.put_object(key, sample_payments_csv(today))
    demo.check(bool(results) and results[0]["results"] == {key: "imported"}, f"s3://…/{key} applied as payments")
    summary = _last(demo.recorder, lambda c: "Payments from" in str(c.params.get("text")))
    text = str(summary.params["text"]) if summary else "(no summary posted)"
    demo.say(_indent(text))
    demo.check("2 applied" in text and "CUST-7777" in text, "2 payments applied; the unknown customer's is listed")
    again = demo.runner.put_object(key, sample_payments_csv(today))
    summary = _last(demo.recorder, lambda c: "Payments from" in str(c.params.get("text")))
    demo.check(
        bool(again) and summary is not None and "2 already recorded" in str(summary.params["text"]),
        "the same export sent again applies nothing twice",
    )


def step_reminders(demo: Demo, at: datetime) -> None:
    demo.say(f"\n== 2. The reminder schedule fires ({at:%Y-%m-%d %H:%M} UTC) ==")
    before = len(_sent_emails(0))
    results = demo.runner.tick(at)
    outcomes = results["RemindersFunction"]["outcomes"]
    demo.say(f"  outcomes: {json.dumps(outcomes)}")
    sent = _sent_emails(before)
    for to, subject in sent[:8]:
        demo.say(f"  email → {to}: {subject}")
    demo.check(len(sent) >= 1, f"{len(sent)} reminder email(s) sent through SES")
    demo.check(outcomes.get("deferred", 0) >= 1, "accounts where it is too early or late locally are deferred")
    summary = _last(demo.recorder, lambda c: "Reminder run" in str(c.params.get("text")))
    demo.say(_indent(str(summary.params["text"]) if summary else "(no run summary posted)"))
    demo.check(summary is not None and "REGF-TIME-WINDOW" in str(summary.params["text"]),
               "the report channel gets the run's summary, with the rule that deferred each held step")  # fmt: skip
    again = demo.runner.tick(at)["RemindersFunction"]["outcomes"]
    demo.check(_sent_emails(before) == sent, f"a repeated schedule delivery sends nothing more ({json.dumps(again)})")


def step_slack(demo: Demo, at: datetime) -> None:
    demo.say("\n== 3. A collector works from Slack ==")
    reply = demo.slash("help")
    demo.say(_indent(reply))
    demo.check("/collect account <id>" in reply, "/collect help lists the commands")
    reply = demo.slash("account CUST-0005")
    demo.say(_indent(reply))
    demo.check("USD" in reply and "Last activity" in reply, "/collect account shows balance and last activity")
    reply = demo.slash("worklist")
    demo.say(_indent("\n".join(reply.splitlines()[:12])))
    demo.check("Worklist" in reply, "/collect worklist ranks accounts and says who may be called now")
    tomorrow = demo.slash(f"reminders preview {at + timedelta(days=1):%Y-%m-%dT%H:%MZ}")
    demo.say(_indent(tomorrow))
    demo.check(
        "previewed: nothing was sent" in tomorrow, "/collect reminders preview shows a later run, sending nothing"
    )
    reply = demo.slash("pause CUST-0006 the creditor is checking a credit note")
    demo.say(_indent(reply))
    demo.check("Reminders stopped" in reply, "/collect pause stops one account's reminders (the preview's Hold button)")
    reply = demo.slash("resume CUST-0006 credit note applied")
    demo.check("Reminders restarted" in reply, "/collect resume restarts them")
    reply = demo.slash("promise CUST-0005 lots tomorrow")
    demo.say(_indent(reply))
    demo.check("not a number" in reply, "a bad command gets an ephemeral usage message, not a traceback")


def _objects(demo: Demo, prefix: str) -> dict[str, bytes]:
    stack = demo.runner.stack
    s3 = stack.client("s3")
    listed = s3.list_objects_v2(Bucket=stack.bucket_name, Prefix=prefix).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=stack.bucket_name, Key=o["Key"])["Body"].read() for o in listed}


def _manifests(demo: Demo) -> str:
    return "".join(body.decode() for key, body in _objects(demo, "letters/").items() if key.endswith("manifest.csv"))


def step_notices(demo: Demo, after: datetime, today: date) -> None:
    demo.say("\n== 4. An agency's first notices: in an email where the rules allow it, else by letter ==")
    runner = demo.runner
    placement = f"incoming/agency/{AGENCY_CREDITOR}-placement-{today.isoformat()}.csv"
    for key, body in (("mappings/agency.yaml", AGENCY_MAPPING),
                      (f"policies/{AGENCY_CREDITOR}.json", json.dumps(AGENCY_POLICY).encode()),
                      (placement, agency_csv(today))):  # fmt: skip
        results = runner.put_object(key, body)
        demo.check(bool(results) and "results" in results[0], f"s3://…/{key}: {results[0]['results'][key]}")
    # The next 10:00 in Texas, inside every debtor's contact hours
    at = after.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    while at.astimezone(ZoneInfo("America/Chicago")).hour != 10:
        at += timedelta(hours=1)
    before = len(_sent_emails(0))
    outcomes = runner.tick(at)["RemindersFunction"]["outcomes"]
    demo.say(f"  run at {at:%Y-%m-%d %H:%M} UTC: {json.dumps(outcomes)}")
    emailed = [(to, subject) for to, subject in _sent_emails(before) if to == AGENCY_EMAIL]
    for to, subject in emailed:
        demo.say(f"  email → {to}: {subject}")
    demo.check(emailed == [(AGENCY_EMAIL, "globex account G-1: notice of debt")],
               "Texas: the validation notice goes in the body of an email, its PDF attached")  # fmt: skip
    manifest = _manifests(demo)
    demo.check("Sam Poe" in manifest and "Ana Ruiz" in manifest and "Jane Roe" not in manifest,
               "New York (written consent needed) and the debtor without email: letters for the vendor")  # fmt: skip
    kept = [key for key in _objects(demo, "letters/emailed/") if key.endswith(".pdf")]
    demo.check(len(kept) == 1, "the emailed notice's PDF is kept beside the letters")
    from shared.domain.accounts import account_key
    from shared.domain.sends import account_tag

    attempt = kept[0].rsplit("/", 1)[-1].removesuffix(".pdf") if kept else "none"
    topic = f"arn:aws:sns:{runner.stack.region}:{runner.stack.account_id}:ses-events"
    bounced_at = at + timedelta(minutes=1)
    bounce = ses_bounce(AGENCY_EMAIL, attempt, account_tag(account_key(AGENCY_CREDITOR, "G-1")), bounced_at)
    runner.invoke("RemindersFunction", sns_event(bounce, topic, bounced_at))
    demo.say("  SES: the email to Jane Roe bounced (no such mailbox)")
    later = runner.tick(at + timedelta(hours=1))["RemindersFunction"]["outcomes"]
    demo.say(f"  run an hour later: {json.dumps(later)}")
    demo.check("Jane Roe" in _manifests(demo), "a bounced notice is no notice: the letter is mailed at the next run")
    reply = demo.slash("locate")
    demo.say(_indent(reply))
    demo.check("Jane Roe" in reply and "no usable phone or email" in reply,
               "/collect locate lists her: no phone, and the only email bounced")  # fmt: skip


def _last(recorder: SlackRecorder, predicate: Callable[[RecordedCall], bool]) -> RecordedCall | None:
    matches = [c for c in recorder.calls if predicate(c)]
    return matches[-1] if matches else None


def _indent(text: str) -> str:
    return "\n".join(f"    │ {line}" for line in text.splitlines())


def run_demo(out: TextIO, now: datetime | None = None) -> bool:
    """The main job end to end; True only if every step did what it should."""
    # The file comes in now; each reminder is scheduled for 10:00 in its debtor's zone, so the schedule fires a day
    # later, when every first reminder is due. The sample's debtors live around the world: at any hour some are
    # inside their local contact window (reminders go out) and some are not (reminders wait).
    imported_at = now or datetime.now(UTC)
    day = imported_at.date()
    tick_at = imported_at + timedelta(days=1)
    started = time.monotonic()
    quiet = {"LOG_LEVEL": "WARNING", "POWERTOOLS_LOG_LEVEL": "WARNING"}
    with (
        SlackRecorder() as recorder,
        embedded_aws(recorder.api_url, extra_env=quiet, parameters={"AuthorizedUsers": DEMO_USER}) as runner,
        SlackHttpEndpoint(runner) as endpoint,
    ):
        demo = Demo(runner, recorder, endpoint, out)
        demo.say(f"Embedded AWS (moto) with infra/template.yaml deployed in {runner.startup_seconds:.1f}s")
        demo.say(f"Slack endpoint: {endpoint.url}")
        step_import(demo, day)
        step_payments(demo, day)
        step_reminders(demo, tick_at)
        step_slack(demo, tick_at)
        step_notices(demo, tick_at, day)
    demo.say(
        f"\nDone in {time.monotonic() - started:.1f}s: "
        + ("every step did what it should." if not demo.failures else f"{len(demo.failures)} step(s) failed.")
    )
    return not demo.failures

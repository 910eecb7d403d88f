"""The `/collect` use cases: each takes a parsed command and returns the reply to show the collector."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import TYPE_CHECKING

from functions.slack import actions, blocks
from functions.slack.commands import GUARDED, Command, parse_approval_day, parse_preview, parse_reminders, usage_text
from functions.slack.replies import Caller, Reply, call_proposal, require_authorized, resolve_account
from shared import contacts
from shared.db import activity as activity_repo
from shared.db import plans as plan_repo
from shared.db.accounts import DynamoAccounts
from shared.db.sends import DynamoSendLog
from shared.domain.accounts import Account
from shared.domain.mrkdwn import escape
from shared.ports import Accounts, RunControl

if TYPE_CHECKING:
    from shared.reminders.preview import Preview


def show_account(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    account = resolve_account(cmd.ref, accounts)
    history = activity_repo.query_activity(account.key, limit=8)
    plan = next((p for p in plan_repo.query_plans(account.key) if p[0].status == "active"), None)
    card = blocks.account_blocks(account, history, reveal_pii=caller.authorized, plan=plan)
    return Reply(f"{escape(account.debtor)}: {account.balance_text()}", card)


NO_NUMBER = ":mag: no usable number to call: locate the debtor (`/collect contact <id> phone <number> ...`)"


def can_call(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    account = resolve_account(cmd.ref, accounts)
    proposed = call_proposal(account, now)
    if proposed.to is None and not account.holds():  # no number to check a call to (a hold's BLOCK says more)
        return Reply(f"{escape(account.debtor)}: {NO_NUMBER}")
    checked = contacts.check_contact(account, proposed)
    contacts.log_decision(checked, proposed, caller.user_id)
    d = checked.decision
    text = blocks.decision_text(d.decision, d.explanation, d.until, tuple(d.rules), account.timezone)
    name, account_id = escape(account.debtor), escape(account.account_id)
    return Reply(f"{name}: {text}", [blocks.section(f"*{name}* · `{account_id}`\n{text}")])


def why(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    account = resolve_account(cmd.ref, accounts)
    decisions = contacts.last_decisions(account.key)
    state = f"*{escape(account.debtor)}* · status {account.status} · holds: {', '.join(account.holds()) or 'none'}"
    state += f" · {blocks.next_action_text(account)}"
    lines = [blocks.activity_line(a, account.timezone) for a in decisions] or ["No compliance decisions yet."]
    return Reply(state, [blocks.section(state), blocks.section("*Last decisions*\n" + "\n".join(lines))])


def _worklist_note(account: Account, now: datetime) -> str:
    proposed = call_proposal(account, now)
    if proposed.to is None and not account.holds():
        return NO_NUMBER
    d = contacts.check_contact(account, proposed).decision
    if d.decision == "ALLOW":
        return ":white_check_mark: may call now"
    if d.decision == "DEFER" and d.until:
        return f":hourglass: call from {blocks.local_time(d.until, account.timezone)}"
    return f":no_entry: {d.decision.lower()}: {d.explanation}"


def worklist(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    """The caller's accounts and the unassigned pool, best first, each with whether a call is allowed now."""
    limit = blocks.MAX_WORKLIST_ROWS
    mine = accounts.worklist(caller.user_id, limit) + accounts.worklist(None, limit)
    ranked = sorted(mine, key=lambda a: (a.rank, a.key), reverse=True)[:limit]
    with ThreadPoolExecutor(max_workers=8) as pool:
        notes = list(pool.map(lambda a: _worklist_note(a, now), ranked))
    return Reply(
        f"Worklist: {len(ranked)} accounts",
        blocks.worklist_blocks(list(zip(ranked, notes, strict=True)), caller.user_id),
    )


def locate(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    """The caller's accounts and the pool's that need locating (no usable phone, or no contact at all), longest
    waiting first: the skip-tracing queue."""
    from shared.domain.account_actions import locate_need
    from shared.domain.accounts import locate_order

    limit = blocks.MAX_LOCATE_ROWS + 1  # one more than is shown: says whether more are waiting
    found = sorted(accounts.needing_locate(caller.user_id, limit) + accounts.needing_locate(None, limit),
                   key=locate_order)  # fmt: skip
    rows = [(account, locate_need(account)) for account in found[: blocks.MAX_LOCATE_ROWS]]
    more = len(found) > blocks.MAX_LOCATE_ROWS
    title = blocks.locate_title(len(rows), more)
    return Reply(f"Locate queue: {title}", blocks.locate_blocks(rows, caller.user_id, caller.authorized, more))


def reminders(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    """`reminders preview|hold|release|approve`: see a run before it goes, hold every run, or approve a day."""
    from shared.db.runs import DynamoRunControl  # the reminder runs' control: no part of the ack path
    from shared.reminders.control import Hold

    control, action = DynamoRunControl(), parse_reminders(cmd.args)
    if action == "preview":
        return _preview(parse_preview(cmd.args) or now, accounts, control)
    require_authorized(caller, GUARDED["reminders"])
    if action == "hold":
        reason = " ".join(cmd.args[1:])[:200]
        control.hold(Hold(caller.user_id, reason, now))
        text = f"Reminders held: nothing automated is sent until `/collect reminders release`. Reason: {escape(reason)}"
        return Reply(text, alert=f":double_vertical_bar: <@{caller.user_id}> held the reminders: {escape(reason)}")
    if action == "release":
        if not control.release():
            return Reply("Reminders were not held.")
        return Reply("Reminders released: the next run sends what is due.",
                     alert=f":arrow_forward: <@{caller.user_id}> released the reminders.")  # fmt: skip
    day = parse_approval_day(cmd.args) or now.date()
    if not control.approve(day, caller.user_id, now):
        return Reply(f"Reminders for {day} were already approved.")
    return Reply(f"Reminders approved for {day}: that day's runs send for creditors that wait for approval.",
                 alert=f":white_check_mark: <@{caller.user_id}> approved the reminders of {day}.")  # fmt: skip


def _preview(at: datetime | date, accounts: Accounts, control: RunControl) -> Reply:
    """What the reminder run at the instant `at` would do, or the hourly runs of the day `at`, by the run's own
    code: nothing is sent or written; with buttons to hold every run (or release the hold) and to approve that
    day."""
    from shared.reminders.control import AWAITING
    from shared.reminders.preview import preview_day, preview_run, preview_text  # the run's code: not the ack's

    if isinstance(at, datetime):
        preview = preview_run(at, accounts, DynamoSendLog(), control)
    else:
        preview = preview_day(at, accounts, DynamoSendLog(), control)
    day = preview.runs[0].date()
    text = preview_text(preview)
    hold = ("Release the hold", "release") if preview.hold else ("Hold reminders", "hold from the preview")
    buttons = [blocks.button(hold[0], blocks.ACTION_REMINDERS, hold[1])]
    if preview.report.outcomes.get(AWAITING):
        buttons.append(blocks.button(f"Approve {day}", blocks.ACTION_REMINDERS, f"approve {day}", "primary"))
    actions_block = {"type": "actions", "block_id": "reminders", "elements": buttons}
    return Reply(text.split("\n", 1)[0], [blocks.section(text), *_planned_sends(preview), actions_block])


def _planned_sends(preview: Preview) -> list[blocks.Block]:
    """The run's first sends, one line each with a button that holds that account back (`pause`)."""
    rows = []
    for n, send in enumerate(preview.sends):
        ref = f"{send.creditor}:{send.account_id}"
        line = blocks.section(f"`{escape(ref)}` {send.step} by {send.channel}") | {"block_id": f"send-{n}"}
        rows.append(line | {"accessory": blocks.button("Hold this account", blocks.ACTION_PAUSE, ref)})
    if not rows:
        return []
    total = sum(preview.steps.values())
    shown = f"First {len(rows)} of {total} sends:" if total > len(rows) else "Sends:"
    return [blocks.context(shown), *rows]


def show_help(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    return Reply("Arrears commands", [blocks.section(usage_text())])


HANDLERS = {
    "help": show_help,
    "account": show_account,
    "can-call": can_call,
    "why": why,
    "worklist": worklist,
    "locate": locate,
    "log": actions.log_contact,
    "promise": actions.record_promise,
    "plan": actions.record_plan,
    "pay": actions.record_payment,
    "reverse": actions.reverse_payment,
    "hold": actions.place_hold,
    "release": actions.release_hold,
    "contact": actions.add_contact,
    "language": actions.set_language,
    "pause": actions.pause,
    "resume": actions.resume,
    "reminders": reminders,
}


def run_command(cmd: Command, caller: Caller, now: datetime, accounts: Accounts | None = None) -> Reply:
    return HANDLERS[cmd.name](cmd, caller, now, accounts or DynamoAccounts())

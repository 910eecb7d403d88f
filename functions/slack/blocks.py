"""Block Kit builders: pure functions from domain objects to Slack messages, within Slack's limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.domain.accounts import Account, Activity
from shared.domain.money import Money
from shared.domain.mrkdwn import count, escape
from shared.domain.plans import Installment, PaymentPlan

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_ROW_TEXT = 300
MAX_WORKLIST_TEXT = 11_000  # below the ~13.2k total where Slack answers msg_blocks_too_long
MAX_WORKLIST_ROWS = (MAX_BLOCKS - 2) // 2  # a section and its buttons a row, plus header and context
MAX_BUTTON_VALUE = 2000
MAX_ID = 255  # block_id and action_id
MAX_ACTION_ELEMENTS = 25
ACTION_LOG_CALL = "arrears_log_call"
ACTION_PROMISE = "arrears_promise"
ACTION_ACCOUNT = "arrears_account"
ACTION_PLAN = "arrears_plan"
ACTION_RELEASE = "arrears_release"
ACTION_RESUME = "arrears_resume"
ACTION_PAUSE = "arrears_pause"  # the reminder preview's Hold this account (its value: the account's ref)
ACTION_REMINDERS = "arrears_reminders"  # the reminder preview's Hold / Release / Approve (its value: the words)
Block = dict[str, Any]
PlanView = tuple[PaymentPlan, list[Installment]]


def _clip(text: str, limit: int = MAX_SECTION_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(text)}]}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": _clip(text, 150)}}


def account_ref(account: Account) -> str:
    """`creditor:account_id`: names one account even where two creditors share an id (see resolve_account)."""
    return f"{account.creditor}:{account.account_id}"


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {"type": "button", "text": {"type": "plain_text", "text": _clip(text, 75)}}
    element |= {"action_id": action_id[:MAX_ID], "value": value[:MAX_BUTTON_VALUE]}
    return element | ({"style": style} if style else {})


def account_buttons(ref: str, block_id: str, with_account: bool, with_plan: bool = False) -> Block | None:
    """Log call, Promise (and Plan, Account) for one account; None when the ref cannot fit a button value.

    Worklist rows leave Plan out: every button repeats the ref, and the rows share one message's text budget.
    """
    if not ref or len(ref) > MAX_BUTTON_VALUE:
        return None
    elements = [button("Log call", ACTION_LOG_CALL, ref, "primary"), button("Promise", ACTION_PROMISE, ref)]
    if with_plan:
        elements.append(button("Plan", ACTION_PLAN, ref))
    if with_account:
        elements.append(button("Account", ACTION_ACCOUNT, ref))
    return {"type": "actions", "block_id": block_id[:MAX_ID], "elements": elements[:MAX_ACTION_ELEMENTS]}


def mask_phone(number: str) -> str:
    return f"{number[:2]}•••••{number[-4:]}" if len(number) > 6 else "•••"


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"


def local_time(at: datetime, tz: str | None) -> str:
    """An instant as the debtor sees it, with the zone's abbreviation."""
    return at.astimezone(ZoneInfo(tz or "UTC")).strftime("%a %b %d %H:%M %Z")


def _contact_lines(account: Account, reveal: bool) -> str:
    """The phones and emails on file, each marked when it may no longer be used (a collector must not retry it)."""
    phones = [(p["number"] if reveal else mask_phone(p["number"])) + _unusable(p) for p in account.phones]
    emails = [(e["address"] if reveal else mask_email(e["address"])) + _unusable(e) for e in account.emails]
    return escape(f"Phone: {', '.join(phones) or '—'}   Email: {', '.join(emails) or '—'}")


def _unusable(entry: dict[str, Any]) -> str:
    invalid = entry.get("invalid")
    if isinstance(invalid, dict):  # a phone: wrong number or not in service
        return f" ({'not in service' if invalid.get('reason') == 'disconnected' else 'wrong number'})"
    if invalid:
        return " (bounced)"
    return " (opted out)" if entry.get("opted_out_at") else ""


# What the provider later said about an email, text or letter that went out (its delivery event or report).
_DELIVERY = {"delivered": " — delivered", "failed": " — not delivered", "bounced": " — bounced"}


def activity_line(activity: Activity, tz: str | None) -> str:
    rules = f" `{' '.join(activity.rules)}`" if activity.rules else ""
    outbound = activity.kind == "contact" and activity.direction == "outbound" and activity.channel != "call"
    delivery = _DELIVERY.get(activity.outcome or "", "") if outbound else ""
    return f"• {local_time(activity.at, tz)}: {escape(activity.summary)}{delivery} ({escape(activity.actor)}){rules}"


def next_installment(installments: list[Installment]) -> Installment | None:
    return min((i for i in installments if i.status == "open"), key=lambda i: (i.due, i.number), default=None)


def plan_summary(plan: PaymentPlan, installments: list[Installment]) -> str:
    """One line: the plan's terms, how many installments are paid, and the next one due."""
    paid = sum(1 for i in installments if i.status == "paid")
    following = next_installment(installments)
    text = f"{plan.total.format()} in {plan.count} {plan.every} installments · {paid} of {plan.count} paid"
    if following:
        text += f" · next: #{following.number} {following.amount.format()} due {following.due.isoformat()}"
    return f"{text} · `{plan.plan_id}`"


def installment_lines(installments: list[Installment]) -> str:
    return "\n".join(f"• #{i.number}: {i.amount.format()} due {i.due.isoformat()}" for i in installments)


def plan_blocks(title: str, plan: PaymentPlan, installments: list[Installment]) -> list[Block]:
    """A plan just set up (or found): its terms and every installment (≤ 60 lines fit one section)."""
    return [section(f"{title}\n{plan_summary(plan, installments)}"), section(installment_lines(installments))]


def account_blocks(
    account: Account, history: list[Activity], reveal_pii: bool, plan: PlanView | None = None
) -> list[Block]:
    """The account card: who, how much, holds, the active payment plan, open invoices, last activity."""
    holds = ", ".join(account.holds()) or "none"
    blocks = [
        header(f"{account.debtor} · {account.account_id}"),
        section(
            f"*Creditor:* {escape(account.creditor)}   *Balance:* {account.balance_text()}\n"
            f"*Status:* {account.status}   *Holds:* {holds}   *Collector:* {escape(account.collector or 'pool')}\n"
            f"*Time zone:* {escape(account.timezone or 'unknown')}\n{_contact_lines(account, reveal_pii)}"
        ),
    ]
    buttons = account_buttons(account_ref(account), "card-actions", with_account=False, with_plan=True)
    if buttons and account.holds():
        buttons["elements"].append(button("Release hold", ACTION_RELEASE, account_ref(account)))
    if buttons and account.automation == "review":
        buttons["elements"].append(button("Resume reminders", ACTION_RESUME, account_ref(account)))
    blocks += [buttons] if buttons else []
    blocks.append(context(next_action_text(account)))
    if plan:
        blocks.append(section(f"*Payment plan:* {plan_summary(*plan)}"))
    elif account.commitment is not None:
        promise = account.commitment
        blocks.append(section(f"*Open promise:* {promise.amount.format()} by {promise.due}"))
    pending = [e for e in account.entries if e.state == "pending"]
    if pending:
        lines = [f"• {e.kind} {e.amount.format()} ref `{escape(e.ref)}` on {e.at.date()}" for e in pending[:10]]
        blocks.append(section("*Not yet in the creditor's books*\n" + "\n".join(lines)))
    open_items = account.open_invoices()
    owed = account.open_amounts()
    if open_items:
        lines = [
            f"• {escape(i.number)}: {Money(owed[i.number], i.balance.currency).format()} due {i.due_date.isoformat()}"
            for i in open_items[:15]
        ]
        more = f"\n…and {len(open_items) - 15} more" if len(open_items) > 15 else ""
        blocks.append(section("*Open invoices*\n" + "\n".join(lines) + more))
    if history:
        blocks.append(section("*Last activity*\n" + "\n".join(activity_line(a, account.timezone) for a in history)))
    else:
        blocks.append(context("No activity yet."))
    return blocks[:MAX_BLOCKS]


def next_action_text(account: Account) -> str:
    """What happens next on the account, in the debtor's time where there is a time."""
    action = account.next_action
    if action == "reminder" and account.next_action_at:
        return f"Next reminder {local_time(account.next_action_at, account.timezone)}"
    texts = {
        None: "Nothing is owed: no reminders",
        "promise": "Reminders paused: a promise to pay is open",
        "plan": "Reminders paused: a payment plan is active",
        "review": "Reminders stopped for review: `/collect resume <id>` restarts them",
        "call": "The reminder cadence is done: call the debtor",
    }
    text = texts.get(action) or f"Reminders stopped ({action})"
    if account.follow_up:
        text += f" · :rotating_light: {escape(account.follow_up)}"
    return text


def worklist_blocks(rows: list[tuple[Account, str]], collector: str) -> list[Block]:
    """Header, then a section (account and its call-now note) and its buttons a row, within Slack's 50 blocks
    and the ~13k characters of block text a message may carry in all (rows stop at MAX_WORKLIST_TEXT)."""
    if not rows:
        return [section(f"<@{collector}>, nothing to work right now.")]
    blocks: list[Block] = [header(f"Worklist · {len(rows)} accounts")]
    used = 0
    for rank, (account, note) in enumerate(rows[:MAX_WORKLIST_ROWS], start=1):
        text = _clip(
            f"*{rank}. {escape(account.debtor)}* · `{escape(account.account_id)}` · {escape(account.creditor)}\n"
            f"{account.balance_text()} · oldest due {account.oldest_due or '—'} · {note}"
            + (f"\n:rotating_light: {escape(account.follow_up)}" if account.follow_up else ""),
            MAX_ROW_TEXT,
        )
        buttons = account_buttons(account_ref(account), f"row-{rank}", with_account=True)
        used += len(text) + (3 * len(account_ref(account)) if buttons else 0)  # button values travel too
        if used > MAX_WORKLIST_TEXT:
            break
        blocks += [section(text), buttons] if buttons else [section(text)]
    blocks.append(
        context("Calls are checked against the contact rules as of now; use `/collect can-call <id>` before dialing.")
    )
    return blocks


MAX_LOCATE_ROWS = MAX_BLOCKS - 2  # a section a row, plus header and context


def locate_title(shown: int, more: bool) -> str:
    """How many the locate queue shows: all of it, or the longest waiting of a longer queue."""
    return f"the {shown} waiting longest (more are waiting)" if more else count(shown, "account")


def locate_blocks(rows: list[tuple[Account, str]], collector: str, reveal_pii: bool, more: bool = False) -> list[Block]:
    """The locate queue, longest waiting first: each account with what is missing, since when, whose it is and
    (to authorized users: it may name an address) why; then how to add what was found. `more`: the queue is longer
    than the rows shown."""
    if not rows:
        return [section(f"<@{collector}>, no account of yours or the pool's needs locating.")]
    blocks: list[Block] = [header(f"Locate queue · {locate_title(len(rows), more)}")]
    used = 0
    for rank, (account, need) in enumerate(rows[:MAX_LOCATE_ROWS], start=1):
        flag = account.flags.get("needs_locate") or {}
        since, reason = str(flag.get("since") or "")[:10] or "—", str(flag.get("reason") or "")
        whose = "yours" if account.collector == collector else "pool"
        text = _clip(
            f"*{rank}. {escape(account.debtor)}* · `{escape(account_ref(account))}` · {whose}\n"
            f"no usable {need} since {since} · {account.balance_text()}"
            + (f" · {escape(reason)}" if reason and reveal_pii else ""),
            MAX_ROW_TEXT,
        )
        used += len(text)
        if used > MAX_WORKLIST_TEXT:
            break
        blocks.append(section(text))
    blocks.append(context("Found a number or an address? `/collect contact <id> phone|email <value> "
                          "consumer|skip-trace` adds it, and the account leaves this queue."))  # fmt: skip
    return blocks


def decision_text(
    decision: str, explanation: str, until: datetime | None, rules: tuple[str, ...], tz: str | None
) -> str:
    when = f" Next allowed: *{local_time(until, tz)}*." if until else ""
    rule_text = f" Rules: `{' '.join(rules)}`." if rules else ""
    icon = {"ALLOW": ":white_check_mark:", "DEFER": ":hourglass:", "REVIEW": ":mag:", "BLOCK": ":no_entry:"}
    return f"{icon.get(decision, '')} *{decision}*: {explanation}{when}{rule_text}"

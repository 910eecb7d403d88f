"""Use case shared by reminders, Slack and plans: check a contact with the compliance engine and keep the proof."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from shared.db import activity as activity_repo
from shared.db import creditors as creditor_repo
from shared.domain.accounts import Account, Activity
from shared.domain.compliance import Decision, evaluate
from shared.domain.contact_check import ProposedContact, build_check
from shared.domain.errors import ConflictError
from shared.domain.settings import contact_policy
from shared.ports import Accounts
from shared.writes import save_account

HISTORY_DAYS = 60  # covers 7-in-7, the 30-day TCPA count and the validation period


@dataclass(frozen=True)
class Checked:
    """A decision together with the account version it was made against."""

    account: Account
    decision: Decision
    decision_id: str
    debt_ids: tuple[str, ...] = ()  # the debts the contact is about: the proposal's, else every open invoice


def check_contact(account: Account, proposed: ProposedContact, recipient: str = "consumer") -> Checked:
    """Evaluate `proposed` against the account's invoices, recent history and its creditor's policy."""
    history = activity_repo.query_contacts_since(account.key, proposed.at - timedelta(days=HISTORY_DAYS))
    policy = contact_policy(creditor_repo.get_policy(account.creditor))
    check = build_check(account, history, proposed, policy)
    check["proposed"]["recipient_role"] = recipient
    decision = evaluate(check)
    return Checked(account, decision, uuid.uuid4().hex[:12], tuple(check["proposed"]["debt_ids"]))


def decision_activity(checked: Checked, proposed: ProposedContact, actor: str) -> Activity:
    """The activity entry that keeps a decision: rule ids, version, explanation, the contact it was about."""
    d = checked.decision
    return Activity(
        at=proposed.at,
        kind="compliance",
        actor=actor,
        id=checked.decision_id,
        summary=f"{d.decision} {proposed.channel}: {d.explanation}",
        channel=proposed.channel,
        debt_ids=checked.debt_ids,
        rules=tuple(d.rules),
        data={
            "decision": d.decision,
            "until": d.to_json().get("until"),
            "rules_version": d.rules_version,
            "automated": proposed.automated,
        },
    )


def log_decision(checked: Checked, proposed: ProposedContact, actor: str) -> None:
    activity_repo.append_activities([(checked.account.key, decision_activity(checked, proposed, actor))])


def contact_activity(
    checked: Checked, proposed: ProposedContact, actor: str, outcome: str, summary: str, extra: dict[str, Any]
) -> Activity:
    return Activity(
        at=proposed.at,
        kind="contact",
        actor=actor,
        summary=summary,
        channel=proposed.channel,
        direction="outbound",
        outcome=outcome,
        debt_ids=checked.debt_ids,
        rules=tuple(checked.decision.rules),
        data={
            "to": proposed.to,
            "automated": proposed.automated,
            "decision_id": checked.decision_id,
            "purpose": proposed.purpose,
            "decision": checked.decision.decision,
        }
        | extra,
    )


def record_checked_contact(
    accounts: Accounts, checked: Checked, proposed: ProposedContact, contact: Activity, updated: Account, caller: Any
) -> Account | None:
    """Keep the decision and the contact with the account as the contact left it, in one write conditioned on
    the version the check read: when another contact was recorded meanwhile, ConflictError tells the caller to
    check again. None when the Slack request (`caller.request_id`) was recorded before (nothing written)."""
    if checked.account.version is None:
        raise ConflictError(f"account {checked.account.key} has no version to check against")
    entries = [decision_activity(checked, proposed, caller.user_id), contact]
    once = f"REQ#{caller.request_id}" if caller.request_id else None
    return save_account(accounts, replace(updated, version=checked.account.version), proposed.at, entries, once)


def keep_contact(checked: Checked, proposed: ProposedContact, contact: Activity, actor: str) -> None:
    """Append a contact that already happened (an automated send) with its decision, unconditionally."""
    entries = [decision_activity(checked, proposed, actor), contact]
    activity_repo.append_activities((checked.account.key, entry) for entry in entries)


def last_decisions(account_key: str, limit: int = 5) -> list[Activity]:
    return activity_repo.query_activity(account_key, limit=limit, kinds=frozenset({"compliance"}))

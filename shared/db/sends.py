"""Repository of reminder send attempts (the step's `SEND#<oldest due>#<step>` marker, now with a state), of the
provider events recorded against them (`ATTEMPT#<attempt id>` / `EVENT#<kind>`) and of the accounts each number was
texted for (`TEXTED#<number>` / `ACCT#<account key>`: a STOP reply names only the number), and of the texts the
provider accepted (`SMSMSG#<message id>` / `TEXT`: a delivery report names only the message id)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PynamoDBException

from shared.db import keys
from shared.db.activity import activity_item
from shared.db.errors import code_of
from shared.db.models import ActivityItem, MarkerItem
from shared.db.transact import MARKER_TTL, Cancelled, Transaction
from shared.domain.accounts import CONTACT, Activity
from shared.domain.errors import ConflictError, UpstreamUnavailableError
from shared.domain.sends import SENT, DeliveryEvent, SendAttempt, SentText, answers_lost_text
from shared.domain.texts import e164


def _sk(step: str) -> str:
    return f"SEND#{step}"


def _marker(attempt: SendAttempt) -> MarkerItem:
    data = {
        "state": attempt.state,
        "tries": attempt.tries,
        "channel": attempt.channel,
        "attempt_id": attempt.id,
        "message_id": attempt.message_id,
        "error": attempt.error,
    }
    pk = keys.account_pk(attempt.account_key)
    return MarkerItem(pk, _sk(attempt.step), at=attempt.at, data=data, expires_at=attempt.at + MARKER_TTL)


def _texted(attempt: SendAttempt, activities: Sequence[Activity]) -> MarkerItem | None:
    """For a text, the pointer from its number (its contact record's `to`) to the account, kept 400 days from the
    latest text; written with the claim, so a reply to a text whose response was lost still finds the account."""
    number = next((a.data.get("to") for a in activities if a.kind == CONTACT and a.channel == "sms"), None)
    if attempt.channel != "sms" or not number:
        return None
    pk, sk = f"TEXTED#{e164(number)}", keys.account_pk(attempt.account_key)
    # The latest text's step and attempt too: a delivery report of a text whose response was lost finds it so.
    data = {"account_key": attempt.account_key, "step": attempt.step, "attempt_id": attempt.id}
    return MarkerItem(pk, sk, at=attempt.at, data=data, expires_at=attempt.at + MARKER_TTL)


SENT_TEXT = "SMSMSG#"


def _sent_text(attempt: SendAttempt, to: object) -> MarkerItem | None:
    """For a text the provider accepted, the pointer from its message id to the attempt: its delivery report,
    which names only the message id, finds the contact record and the number by it (kept as long as the attempt)."""
    if attempt.channel != "sms" or attempt.state != SENT or not attempt.message_id or not isinstance(to, str):
        return None
    data = {"account_key": attempt.account_key, "attempt_id": attempt.id, "to": e164(to)}
    return MarkerItem(f"{SENT_TEXT}{attempt.message_id}", "TEXT", at=attempt.at, data=data,
                      expires_at=attempt.at + MARKER_TTL)  # fmt: skip


def _attempt(account_key: str, step: str, item: MarkerItem) -> SendAttempt:
    """A marker written before attempts had a state was only ever kept for a step that was sent."""
    data: dict[str, Any] = item.data or {}
    return SendAttempt(
        account_key,
        step,
        item.at,
        str(data.get("channel", "email")),
        int(data.get("tries", 1)),
        str(data.get("state", SENT)),
        data.get("message_id"),
        data.get("error"),
    )


class DynamoSendLog:
    """The SendLog port on the table: a claim is one transaction (marker, decision, contact)."""

    def attempt(self, account_key: str, step: str) -> SendAttempt | None:
        try:
            item = MarkerItem.get(keys.account_pk(account_key), _sk(step), consistent_read=True)
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise UpstreamUnavailableError("DynamoDB could not read the send attempt") from exc
        return _attempt(account_key, step, item)

    def claim(self, attempt: SendAttempt, previous: SendAttempt | None, activities: Sequence[Activity]) -> bool:
        tx = Transaction()
        only_if = MarkerItem.pk.does_not_exist() if previous is None else MarkerItem.at == previous.at
        tx.put("attempt", _marker(attempt), only_if)
        for n, activity in enumerate(activities):
            tx.put(f"activity-{n}", activity_item(attempt.account_key, activity, n))
        texted = _texted(attempt, activities)
        if texted is not None:
            tx.put("texted", texted)  # no condition: a later text of the same number only moves its expiry on
        try:
            tx.commit()
        except Cancelled:
            return False
        return True

    def settle(self, attempt: SendAttempt) -> None:
        """Conditioned on the attempt still being the step's latest; ConflictError when a newer try replaced it."""
        tx = Transaction()
        tx.put("attempt", _marker(attempt), MarkerItem.at == attempt.at)
        contact = self._contact(attempt)
        if contact is not None:
            if "delivery" not in (contact.data or {}):  # a text's delivery report, kept first, says more
                contact.outcome = attempt.state
            contact.data = (contact.data or {}) | {"message_id": attempt.message_id, "error": attempt.error}
            tx.put("contact", contact)
            sent = _sent_text(attempt, contact.data.get("to"))
            if sent is not None:
                tx.put("sent-text", sent)  # the same text settled again writes the same item
        try:
            tx.commit()
        except Cancelled as exc:
            raise ConflictError(f"a newer send attempt replaced {attempt.id}") from exc

    @classmethod
    def _contact(cls, attempt: SendAttempt) -> ActivityItem | None:
        return cls._contact_at(attempt.account_key, attempt.at, attempt.id)

    @staticmethod
    def _contact_at(account_key: str, at: datetime, attempt_id: str) -> ActivityItem | None:
        pk, sk = keys.account_pk(account_key), keys.activity_sk(at, attempt_id)
        try:
            return ActivityItem.get(pk, sk, consistent_read=True)
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise UpstreamUnavailableError("DynamoDB could not read the contact record") from exc

    def record_event(self, event: DeliveryEvent) -> None:
        item = MarkerItem(
            f"ATTEMPT#{event.attempt_id}",
            f"EVENT#{event.kind}",
            at=event.at,
            data={"message_id": event.message_id},
            expires_at=event.at + MARKER_TTL,
        )
        try:
            item.save()
        except PynamoDBException as exc:
            raise UpstreamUnavailableError("DynamoDB could not record the delivery event") from exc

    def events(self, attempt_id: str) -> list[DeliveryEvent]:
        try:
            items = list(
                MarkerItem.query(f"ATTEMPT#{attempt_id}", MarkerItem.sk.startswith("EVENT#"), consistent_read=True)
            )
        except PynamoDBException as exc:
            raise UpstreamUnavailableError("DynamoDB could not read delivery events") from exc
        return [DeliveryEvent(attempt_id, i.sk.removeprefix("EVENT#"), i.at, str(i.data["message_id"])) for i in items]

    def sent_text(self, message_id: str) -> SentText | None:
        try:
            item = MarkerItem.get(f"{SENT_TEXT}{message_id}", "TEXT", consistent_read=True)
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise UpstreamUnavailableError("DynamoDB could not read the sent text") from exc
        data: dict[str, Any] = item.data or {}
        return SentText(message_id, str(data["account_key"]), str(data["attempt_id"]), item.at, str(data["to"]))

    def lost_text(self, number: str, reported_at: datetime) -> SentText | None:
        """One Query of the number's `TEXTED#` pointers (each names its account's latest text), then a consistent
        read of each candidate's attempt."""
        found = []
        for item in self._pointers(number):
            data: dict[str, Any] = item.data or {}
            if "step" not in data:
                continue  # a pointer written before it named its text
            attempt = self.attempt(str(data["account_key"]), str(data["step"]))
            if attempt is not None and attempt.id == data.get("attempt_id") and answers_lost_text(attempt, reported_at):
                found.append(SentText("", attempt.account_key, attempt.id, attempt.at, e164(number)))
        return found[0] if len(found) == 1 else None

    def text_delivery(self, text: SentText, outcome: str, response: str) -> bool:
        """A read and a write of the contact record, conditioned on it still being there."""
        contact = self._contact_at(text.account_key, text.at, text.attempt_id)
        if contact is None or contact.outcome == outcome:
            return False
        contact.outcome = outcome
        contact.data = (contact.data or {}) | {"delivery": response}
        try:
            contact.save(condition=ActivityItem.sk.exists())
        except PynamoDBException as exc:
            if code_of(exc) == "ConditionalCheckFailedException":
                return False  # gone (retention) since it was read
            raise UpstreamUnavailableError("DynamoDB could not record the text's delivery") from exc
        return True

    def accounts_texted(self, number: str) -> list[str]:
        """Keys of the accounts whose reminders texted `number` in the last 400 days (one Query, consistent)."""
        return [str(i.data["account_key"]) for i in self._pointers(number)]

    @staticmethod
    def _pointers(number: str) -> list[MarkerItem]:
        """The number's `TEXTED#` pointers, one an account (what `_texted` writes), read consistently."""
        try:
            return list(MarkerItem.query(f"TEXTED#{e164(number)}", MarkerItem.sk.startswith("ACCT#"),
                                         consistent_read=True))  # fmt: skip
        except PynamoDBException as exc:
            raise UpstreamUnavailableError("DynamoDB could not read the accounts a number was texted for") from exc

"""Turn the SCHEMA `input` object into a typed Check, dropping every fact timed after `proposed.at`."""

from __future__ import annotations

from typing import Any

from shared.domain.compliance import model as m
from shared.domain.compliance.fields import (
    Reader,
    as_bool,
    as_choice,
    as_dict,
    as_ids,
    as_list,
    as_number,
    as_str,
    optional_date,
    optional_instant,
    parse_hhmm,
    parse_instant,
    parse_zone,
)
from shared.domain.compliance.flags import parse_flags
from shared.domain.compliance.policy import WEEKDAYS, parse_policy
from shared.domain.compliance.timezones import phone_zones
from shared.domain.errors import InvalidInputError


def parse_check(raw: Any) -> m.Check:
    check = as_dict(raw, "input")
    proposed = parse_proposed(as_dict(check.get("proposed"), "proposed"))
    reader = Reader(proposed.at)
    account = parse_account(as_dict(check.get("account"), "account"), reader)
    history = tuple(
        event
        for i, item in enumerate(as_list(check.get("history"), "history"))
        if (event := parse_event(as_dict(item, f"history[{i}]"), f"history[{i}]")).at <= proposed.at
    )
    return m.Check(account=account, history=history, proposed=proposed, policy=parse_policy(check.get("policy")))


def parse_proposed(p: dict[str, Any]) -> m.Proposed:
    if p.get("at") is None:
        raise InvalidInputError("proposed.at: is required")
    return m.Proposed(
        at=parse_instant(p.get("at"), "proposed.at"),
        channel=as_choice(p.get("channel"), "proposed.channel", m.CHANNELS),
        to=normalize(as_str(p.get("to"), "proposed.to")),
        debt_ids=as_ids(p.get("debt_ids"), "proposed.debt_ids") or frozenset(),
        automated=as_bool(p.get("automated"), "proposed.automated"),
        prerecorded=as_bool(p.get("prerecorded_voice"), "proposed.prerecorded_voice"),
        role=as_choice(p.get("recipient_role"), "proposed.recipient_role", m.ROLES, "consumer"),
        purpose=as_choice(p.get("purpose"), "proposed.purpose", m.PURPOSES, "collection"),
        in_reply_to=p.get("in_reply_to") and as_str(p.get("in_reply_to"), "proposed.in_reply_to"),
        content=parse_content(as_dict(p.get("content_flags"), "proposed.content_flags")),
        overrides=tuple(
            m.Override(
                rule=as_str(o.get("rule"), f"proposed.overrides[{i}].rule"),
                expires_at=optional_instant(o.get("expires_at"), f"proposed.overrides[{i}].expires_at"),
            )
            for i, o in enumerate(
                as_dict(x, "proposed.overrides[]") for x in as_list(p.get("overrides"), "proposed.overrides")
            )
        ),
    )


def parse_content(c: dict[str, Any]) -> m.Content:
    f = "proposed.content_flags"
    return m.Content(
        mini_miranda=as_choice(
            c.get("mini_miranda"), f"{f}.mini_miranda", frozenset({"full", "short", "none"}), "none"
        ),
        opt_out_notice=as_bool(c.get("has_opt_out_notice"), f"{f}.has_opt_out_notice"),
        opt_out_needs_login_or_fee=as_bool(
            c.get("opt_out_requires_login_or_fee"), f"{f}.opt_out_requires_login_or_fee"
        ),
        lcm_only=as_bool(c.get("lcm_only"), f"{f}.lcm_only"),
        mentions_debt=as_bool(c.get("mentions_debt"), f"{f}.mentions_debt"),
        mentions_lawsuit=as_bool(c.get("mentions_lawsuit"), f"{f}.mentions_lawsuit"),
        payment_deadline=optional_date(c.get("payment_deadline"), f"{f}.payment_deadline"),
        interest_rate_pct=as_number(c.get("interest_rate_stated_pct"), f"{f}.interest_rate_stated_pct"),
        time_barred_disclosure=as_bool(c.get("time_barred_disclosure"), f"{f}.time_barred_disclosure"),
    )


def normalize(address: str) -> str:
    """Compare phone numbers digit by digit and e-mail addresses case-insensitively."""
    stripped = address.strip()
    if stripped.startswith("+"):
        return "+" + "".join(ch for ch in stripped if ch.isdigit())
    return stripped.lower() if "@" in stripped else stripped


def parse_event(e: dict[str, Any], f: str) -> m.Event:
    inbound = as_choice(e.get("direction"), f"{f}.direction", frozenset({"inbound", "outbound"})) == "inbound"
    return m.Event(
        id=as_str(e.get("id"), f"{f}.id"),
        at=parse_instant(e.get("at"), f"{f}.at"),
        channel=as_choice(e.get("channel"), f"{f}.channel", m.CHANNELS),
        inbound=inbound,
        debt_ids=as_ids(e.get("debt_ids"), f"{f}.debt_ids") or frozenset(),
        outcome=as_str(e.get("outcome"), f"{f}.outcome"),
        party=normalize(as_str(e.get("from" if inbound else "to"), f"{f}.to")),
        automated=as_bool(e.get("automated"), f"{f}.automated"),
        prerecorded=as_bool(e.get("prerecorded_voice"), f"{f}.prerecorded_voice"),
        role=as_str(e.get("recipient_role"), f"{f}.recipient_role", "consumer"),
        purpose=as_str(e.get("purpose"), f"{f}.purpose", "collection"),
        consent_excluded=as_bool(e.get("consent_excluded"), f"{f}.consent_excluded"),
        in_reply_to=e.get("in_reply_to") and as_str(e.get("in_reply_to"), f"{f}.in_reply_to"),
    )


def parse_account(a: dict[str, Any], r: Reader) -> m.Account:
    jurisdiction = as_dict(a.get("jurisdiction"), "account.jurisdiction")
    debtor = as_dict(a.get("debtor"), "account.debtor")
    address = as_dict(a.get("address"), "account.address")
    zone = address.get("timezone")
    return m.Account(
        id=as_str(a.get("id"), "account.id"),
        commercial=as_choice(a.get("type"), "account.type", frozenset({"consumer", "commercial"})) == "commercial",
        third_party=as_choice(
            a.get("collector_role"), "account.collector_role", frozenset({"third_party", "first_party"}), "third_party"
        )
        == "third_party",
        state=jurisdiction.get("state") or address.get("state"),
        city=jurisdiction.get("city"),
        natural_person=as_bool(debtor.get("natural_person"), "account.debtor.natural_person")
        or as_bool(debtor.get("guarantor_natural_person"), "account.debtor.guarantor_natural_person"),
        address_zone=parse_zone(zone, "account.address.timezone").key if zone is not None else None,
        debts=tuple(
            parse_debt(as_dict(d, f"account.debts[{i}]"), f"account.debts[{i}]", r)
            for i, d in enumerate(as_list(a.get("debts"), "account.debts"))
        ),
        flags=parse_flags(as_dict(a.get("flags"), "account.flags"), r),
        phones=tuple(
            parse_phone(as_dict(p, f"account.phones[{i}]"), f"account.phones[{i}]", r)
            for i, p in enumerate(as_list(a.get("phones"), "account.phones"))
        ),
        emails=tuple(
            parse_email(as_dict(e, f"account.emails[{i}]"), f"account.emails[{i}]", r)
            for i, e in enumerate(as_list(a.get("emails"), "account.emails"))
        ),
        prefs=parse_prefs(as_dict(a.get("preferences"), "account.preferences"), r),
    )


def parse_debt(d: dict[str, Any], f: str, r: Reader) -> m.Debt:
    notice = as_dict(d.get("validation_notice"), f"{f}.validation_notice")
    return m.Debt(
        id=as_str(d.get("id"), f"{f}.id"),
        creditor=as_str(d.get("creditor"), f"{f}.creditor"),
        balance=as_number(d.get("balance"), f"{f}.balance"),
        originated_on=optional_date(d.get("originated_on"), f"{f}.originated_on"),
        sol_expires_on=optional_date(d.get("sol_expires_on"), f"{f}.sol_expires_on"),
        initial_communication_at=r.happened(d, "initial_communication_at", f),
        vn_sent_at=r.happened(notice, "sent_at", f"{f}.validation_notice"),
    )


def parse_phone(p: dict[str, Any], f: str, r: Reader) -> m.Phone:
    number = normalize(as_str(p.get("number"), f"{f}.number"))
    given = p.get("timezones")
    zones = (
        tuple(parse_zone(z, f"{f}.timezones[{i}]").key for i, z in enumerate(as_list(given, f"{f}.timezones")))
        if given is not None
        else phone_zones(number)
    )
    consent = as_dict(p.get("tcpa_consent"), f"{f}.tcpa_consent")
    return m.Phone(
        number=number,
        type=as_str(p.get("type"), f"{f}.type", "cell"),
        zones=zones,
        source=as_str(p.get("source"), f"{f}.source"),
        consent_at=r.happened(consent, "given_at", f"{f}.tcpa_consent"),
        consent_revoked_at=r.happened(consent, "revoked_at", f"{f}.tcpa_consent"),
        opted_out_at=r.happened(p, "opted_out_at", f),
        voicemail_private=as_bool(p.get("voicemail_private_verified"), f"{f}.voicemail_private_verified"),
        reassigned=as_dict(p.get("reassigned_check"), f"{f}.reassigned_check").get("result"),
    )


def parse_email(e: dict[str, Any], f: str, r: Reader) -> m.Email:
    return m.Email(
        address=normalize(as_str(e.get("address"), f"{f}.address")),
        work=as_bool(e.get("work_email"), f"{f}.work_email"),
        source=as_str(e.get("source"), f"{f}.source"),
        opted_out_at=r.happened(e, "opted_out_at", f),
        written_consent_at=r.happened(e, "written_consent_at", f),
    )


def parse_time_pref(t: dict[str, Any], f: str) -> m.TimePref:
    days = t.get("days")
    zone = t.get("timezone")
    return m.TimePref(
        start=parse_hhmm(t.get("start"), f"{f}.start"),
        end=parse_hhmm(t.get("end"), f"{f}.end"),
        days=None
        if days is None
        else frozenset(
            WEEKDAYS.index(as_choice(d, f"{f}.days[]", frozenset(WEEKDAYS))) for d in as_list(days, f"{f}.days")
        ),
        start_on=optional_date(t.get("from"), f"{f}.from"),
        end_on=optional_date(t.get("until"), f"{f}.until"),
        channels=as_ids(t.get("channels"), f"{f}.channels"),
        zone=None if zone is None else parse_zone(zone, f"{f}.timezone").key,
    )


def parse_prefs(p: dict[str, Any], r: Reader) -> m.Preferences:
    f = "account.preferences"
    times = [
        (as_dict(t, f"{f}.inconvenient_times[{i}]"), i) for i, t in enumerate(as_list(p.get("inconvenient_times"), f))
    ]
    places = [as_dict(x, f"{f}.inconvenient_places[]") for x in as_list(p.get("inconvenient_places"), f)]
    blocks = [as_dict(x, f"{f}.no_contact_channels[]") for x in as_list(p.get("no_contact_channels"), f)]
    locations = [as_dict(x, f"{f}.known_locations[]") for x in as_list(p.get("known_locations"), f)]
    consents = [as_dict(x, f"{f}.consents[]") for x in as_list(p.get("consents"), f)]
    return m.Preferences(
        times=tuple(
            parse_time_pref(t, f"{f}.inconvenient_times[{i}]") for t, i in times if _captured(t, r, "captured_at")
        ),
        no_work=any(x.get("place") == "work" and _captured(x, r, "requested_at") for x in places),
        no_contact=tuple(
            m.NoContact(channel=as_str(x.get("channel"), f"{f}.no_contact_channels[].channel"), to=_to(x.get("to")))
            for x in blocks
            if _captured(x, r, "requested_at")
        ),
        locations=tuple(parse_location(x) for x in locations if _captured(x, r, "captured_at")),
        consents=tuple(parse_consent(x) for x in consents if _captured(x, r, "given_at")),
    )


def parse_location(x: dict[str, Any]) -> m.KnownLocation:
    f = "account.preferences.known_locations[]"
    return m.KnownLocation(
        zone=parse_zone(x.get("timezone"), f"{f}.timezone").key,
        start_on=optional_date(x.get("from"), f"{f}.from"),
        end_on=optional_date(x.get("until"), f"{f}.until"),
    )


def parse_consent(x: dict[str, Any]) -> m.Consent:
    f = "account.preferences.consents[]"
    return m.Consent(
        channels=as_ids(x.get("channels"), f"{f}.channels") or frozenset(),
        start=optional_instant(x.get("from"), f"{f}.from"),
        end=optional_instant(x.get("until"), f"{f}.until"),
        debt_ids=as_ids(x.get("debt_ids"), f"{f}.debt_ids"),
    )


def _to(value: Any) -> str | None:
    return normalize(value) if isinstance(value, str) and value else None


def _captured(raw: dict[str, Any], r: Reader, key: str) -> bool:
    """Preferences without a capture time count; those captured after the as-of instant do not."""
    value = raw.get(key)
    return value is None or r.known(value, key) is not None

"""Parse the account's status flags (cease, attorney, bankruptcy, deceased, SCRA, disputes) as of an instant."""

from __future__ import annotations

from typing import Any

from shared.domain.compliance import model as m
from shared.domain.compliance.fields import (
    Reader,
    as_bool,
    as_dict,
    as_ids,
    as_list,
    as_number,
    as_str,
    optional_date,
)

F = "account.flags"


def parse_flags(raw: dict[str, Any], r: Reader) -> m.Flags:
    employer = as_dict(raw.get("employer_prohibits_contact"), f"{F}.employer_prohibits_contact")
    return m.Flags(
        cease=parse_cease(as_dict(raw.get("cease"), f"{F}.cease"), r),
        attorney=parse_attorney(as_dict(raw.get("attorney"), f"{F}.attorney"), r),
        bankruptcy=parse_bankruptcy(as_dict(raw.get("bankruptcy"), f"{F}.bankruptcy"), r),
        deceased=parse_deceased(as_dict(raw.get("deceased"), f"{F}.deceased"), r),
        servicemember=parse_servicemember(as_dict(raw.get("servicemember"), f"{F}.servicemember")),
        employer_prohibits=bool(employer)
        and (employer.get("known_at") is None or r.happened(employer, "known_at", F) is not None),
        disputes=parse_holds(raw.get("disputes"), f"{F}.disputes", "verification_sent_at", r),
        oc_requests=parse_holds(
            raw.get("original_creditor_requests"), f"{F}.original_creditor_requests", "fulfilled_at", r
        ),
    )


def parse_cease(c: dict[str, Any], r: Reader) -> m.Cease | None:
    received = r.happened(c, "received_at", f"{F}.cease") if c else None
    if received is None:
        return None
    return m.Cease(
        received_at=received,
        written=as_bool(c.get("written"), f"{F}.cease.written"),
        debt_ids=as_ids(c.get("debt_ids"), f"{F}.cease.debt_ids"),
    )


def parse_attorney(a: dict[str, Any], r: Reader) -> m.Attorney | None:
    f = f"{F}.attorney"
    represented = r.happened(a, "represented_at", f) if a else None
    if represented is None:
        return None
    return m.Attorney(
        represented_at=represented,
        debt_ids=as_ids(a.get("debt_ids"), f"{f}.debt_ids"),
        identified=bool(a.get("name")) and bool(a.get("address")),
        contacted_at=r.happened(a, "collector_contacted_attorney_at", f),
        responded_at=r.happened(a, "attorney_responded_at", f),
        consents_direct=as_bool(a.get("consents_to_direct_contact"), f"{f}.consents_to_direct_contact"),
    )


def parse_bankruptcy(b: dict[str, Any], r: Reader) -> m.Bankruptcy | None:
    f = f"{F}.bankruptcy"
    if not b:
        return None
    notice = b.get("notice_received_at")
    filed = optional_date(b.get("filed_at"), f"{f}.filed_at")
    if notice is not None and r.happened(b, "notice_received_at", f) is None:
        return None
    if notice is None and (filed is None or filed > r.at.date()):
        return None
    chapter = as_number(b.get("chapter"), f"{f}.chapter")
    return m.Bankruptcy(
        chapter=None if chapter is None else int(chapter),
        filed_on=filed,
        status=as_str(b.get("status"), f"{f}.status", "open"),
    )


def parse_deceased(d: dict[str, Any], r: Reader) -> m.Deceased | None:
    f = f"{F}.deceased"
    if not d or r.happened(d, "notice_received_at", f) is None:
        return None
    representative = as_dict(d.get("representative"), f"{f}.representative")
    return m.Deceased(
        date_of_death=optional_date(d.get("date_of_death"), f"{f}.date_of_death"),
        representative_verified=bool(representative)
        and as_bool(representative.get("verified"), f"{f}.representative.verified"),
    )


def parse_servicemember(s: dict[str, Any]) -> m.Servicemember | None:
    f = f"{F}.servicemember"
    if not s:
        return None
    return m.Servicemember(
        active_duty=as_bool(s.get("active_duty"), f"{f}.active_duty"),
        since=optional_date(s.get("since"), f"{f}.since"),
        until=optional_date(s.get("until"), f"{f}.until"),
    )


def parse_holds(raw: Any, f: str, closed_key: str, r: Reader) -> tuple[m.Hold, ...]:
    holds = []
    for i, item in enumerate(as_list(raw, f)):
        h = as_dict(item, f"{f}[{i}]")
        received = r.happened(h, "received_at", f"{f}[{i}]")
        if received is None:
            continue
        holds.append(
            m.Hold(
                debt_id=as_str(h.get("debt_id"), f"{f}[{i}].debt_id"),
                received_at=received,
                written=as_bool(h.get("written"), f"{f}[{i}].written"),
                closed_at=r.happened(h, closed_key, f"{f}[{i}]"),
            )
        )
    return tuple(holds)

"""Who in an HTCDS case file is protected.

**Victims are protected by default** (:func:`person_facts`,
:func:`protected_marking`, :func:`row_marking`): everything a victim's rows
produce — or a minor's, or anyone's who went through victim screening — is
marked with the most restrictive marking the collection allows.

(A file cannot write onto another organisation's entity either: the load loop
signs every id with the loading organisation's namespace,
:mod:`gugus.ingest.namespace`.)  See docs/htcds.md ("Victims are protected by
default", "gugus_entity_id").
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gugus.errors import InvalidInput
from gugus.ingest.htcds_fields import GUGUS_MARKING, PERPETRATOR, VICTIM
from gugus.model.markings import TLP, Marking, combine

if TYPE_CHECKING:
    from gugus.ingest.htcds import Context, Row

__all__ = [
    "Facts",
    "person_facts",
    "protected_marking",
    "row_marking",
]

VICTIM_STATUS = {"PossibleVictimOfTrafficking", "ActualVictimOfTrafficking"}
_NOT_VICTIM_CONTEXT = {"vic_TraffickingStatus", "vic_TraffickingStatusDecisionMakingOrg"}
# Migration status "separated or unaccompanied child" (no field of its own in 2.0).
_UNACCOMPANIED = re.compile(
    r"\bunaccompanied\b|\bseparated\s+(child|minor)|\bno\s+acompa[nñ]ad[oa]s?\b", re.IGNORECASE
)


# -- who is protected ----------------------------------------------------------------
@dataclass
class Facts:
    """What all rows of one person say about them."""

    roles: set[str]
    protected: bool
    minor: bool
    name: str | None


def person_facts(rows: list[Row], today: dt.date, name: str | None = None) -> Facts:
    """Roles, protection and minority of one person over all their rows."""
    roles: set[str] = set()
    values: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        roles |= row.roles
        for code, vals in row.values.items():
            values[code].extend(vals)
    status = set(values.get("vic_TraffickingStatus", []))
    context = any(c.startswith("vic_") and c not in _NOT_VICTIM_CONTEXT for c in values)
    if status & VICTIM_STATUS or (context and not status):
        roles.add(VICTIM)
    if any(c.startswith("per_") for c in values):
        roles.add(PERPETRATOR)
    minor = _minor(values, rows, today)
    protected = VICTIM in roles or minor or any(c.startswith("vic_") for c in values)
    return Facts(roles, protected, minor, name)


def _minor(values: dict[str, list[str]], rows: list[Row], today: dt.date) -> bool:
    """Under 18: at the earliest case or event date (today when none), at the
    latest birth date a partial date allows; or when trafficked; or described
    as an unaccompanied / separated child."""
    for age in values.get("vic_AgeWhenTrafficked", []):
        if float(age) < 18:
            return True
    if any(_UNACCOMPANIED.search(text) for row in rows for text in row.raw.values()):
        return True
    dates = [
        _earliest(v)
        for code in ("cas_IncomingReferralDate", "cas_OutgoingReferralDate", "hte_Date")
        for v in values.get(code, [])
    ]
    reference = min([d for d in dates if d] or [today])
    for birth in values.get("prs_Birthdate", []):
        latest = _latest(birth)
        if latest is not None and reference < _add_years(latest, 18):
            return True
    return False


def _earliest(value: str) -> dt.date | None:
    parts = value[:10].split("-")
    try:
        return dt.date(
            int(parts[0]),
            int(parts[1]) if len(parts) > 1 else 1,
            int(parts[2]) if len(parts) > 2 else 1,
        )
    except (ValueError, IndexError):
        return None


def _latest(value: str) -> dt.date | None:
    parts = value[:10].split("-")
    try:
        year = int(parts[0])
        if len(parts) == 1:
            return dt.date(year, 12, 31)
        month = int(parts[1])
        if len(parts) == 2:
            following = dt.date(year + month // 12, month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date(year, month, int(parts[2]))
    except ValueError:
        return None


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, month=3, day=1)


def protected_marking(base: Marking, *, minor: bool = False) -> Marking:
    """The most restrictive marking a collection with marking ``base`` allows
    for a victim's (or minor's) data.

    TLP:AMBER+STRICT with no release-to list (only the originating
    organisation), the collection's handling codes plus H2 (no onward
    dissemination without permission) and, for minors, H1 (not for court
    without permission).  A TLP:RED collection stays RED with its named
    recipients (who are already its only readers) and gains the same codes.
    """
    extra = {"H2", "H1"} if minor else {"H2"}
    if base.tlp is TLP.RED:
        marking = Marking.build(
            TLP.RED,
            base.originator,
            base.handling | extra,
            base.handling_text,
            base.release_to,
            base.recipients,
            base.purpose,
        )
    else:
        marking = Marking.build(
            TLP.AMBER_STRICT,
            base.originator,
            base.handling | extra,
            base.handling_text,
            None,
            None,
            base.purpose,
        )
    problems = marking.loosening_against(base)
    if problems:  # cannot happen; a guard, not a policy
        raise InvalidInput(f"victim marking would loosen the collection's: {'; '.join(problems)}")
    return marking


def row_marking(ctx: Context, row: Row, facts: Facts) -> dict | None:
    """The marking of everything a row produces, as a dict for ParsedEntity
    (None: the collection's).  A gugus_marking cell can only tighten it."""
    marking = protected_marking(ctx.base, minor=facts.minor) if facts.protected else ctx.base
    if row.marking is not None:
        given = Marking.from_dict(row.marking, ctx.org, where=f"{row.where} ({GUGUS_MARKING})")
        marking = combine([marking, given]) or marking
    return None if marking == ctx.base else marking.to_dict()

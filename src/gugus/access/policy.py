"""The visibility policy: the one function that decides who sees a statement.

Every read path (entity, search, export, audit listing, and everything built
later) asks this module; handlers never decide visibility themselves.  Each
decision carries a reason, which the audit log stores.

Rules (DESIGN.md, issue #2):
- the originating organisation sees its own statements (markings restrict what
  goes beyond the originator);
- TLP:CLEAR: every organisation of the node;
- TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT: the organisations on the release-to list;
- TLP:RED: only the users named on the marking (and only while their
  organisation is on the release-to list, so a derived product that named a
  user on one input cannot reach an organisation another input excluded).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gugus.errors import Msg
from gugus.model.markings import TLP, Marking
from gugus.model.roles import Role


@dataclass(frozen=True, slots=True)
class Reader:
    """Who is asking: a user of an organisation with a role.

    ``via`` says who actually acts when it is not the user themself (the node's
    operator reading ``--as`` a user on the command line: "cli-operator").  The
    audit log records it; visibility never depends on it, and it is not part of
    equality or hashing, so a Reader stays one cache key whoever acts.
    """

    username: str
    org: str
    role: Role
    user_id: int | None = None
    via: str | None = field(default=None, compare=False)

    def audit_detail(self, detail: dict | None = None) -> dict:
        """``detail`` for an audit record of this reader's action, naming
        ``via`` when someone acts for the user."""
        detail = dict(detail or {})
        if self.via is not None:
            detail["via"] = self.via
        return detail


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def decide(reader: Reader, marking: Marking) -> Decision:
    if marking.originator is not None and reader.org == marking.originator:
        return Decision(True, f"originator {marking.originator}")
    level = f"TLP:{marking.tlp.value.upper()}"
    if marking.tlp is TLP.CLEAR:
        return Decision(True, f"{level}: every organisation")
    if marking.tlp is TLP.RED:
        if reader.username not in marking.recipients:
            return Decision(False, f"{level}: {reader.username} is not a named recipient")
        if reader.org not in marking.release_to:
            return Decision(
                False, f"{level}: {reader.username} is named but {reader.org} is not released to"
            )
        return Decision(True, f"{level}: {reader.username} is a named recipient")
    if reader.org in marking.release_to:
        return Decision(True, f"{level}: released to {reader.org}")
    return Decision(False, f"{level}: not released to {reader.org}")


def names_read(marking: Marking) -> frozenset[str]:
    """The reader names :func:`decide` reads for this marking: a reader whose
    name is not among them gets the decision of every reader of its
    organisation.  (Grants rely on this; the property tests check it.)"""
    return marking.recipients


def may_see(reader: Reader, marking: Marking) -> bool:
    return decide(reader, marking).allowed


def audit_orgs(reader: Reader) -> tuple[Decision, frozenset[str]]:
    """Whose audit records a reader may list: a supervisor, those of its own
    organisation; nobody else any."""
    if reader.role is Role.SUPERVISOR:
        return Decision(True, f"supervisor of {reader.org}"), frozenset({reader.org})
    return Decision(False, f"role {reader.role.value} may not read the audit trail"), frozenset()


def load_decision(reader: Reader, collection: str, org: str) -> Decision:
    """Whether a reader may load into ``collection`` of organisation ``org``
    (a collection it may not see is refused before, as missing): analysts
    and liaison officers, into their own organisation's collections."""
    if reader.org != org:
        return Decision(
            False,
            Msg(
                "%(user)s (%(user_org)s) may not load into %(collection)r of %(org)s",
                user=reader.username,
                user_org=reader.org,
                collection=collection,
                org=org,
            ),
        )
    if not reader.role.may_load:
        return Decision(False, Msg("role %(role)s may not load data", role=reader.role.value))
    return Decision(True, f"{reader.role.value} of {org}")


def notice_reach(reader: Reader) -> Decision:
    """Which hit notices a reader may list: those addressed to the reader
    always; allowed here, also every notice addressed to its organisation and
    every mirror notice about its organisation's records (liaison officers
    decide what to release after a hit; supervisors oversee it)."""
    if reader.role in (Role.LIAISON, Role.SUPERVISOR):
        return Decision(True, f"{reader.role.value} of {reader.org}")
    return Decision(False, f"role {reader.role.value}: only notices addressed to {reader.username}")

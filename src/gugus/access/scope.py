"""Read scopes and grants: what one reader may see, in a form SQL can join.

Visibility depends only on a marking's *audience* — its TLP level,
originator, release-to list and named recipients (:func:`audience`); purpose
and handling text never change who may see it.  The store keeps, per stored
audience, the *grants* computed here from :func:`decide`:

- ``org:CODE`` — every reader of the organisation sees it whatever their name;
- ``user:CODE:NAME`` — the named reader of that organisation sees it although
  the organisation as a whole does not (a TLP:RED recipient).

A :class:`ReadScope` carries the reader's two grantee keys, so a read filters
on a join with the grants (two bound values) however many markings exist.
The store never decides visibility: it only stores and joins what
:func:`grants` answered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from gugus.access.policy import Decision, Reader, decide, names_read
from gugus.model.markings import Marking
from gugus.model.roles import Role

_TOKEN = object()

# A reader name no user can have (user names start with a letter or digit):
# its decision is the one every unnamed reader of an organisation gets.
_UNNAMED = "\x00unnamed"


def org_grantee(org: str) -> str:
    return f"org:{org}"


def user_grantee(org: str, username: str) -> str:
    return f"user:{org}:{username}"


def grantees(reader: Reader) -> tuple[str, str]:
    """The grant keys a reader reads with: its organisation's and its own."""
    return org_grantee(reader.org), user_grantee(reader.org, reader.username)


def audience(marking: Marking) -> Marking:
    """The part of a marking that decides who sees it (purpose and handling
    dropped): markings with the same audience share their grants."""
    return Marking(
        tlp=marking.tlp,
        originator=marking.originator,
        release_to=marking.release_to,
        recipients=marking.recipients,
    )


def org_decision(org: str, marking: Marking) -> Decision:
    """What :func:`decide` answers every reader of ``org`` whom the marking
    does not name: whether something may go to the organisation as a whole
    (a file made for a partner)."""
    return decide(Reader(_UNNAMED, org, Role.ANALYST), marking)


def grants(
    marking: Marking, orgs: Iterable[str], users: Iterable[tuple[str, str, str]]
) -> set[str]:
    """The grantee keys of a marking, by asking :func:`decide`.

    ``orgs`` are organisation codes, ``users`` (name, organisation, role)
    triples.  An organisation is granted what :func:`decide` allows a reader
    of it whom the marking does not name; a user, what it allows that user
    beyond their organisation's grant (only names the policy reads can
    differ, :func:`names_read`).
    """
    out = set()
    for org in orgs:
        if decide(Reader(_UNNAMED, org, Role.ANALYST), marking).allowed:
            out.add(org_grantee(org))
    named = names_read(marking)
    for username, org, role in users:
        if username not in named:
            continue
        allowed = decide(Reader(username, org, Role(role)), marking).allowed
        if org_grantee(org) in out:
            if not allowed:  # grants only add: a policy that denies one member cannot be joined
                raise RuntimeError("the policy denies a named reader what their organisation sees")
        elif allowed:
            out.add(user_grantee(org, username))
    return out


@dataclass(frozen=True)
class ReadScope:
    """What one reader may see: the reader's grantee keys for SQL, and
    :meth:`allows` for a single stored marking in Python."""

    reader: Reader
    grantees: tuple[str, ...]
    _lookup: Callable[[int], Marking | None] = field(repr=False, compare=False, default=None)
    _token: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._token is not _TOKEN:
            raise TypeError("ReadScope is made by gugus.access.scope_for only")

    def allows(self, marking_id: int) -> bool:
        """Whether the stored marking ``marking_id`` is visible (False for an
        id that is not stored)."""
        marking = self._lookup(marking_id)
        return marking is not None and decide(self.reader, marking).allowed


def scope_for(reader: Reader, lookup: Callable[[int], Marking | None]) -> ReadScope:
    """The reader's scope; ``lookup`` finds a stored marking by id (None if absent)."""
    return ReadScope(reader, grantees(reader), lookup, _TOKEN)

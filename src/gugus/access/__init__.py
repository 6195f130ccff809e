"""gugus.access — the one place that decides visibility.

``decide`` answers for one marking with a reason; ``ReadScope`` is what every
read path of the store requires: the reader's grant keys, joined in SQL with
the grants computed here from ``decide`` and nowhere else.
"""

from gugus.access.policy import (
    Decision,
    Reader,
    audit_orgs,
    decide,
    load_decision,
    may_see,
    names_read,
    notice_reach,
)
from gugus.access.scope import (
    ReadScope,
    audience,
    grantees,
    grants,
    org_decision,
    org_grantee,
    scope_for,
    user_grantee,
)

__all__ = [
    "Decision",
    "ReadScope",
    "Reader",
    "audience",
    "audit_orgs",
    "decide",
    "grantees",
    "grants",
    "load_decision",
    "may_see",
    "names_read",
    "org_decision",
    "notice_reach",
    "org_grantee",
    "scope_for",
    "user_grantee",
]

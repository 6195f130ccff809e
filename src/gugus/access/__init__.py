"""gugus.access — the one place that decides visibility.

``decide`` answers for one marking with a reason; ``ReadScope`` is what every
read path of the store requires: the set of stored markings a reader may see,
computed here from ``decide`` and nowhere else.
"""

from gugus.access.policy import Decision, Reader, audit_orgs, decide, may_see
from gugus.access.scope import ReadScope, scope_for

__all__ = ["Decision", "ReadScope", "Reader", "audit_orgs", "decide", "may_see", "scope_for"]

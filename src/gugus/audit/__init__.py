"""gugus.audit — append-only, keyed and anchored hash-chained audit log."""

from gugus.audit.chain import AuditEvent, VerifyResult, verify
from gugus.audit.keys import NodeKey
from gugus.audit.trail import AuditTrail

__all__ = ["AuditEvent", "AuditTrail", "NodeKey", "VerifyResult", "verify"]

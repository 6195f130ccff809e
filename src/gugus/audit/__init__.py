"""gugus.audit — append-only, hash-chained audit log."""

from gugus.audit.chain import AuditEvent, VerifyResult, record, verify
from gugus.audit.trail import AuditTrail

__all__ = ["AuditEvent", "AuditTrail", "VerifyResult", "record", "verify"]

"""gugus.audit — append-only, hash-chained audit log."""

from gugus.audit.chain import AuditEvent, VerifyResult, record, verify

__all__ = ["AuditEvent", "VerifyResult", "record", "verify"]

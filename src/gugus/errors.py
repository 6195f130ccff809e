"""The one exception hierarchy of gugus.

    GugusError                 user-facing message + HTTP status
    ├── InvalidInput           400 bad input (names the file, line or field)
    ├── AuthError              401 unknown user, wrong password, bad/expired token
    ├── Forbidden              403 authenticated but not allowed
    ├── NotFound               404 unknown (or invisible) object
    ├── Conflict               409 already exists
    ├── IntegrityFailure       500 the audit chain or the store is damaged
    ├── StoreUnavailable       503 the database is busy or unreachable (try again)
    └── StorageFull            507 the disk holding the database is full

The API renders every GugusError in one JSON envelope; the CLI prints the same
message and exits non-zero.  Library errors are translated at the boundary
(``raise InvalidInput(...) from exc``); database and file-system errors are
translated once, in :func:`gugus.store.faults.translate`.
"""

from __future__ import annotations


class GugusError(Exception):
    status = 500
    code = "error"

    def __init__(self, message: str, *, details: list[dict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def to_dict(self) -> dict:
        out: dict = {"error": {"code": self.code, "message": self.message}}
        if self.details:
            out["error"]["details"] = self.details
        return out


class InvalidInput(GugusError):
    status = 400
    code = "invalid_input"


class AuthError(GugusError):
    status = 401
    code = "unauthorized"


class Forbidden(GugusError):
    status = 403
    code = "forbidden"


class NotFound(GugusError):
    status = 404
    code = "not_found"


class Conflict(GugusError):
    status = 409
    code = "conflict"


class IntegrityFailure(GugusError):
    status = 500
    code = "integrity_failure"


class StoreUnavailable(GugusError):
    """Busy or unreachable storage: a retry later may succeed (HTTP 503 with
    ``Retry-After``)."""

    status = 503
    code = "unavailable"
    retry_after = 5  # seconds


class StorageFull(GugusError):
    status = 507
    code = "storage_full"
    retry_after = 60

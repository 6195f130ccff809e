"""Roles of users on a gugus node."""

from __future__ import annotations

from enum import StrEnum

from gugus.errors import InvalidInput


class Role(StrEnum):
    ANALYST = "analyst"  # reads what the policy allows; loads into its organisation's collections
    LIAISON = "liaison"  # as analyst; later releases data and answers requests
    SUPERVISOR = "supervisor"  # reads the audit trail of its organisation
    ADMIN = "admin"  # organisations, users, collections

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            allowed = ", ".join(r.value for r in cls)
            raise InvalidInput(f"role: unknown role {value!r} (allowed: {allowed})") from None

    @property
    def may_load(self) -> bool:
        return self in (Role.ANALYST, Role.LIAISON)

    @property
    def may_read_audit(self) -> bool:
        return self is Role.SUPERVISOR

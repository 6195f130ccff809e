"""Markings: TLP 2.0 level + handling codes + release-to list + originator + purpose.

A marking travels with every statement.  This module only *describes* markings
(validation, ordering, combination); who may see what is decided in
:mod:`gugus.access` alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from gugus.errors import InvalidInput, Msg


class TLP(StrEnum):
    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"

    @property
    def rank(self) -> int:
        return _TLP_ORDER.index(self)

    @classmethod
    def parse(cls, value: str, *, field_name: str = "tlp") -> TLP:
        text = str(value).strip().lower().removeprefix("tlp:").strip().replace("_", "+")
        if text == "white":  # TLP 1.0 name of CLEAR
            text = "clear"
        try:
            return cls(text)
        except ValueError:
            allowed = ", ".join(t.value for t in cls)
            raise InvalidInput(
                Msg(
                    "%(field)s: unknown TLP level %(value)r (allowed: %(allowed)s)",
                    field=field_name,
                    value=value,
                    allowed=allowed,
                )
            ) from None


_TLP_ORDER = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]

HANDLING_CODES = {
    "H0": "law enforcement use only",
    "H1": "not to be used in court without the originator's permission",
    "H2": "no onward dissemination without the originator's permission",
    "H3": "other restrictions (see text)",
}


def field_of(where: str, name: str) -> Msg:
    """``where.name``: a field of a marking given at ``where`` (itself a Msg
    or text), kept a message so that a page can translate ``where``."""
    return Msg("%(where)s.%(name)s", where=where, name=name)


def _codes(values: Iterable[str] | str | None, field_name: str) -> frozenset[str]:
    if values is None:
        return frozenset()
    if isinstance(values, str):
        values = [v for v in values.replace(";", ",").split(",")]
    if not isinstance(values, (list, tuple, set, frozenset)):
        raise InvalidInput(
            Msg(
                "%(field)s: expected a list of codes, got %(kind)s",
                field=field_name,
                kind=type(values).__name__,
            )
        )
    out = set()
    for raw in values:
        code = str(raw).strip().upper()
        if not code:
            continue
        if code not in HANDLING_CODES:
            raise InvalidInput(
                Msg(
                    "%(field)s: unknown handling code %(code)r (allowed: H0, H1, H2, H3)",
                    field=field_name,
                    code=raw,
                )
            )
        out.add(code)
    return frozenset(out)


def _names(values: Iterable[str] | str | None, field_name: str) -> frozenset[str]:
    if values is None:
        return frozenset()
    if isinstance(values, str):
        values = values.split(",")
    if not isinstance(values, (list, tuple, set, frozenset)):
        raise InvalidInput(
            Msg(
                "%(field)s: expected a list of names, got %(kind)s",
                field=field_name,
                kind=type(values).__name__,
            )
        )
    out = set()
    for value in values:
        if not isinstance(value, str):
            raise InvalidInput(
                Msg("%(field)s: %(value)r is not a name", field=field_name, value=value)
            )
        if value.strip():
            out.add(value.strip())
    return frozenset(out)


@dataclass(frozen=True)
class Marking:
    tlp: TLP
    originator: str | None
    handling: frozenset[str] = frozenset()
    handling_text: str | None = None
    release_to: frozenset[str] = frozenset()
    recipients: frozenset[str] = frozenset()
    purpose: str | None = None
    _key: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        if "H3" in self.handling and not (self.handling_text or "").strip():
            raise InvalidInput(
                Msg("%(field)s: handling code H3 needs a text", field="marking.handling_text")
            )
        if self.tlp is TLP.RED and not self.recipients:
            raise InvalidInput(
                Msg(
                    "%(field)s: TLP:RED needs at least one named recipient",
                    field="marking.recipients",
                )
            )
        if self.tlp is not TLP.RED and self.recipients:
            raise InvalidInput(
                Msg(
                    "%(field)s: named recipients are only used with TLP:RED",
                    field="marking.recipients",
                )
            )
        if self.originator and self.originator in self.release_to:
            object.__setattr__(self, "release_to", self.release_to - {self.originator})
        object.__setattr__(self, "_key", json.dumps(self.to_dict(), sort_keys=True))

    # -- construction ---------------------------------------------------------
    @classmethod
    def build(
        cls,
        tlp: str | TLP,
        originator: str | None,
        handling: Iterable[str] | str | None = None,
        handling_text: str | None = None,
        release_to: Iterable[str] | str | None = None,
        recipients: Iterable[str] | str | None = None,
        purpose: str | None = None,
        *,
        where: str = "marking",
    ) -> Marking:
        level = tlp if isinstance(tlp, TLP) else TLP.parse(tlp, field_name=field_of(where, "tlp"))
        try:
            return cls(
                tlp=level,
                originator=originator,
                handling=_codes(handling, field_of(where, "handling")),
                handling_text=(handling_text or None) and str(handling_text).strip(),
                release_to=_names(release_to, field_of(where, "release_to")),
                recipients=_names(recipients, field_of(where, "recipients")),
                purpose=(purpose or None) and str(purpose).strip(),
            )
        except InvalidInput as exc:
            # Errors raised by __post_init__ say "marking."; name the caller's field.
            message = exc.message
            named = message.params.get("field") if isinstance(message, Msg) else None
            if where != "marking" and isinstance(named, str) and named.startswith("marking."):
                message = message.with_params(field=field_of(where, named.removeprefix("marking.")))
            raise InvalidInput(message) from None

    @classmethod
    def from_dict(cls, data: Mapping, originator: str | None, *, where: str = "marking") -> Marking:
        if not isinstance(data, Mapping):
            raise InvalidInput(
                Msg(
                    "%(where)s: expected an object, got %(kind)s",
                    where=where,
                    kind=type(data).__name__,
                )
            )
        unknown = set(data) - {
            "tlp",
            "handling",
            "handling_text",
            "release_to",
            "recipients",
            "purpose",
            "originator",
        }
        if unknown:
            raise InvalidInput(
                Msg(
                    "%(where)s: unknown field(s) %(fields)s",
                    where=where,
                    fields=", ".join(sorted(map(str, unknown))),
                )
            )
        if "tlp" not in data:
            raise InvalidInput(Msg("%(field)s: missing", field=field_of(where, "tlp")))
        given = data.get("originator")
        if given and originator and given != originator:
            raise InvalidInput(
                Msg(
                    "%(field)s: %(given)r is not the collection's organisation %(org)r",
                    field=field_of(where, "originator"),
                    given=given,
                    org=originator,
                )
            )
        return cls.build(
            data["tlp"],
            originator or given,
            data.get("handling"),
            data.get("handling_text"),
            data.get("release_to"),
            data.get("recipients"),
            data.get("purpose"),
            where=where,
        )

    def to_dict(self) -> dict:
        return {
            "tlp": self.tlp.value,
            "handling": sorted(self.handling),
            "handling_text": self.handling_text,
            "release_to": sorted(self.release_to),
            "recipients": sorted(self.recipients),
            "originator": self.originator,
            "purpose": self.purpose,
        }

    @property
    def key(self) -> str:
        """Canonical text, used to store each distinct marking once."""
        return self._key

    def label(self) -> str:
        parts = [f"TLP:{self.tlp.value.upper()}"]
        parts += sorted(self.handling)
        if self.release_to:
            parts.append("REL TO " + ",".join(sorted(self.release_to)))
        return " ".join(parts)

    # -- ordering -------------------------------------------------------------
    def loosening_against(self, base: Marking) -> list[str]:
        """Why this marking is *looser* than ``base`` (empty list: it is not).

        A statement may be marked more restrictively than its collection, never
        more loosely.
        """
        problems = []
        if self.originator != base.originator:
            problems.append(
                Msg(
                    "originator %(given)r differs from %(base)r",
                    given=self.originator,
                    base=base.originator,
                )
            )
        if self.tlp.rank < base.tlp.rank:
            problems.append(
                Msg(
                    "TLP:%(tlp)s is looser than TLP:%(base)s",
                    tlp=self.tlp.value.upper(),
                    base=base.tlp.value.upper(),
                )
            )
        missing = base.handling - self.handling
        if missing:
            problems.append(
                Msg("handling code(s) %(codes)s dropped", codes=", ".join(sorted(missing)))
            )
        if (
            "H3" in base.handling
            and base.handling_text
            and base.handling_text not in (self.handling_text or "")
        ):
            problems.append(Msg("H3 handling text dropped"))
        if base.tlp is not TLP.CLEAR:
            extra = self.release_to - base.release_to
            if extra:
                problems.append(Msg("release_to adds %(orgs)s", orgs=", ".join(sorted(extra))))
        if base.tlp is TLP.RED:
            extra = self.recipients - base.recipients
            if extra:
                problems.append(Msg("recipients add %(users)s", users=", ".join(sorted(extra))))
        return problems

    def is_at_least_as_restrictive_as(self, base: Marking) -> bool:
        return not self.loosening_against(base)


def combine(markings: Iterable[Marking]) -> Marking | None:
    """The most restrictive marking of several inputs: what a derived product carries.

    Conservative: anyone who may see the result may see every input.
    """
    items = list(dict.fromkeys(markings))
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    originators = {m.originator for m in items}
    originator = originators.pop() if len(originators) == 1 else None
    tlp = max((m.tlp for m in items), key=lambda t: t.rank)
    handling = frozenset().union(*(m.handling for m in items))
    texts = sorted({m.handling_text for m in items if m.handling_text})
    # Audience of each input, as organisations: its release-to list plus, when
    # the result has no single originator, the input's own originator.
    audience: frozenset[str] | None = None
    for m in items:
        if m.tlp is TLP.CLEAR:
            continue
        orgs = m.release_to | ({m.originator} if originator is None and m.originator else set())
        audience = orgs if audience is None else audience & orgs
    if audience is None:
        audience = frozenset().union(*(m.release_to for m in items))
    recipients: frozenset[str] | None = None
    for m in items:
        if m.tlp is TLP.RED:
            recipients = m.recipients if recipients is None else recipients & m.recipients
    if tlp is TLP.RED and not recipients:
        # Nobody outside the originator is named on every RED input.
        recipients = frozenset({"-"})
    purposes = sorted({m.purpose for m in items if m.purpose})
    return Marking(
        tlp=tlp,
        originator=originator,
        handling=handling,
        handling_text="; ".join(texts) or None,
        release_to=audience - ({originator} if originator else set()),
        recipients=recipients or frozenset(),
        purpose="; ".join(purposes) or None,
    )

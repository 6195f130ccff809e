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

from gugus.errors import InvalidInput


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
                f"{field_name}: unknown TLP level {value!r} (allowed: {allowed})"
            ) from None


_TLP_ORDER = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]

HANDLING_CODES = {
    "H0": "law enforcement use only",
    "H1": "not to be used in court without the originator's permission",
    "H2": "no onward dissemination without the originator's permission",
    "H3": "other restrictions (see text)",
}


def _codes(values: Iterable[str] | str | None, field_name: str) -> frozenset[str]:
    if values is None:
        return frozenset()
    if isinstance(values, str):
        values = [v for v in values.replace(";", ",").split(",")]
    if not isinstance(values, (list, tuple, set, frozenset)):
        raise InvalidInput(f"{field_name}: expected a list of codes, got {type(values).__name__}")
    out = set()
    for raw in values:
        code = str(raw).strip().upper()
        if not code:
            continue
        if code not in HANDLING_CODES:
            raise InvalidInput(
                f"{field_name}: unknown handling code {raw!r} (allowed: H0, H1, H2, H3)"
            )
        out.add(code)
    return frozenset(out)


def _names(values: Iterable[str] | str | None, field_name: str) -> frozenset[str]:
    if values is None:
        return frozenset()
    if isinstance(values, str):
        values = values.split(",")
    if not isinstance(values, (list, tuple, set, frozenset)):
        raise InvalidInput(f"{field_name}: expected a list of names, got {type(values).__name__}")
    out = set()
    for value in values:
        if not isinstance(value, str):
            raise InvalidInput(f"{field_name}: {value!r} is not a name")
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
            raise InvalidInput("marking.handling_text: handling code H3 needs a text")
        if self.tlp is TLP.RED and not self.recipients:
            raise InvalidInput("marking.recipients: TLP:RED needs at least one named recipient")
        if self.tlp is not TLP.RED and self.recipients:
            raise InvalidInput("marking.recipients: named recipients are only used with TLP:RED")
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
        level = tlp if isinstance(tlp, TLP) else TLP.parse(tlp, field_name=f"{where}.tlp")
        try:
            return cls(
                tlp=level,
                originator=originator,
                handling=_codes(handling, f"{where}.handling"),
                handling_text=(handling_text or None) and str(handling_text).strip(),
                release_to=_names(release_to, f"{where}.release_to"),
                recipients=_names(recipients, f"{where}.recipients"),
                purpose=(purpose or None) and str(purpose).strip(),
            )
        except InvalidInput as exc:
            # Errors raised by __post_init__ say "marking."; name the caller's field.
            message = exc.message
            if message.startswith("marking.") and where != "marking":
                message = where + message.removeprefix("marking")
            raise InvalidInput(message) from None

    @classmethod
    def from_dict(cls, data: Mapping, originator: str | None, *, where: str = "marking") -> Marking:
        if not isinstance(data, Mapping):
            raise InvalidInput(f"{where}: expected an object, got {type(data).__name__}")
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
            raise InvalidInput(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        if "tlp" not in data:
            raise InvalidInput(f"{where}.tlp: missing")
        given = data.get("originator")
        if given and originator and given != originator:
            raise InvalidInput(
                f"{where}.originator: {given!r} is not the collection's organisation {originator!r}"
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
            problems.append(f"originator {self.originator!r} differs from {base.originator!r}")
        if self.tlp.rank < base.tlp.rank:
            problems.append(
                f"TLP:{self.tlp.value.upper()} is looser than TLP:{base.tlp.value.upper()}"
            )
        missing = base.handling - self.handling
        if missing:
            problems.append(f"handling code(s) {', '.join(sorted(missing))} dropped")
        if (
            "H3" in base.handling
            and base.handling_text
            and base.handling_text not in (self.handling_text or "")
        ):
            problems.append("H3 handling text dropped")
        if base.tlp is not TLP.CLEAR:
            extra = self.release_to - base.release_to
            if extra:
                problems.append(f"release_to adds {', '.join(sorted(extra))}")
        if base.tlp is TLP.RED:
            extra = self.recipients - base.recipients
            if extra:
                problems.append(f"recipients add {', '.join(sorted(extra))}")
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

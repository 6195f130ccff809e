"""The child-protection case file in IOM's HTCDS 2.0 layout.

SNDIF keeps its cases the way the Human Trafficking Case Data Standard lays
them out (``shared/reference/HTCDS Excel Spreadsheet v2.0.xlsx``): one sheet,
field codes in row 1 (``prs_FirstName`` …), labels in row 2, one person per
row from row 3.  ``gugus_entity_id`` carries the world's entity id so the
importer keeps it (cross-referencing is scored against those ids);
``gugus_role`` says who is a victim and ``gugus_marking`` carries the row's
marking, which the importer applies (combined with its own protection of
victims' and minors' data, so it can only end up stricter).

HTCDS has no paternal/maternal surname split, so the SNDIF also keeps its
nominal register (``padron-nna.csv``, a mapped table holding every property);
the case file adds the standard's victim and case context (trafficking
status, recruitment, control, exploitation, referral).  Rows are grouped by
marking like every other file; each group's load in the manifest repeats its
marking.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path
from random import Random

import openpyxl
import orjson

from gugus.demo.agencies import REF, START
from gugus.demo.files.tables import group_word, marking_key
from gugus.ingest.htcds_fields import render_marking
from gugus.model.markings import Marking

FILE = "expedientes-htcds"
# (field code, label) in sheet order; the codes and labels are the standard's
FIELDS = (
    ("gugus_entity_id", "gugus: entity id"),
    ("gugus_role", "gugus: role"),
    ("gugus_marking", "gugus: marking"),
    ("cas_CaseOwner", "Case Owner"),
    ("prs_FirstName", "First Name"),
    ("prs_SecondName", "Second Name"),
    ("prs_Birthdate", "Birthdate"),
    ("prs_Gender", "Gender"),
    ("prs_Citizenship", "Citizenship"),
    ("prs_IdentityNumber", "Identity Number"),
    ("prs_MobilePhone", "Mobile Phone"),
    ("prs_HomePhone", "Home Phone"),
    ("prs_Email", "Email"),
    ("prs_MailingStreet", "Mailing Street"),
    ("vic_TraffickingStatus", "Trafficking Status"),
    ("vic_TraffickingStatusDecisionMakingOrg", "Trafficking Status Decision Making Organization"),
    ("vic_MethodOfRecruitment", "Method of Recruitment"),
    ("vic_LocationOfRecruitment", "Location of Recruitment"),
    ("vic_MethodsOfControl", "Methods of Control"),
    ("vic_TypeOfExploitation", "Type of Exploitation"),
    ("cas_Status", "Status"),
    ("cas_ReferringOrganisation", "Referring Organisation"),
    ("cas_IncomingReferralDate", "Incoming Referral Date"),
    ("cas_ReasonForIncomingReferral", "Reason for Incoming Referral"),
    ("cas_IncomingReferralDetails", "Incoming Referral Details"),
)
CODES = [code for code, _ in FIELDS]
_GENDER = {"female": "Feminine", "male": "Masculine"}
_RECRUIT = (
    "ThroughFriendsOrSocialEvents",
    "ThroughOnlineSocialNetworks",
    "ThroughFamilyOrFamilyEvents",
    "ThroughAnOnlineAdvertisement",
)
_CONTROL = (
    "DebtBondage",
    "WithholdsDocuments",
    "ThreatsLawEnforcement",
    "ThreatensChildrenFamily",
    "FalsePromises",
    "PsychologicalAbuse",
)
_EXPLOIT = ("SexualExploitation", "ForcedLabour", "ChildLabour", "ForcedBegging")
_ORIGIN = {"gt": "Guatemala", "hn": "Honduras", "sv": "El Salvador", "mx": "México"}


def victims_of_networks(world_dir: Path, collection: str) -> dict[str, str]:
    """Entity id in ``collection`` → origin country, for every network victim it holds."""
    out = {}
    with open(world_dir / "truth" / "networks.jsonl", "rb") as handle:
        for line in handle:
            net = orjson.loads(line)
            for victim in net["victims"]:
                for coll, eid in victim["entities"]:
                    if coll == collection:
                        out[eid] = net["route"][0]
    return out


def case_row(obj: dict, origin: str | None, seed: int, marking: str | None) -> list:
    """One HTCDS row for a Person entity (``marking`` as a gugus_marking cell); the
    case context is seeded by the entity id."""
    props = obj["properties"]
    rng = Random(hashlib.sha256(f"{seed}:htcds:{obj['id']}".encode()).digest())

    def first(prop: str) -> str | None:
        return (props.get(prop) or [None])[0]

    surnames = " ".join(props.get("fatherName", []) + props.get("motherName", []))
    phones = props.get("phone", [])
    birth = first("birthDate")
    referred = dt.date.fromordinal(START + int(rng.random() * (REF - START)))
    if origin is not None:  # a rescued child victim of a planted network
        status, decided = "ActualVictimOfTrafficking", "CourtOrProsecution"
        recruit = rng.choice(_RECRUIT)
        where = _ORIGIN.get(origin, origin.upper())
        control = ";".join(sorted(rng.sample(_CONTROL, 2)))
        exploit = rng.choice(_EXPLOIT)
        referrer, reason = "FGR — FEVIMTRA", "AdditionalServicesRequired"
        details = "Rescatada/o en operativo; canalizada/o por el Ministerio Público."
    else:  # a migrant child screened after an INM presentation
        possible = rng.random() < 0.1
        status = "PossibleVictimOfTrafficking" if possible else "NotAVictimOfTrafficking"
        decided = "NonPoliceGovernmentalOrganization"
        recruit = where = control = exploit = None
        referrer, reason = "INM", "MigrationOrChangeOfLocation"
        details = "NNA migrante presentada/o por el INM; valoración inicial de riesgos."
    values = {
        "gugus_entity_id": obj["id"],
        "gugus_role": "victim" if origin is not None else None,
        "gugus_marking": marking,
        "cas_CaseOwner": "sofia.dif",
        "prs_FirstName": first("firstName"),
        "prs_SecondName": surnames or first("lastName"),
        "prs_Birthdate": dt.date.fromisoformat(birth) if birth and len(birth) == 10 else birth,
        "prs_Gender": _GENDER.get(first("gender") or ""),
        "prs_Citizenship": ";".join(c.upper() for c in props.get("nationality", [])) or None,
        "prs_IdentityNumber": first("idNumber"),
        "prs_MobilePhone": phones[0] if phones else None,
        "prs_HomePhone": phones[1] if len(phones) > 1 else None,
        "prs_Email": first("email"),
        "prs_MailingStreet": first("address"),
        "vic_TraffickingStatus": status,
        "vic_TraffickingStatusDecisionMakingOrg": decided,
        "vic_MethodOfRecruitment": recruit,
        "vic_LocationOfRecruitment": where,
        "vic_MethodsOfControl": control,
        "vic_TypeOfExploitation": exploit,
        "cas_Status": rng.choice(("Active", "Active", "FollowUp", "ClosedReferred")),
        "cas_ReferringOrganisation": referrer,
        "cas_IncomingReferralDate": referred,
        "cas_ReasonForIncomingReferral": reason,
        "cas_IncomingReferralDetails": details,
    }
    return [values[code] for code in CODES]


def _persons(path: Path) -> Iterator[dict]:
    with open(path, "rb") as handle:
        for line in handle:
            obj = orjson.loads(line)
            if obj["schema"] == "Person":
                yield obj


def marking_cell(marking: dict | None, org: str) -> str | None:
    """A marking as the HTCDS importer reads a ``gugus_marking`` cell."""
    if marking is None:
        return None
    return render_marking(Marking.from_dict(marking, org, where="marking"))


def write_htcds(world_dir: Path, collection: dict, out_dir: Path, lang: str, seed: int) -> list:
    """One HTCDS workbook per marking group of the collection's persons; their loads."""
    name = collection["name"]
    org = collection.get("org")
    victims = victims_of_networks(world_dir, name)
    books: dict[str | None, tuple[Path, openpyxl.Workbook, object, dict | None]] = {}
    for obj in _persons(world_dir / collection["file"]):
        marking = obj.get("marking")
        key = marking_key(marking)
        if key not in books:
            stem = FILE if marking is None else f"{FILE}-{group_word(name, marking, lang)}"
            book = openpyxl.Workbook(write_only=True)
            sheet = book.create_sheet("Sheet1")
            sheet.append(CODES)
            sheet.append([label for _, label in FIELDS])
            books[key] = (out_dir / f"{stem}.xlsx", book, sheet, marking)
        cell = marking_cell(marking, org)
        books[key][2].append(case_row(obj, victims.get(obj["id"]), seed, cell))
    loads = []
    for key in sorted(books, key=lambda k: k or ""):
        path, book, _, marking = books[key]
        book.save(path)
        loads.append(
            {
                "path": str(path.relative_to(world_dir)),
                "mapping": None,
                "format": "htcds",
                "marking": marking,
            }
        )
    return loads

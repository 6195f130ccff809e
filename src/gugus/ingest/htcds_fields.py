"""The IOM HTCDS 2.0 field table and where each field lives in FollowTheMoney.

The field list (codes, labels, types, picklist values) is IOM's *HTCDS Field
Standards 2.0* (CC BY 4.0), extracted to ``data/htcds_fields.csv``; this module
adds, for each field, the entity it belongs to and the FtM property that holds
it, so the importer (:mod:`gugus.ingest.htcds`) and the exporter
(:mod:`gugus.htcds_export`) read one table and cannot drift apart.

A field either maps to a property of its own (``prop``), or is kept as a
*tag*: the text ``"<code>: <value>"`` in ``keywords`` (``notes`` for long
text) of its entity, which the exporter turns back into the column.  Fields
that share a property with another field (two phones, two languages) or whose
FtM value loses detail (gender) are kept both ways.  See docs/htcds.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import math
import re
import shlex
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from followthemoney.types import registry

from gugus.errors import InvalidInput, Msg
from gugus.model.markings import Marking

DATA = Path(__file__).parent / "data" / "htcds_fields.csv"

# -- where each field lives ---------------------------------------------------
# Targets (one entity each per row): person, mailing (the person's Address),
# case (CourtCase), event (hte_ Event), place (the event's Address), org
# (Organization of the org_ fields), org_place (its Address), per_org
# (Organization named by per_Organisation, linked by Membership), vic_event (an
# Event per vic_LocationOf… value).
SECTION_TARGET = {
    "org_": "org",
    "prs_": "person",
    "vic_": "person",
    "per_": "person",
    "con_": "person",
    "cas_": "case",
    "cco_": "case",
    "spl_": "case",
    "hte_": "event",
}

TARGET_SCHEMA = {
    "person": "Person",
    "mailing": "Address",
    "case": "CourtCase",
    "event": "Event",
    "place": "Address",
    "org": "Organization",
    "org_place": "Address",
    "per_org": "Organization",
    "vic_event": "Event",
}

_ADDRESS = {
    "Street": "street",
    "City": "city",
    "State": "state",
    "PostalCode": "postalCode",
    "Country": "country",
    "Latitude": "latitude",
    "Longitude": "longitude",
}

# code: (target, FtM property or None, also kept as a tag)
MAPPING: dict[str, tuple[str, str | None, bool]] = {
    "org_Name": ("org", "name", False),
    "org_Phone": ("org", "phone", False),
    "org_Type": ("org", "classification", False),
    **{f"org_Shipping{k}": ("org_place", v, False) for k, v in _ADDRESS.items()},
    "prs_Salutation": ("person", "title", False),
    "prs_FirstName": ("person", "firstName", False),
    "prs_MiddleName": ("person", "middleName", False),
    "prs_SecondName": ("person", "lastName", False),  # Salesforce LastName: the surname(s)
    "prs_Birthdate": ("person", "birthDate", False),
    "prs_Gender": ("person", "gender", True),
    "prs_PrimaryLanguage": ("person", "spokenLanguage", True),
    "prs_SecondaryLanguage": ("person", "spokenLanguage", True),
    "prs_HighestLevelOfEducation": ("person", "education", False),
    "prs_Citizenship": ("person", "citizenship", False),
    "prs_IdentityNumber": ("person", "idNumber", False),
    "prs_Title": ("person", "position", False),  # "position within an organisation"
    "prs_Email": ("person", "email", False),
    "prs_HomePhone": ("person", "phone", True),
    "prs_MobilePhone": ("person", "phone", True),
    **{f"prs_Mailing{k}": ("mailing", v, False) for k, v in _ADDRESS.items()},
    "vic_LocationOfRecruitment": ("vic_event", None, True),
    "vic_LocationOfExploitation": ("vic_event", None, True),
    "per_Organisation": ("per_org", "name", False),
    "cas_Status": ("case", "status", False),
    "hte_Date": ("event", "date", False),
    "hte_Description": ("event", "description", False),
    **{f"hte_{k}": ("place", v, False) for k, v in _ADDRESS.items()},
}

# Values of a shared or lossy property that no tag explains go to this field.
PRIMARY = {"phone": "prs_MobilePhone", "spokenLanguage": "prs_PrimaryLanguage"}

# How a raw cell is cleaned, where the ODS type does not say it precisely.
_KIND_OVERRIDES = {
    "prs_Citizenship": "countries",
    "prs_MailingCountry": "country",
    "org_ShippingCountry": "country",
    "hte_Country": "country",
    "prs_PrimaryLanguage": "language",
    "prs_SecondaryLanguage": "language",
    "prs_Email": "email",
    "prs_HomePhone": "phone",
    "prs_MobilePhone": "phone",
    "org_Phone": "phone",
    "prs_IdentityNumber": "identifier",
    "prs_MailingLatitude": "lat",
    "prs_MailingLongitude": "lon",
    "org_ShippingLatitude": "lat",
    "org_ShippingLongitude": "lon",
    "hte_Latitude": "lat",
    "hte_Longitude": "lon",
    "org_ShippingState": "text",
}
_KIND_BY_TYPE = {
    "Text": "text",
    "Long Text": "longtext",
    "Date": "date",
    "Checkbox": "bool",
    "Number": "number",
    "Picklist": "choice",
    "Multiselect Picklist": "choices",
}

# Gender: HTCDS picklist → FtM gender (female / male / other); the HTCDS value
# is kept as a tag too, so "TransgenderFeminine" survives a round trip.
GENDER = {
    "Feminine": "female",
    "Masculine": "male",
    "TransgenderFeminine": "other",
    "TransgenderMasculine": "other",
    "NonConforming": "other",
}
GENDER_BACK = {"female": "Feminine", "male": "Masculine"}

# Picklist values in the task force's languages — Spanish, and Portuguese and
# French where cheap — beside the standard's codes and English labels.  Matched
# like labels (case, accents, spaces and punctuation ignored); a value matched
# here is stored as its code and also kept as written (:func:`make_written`).
# Bare words that could mean several values ("víctima" without possible /
# confirmed, "M" for masculino or mujer, "halcón": a cartel lookout, no HTCDS
# role) are left out: they stay as given.
VALUE_WORDS: dict[str, dict[str, str]] = {  # field → code → words separated by |
    "prs_Gender": {
        "Feminine": "femenino|femenina|mujer|female|woman|feminino|féminin|femme",
        "Masculine": "masculino|hombre|varón|male|man|masculin|homme",
        "TransgenderFeminine": (
            "mujer trans|mujer transgénero|transgénero femenino|trans femenina|mulher trans"
            "|femme trans"
        ),
        "TransgenderMasculine": (
            "hombre trans|hombre transgénero|transgénero masculino|trans masculino"
            "|homem trans|homme trans"
        ),
        "NonConforming": (
            "no binario|no binaria|no conforme|género no conforme|non-binary|não binário"
            "|non binaire"
        ),
        "NonSpecifiedUnknown": (
            "no especificado|sin especificar|desconocido|no especificado/desconocido|unknown"
            "|não especificado|desconhecido|inconnu|non spécifié"
        ),
    },
    "vic_TraffickingStatus": {
        "PossibleVictimOfTrafficking": (
            "víctima posible|posible víctima|posible víctima de trata|presunta víctima"
            "|presunta víctima de trata|víctima presunta|probable víctima|vítima possível"
            "|possível vítima|suposta vítima|victime potentielle|victime présumée"
        ),
        "ActualVictimOfTrafficking": (
            "víctima confirmada|víctima identificada|víctima de trata"
            "|víctima de trata de personas|víctima acreditada|vítima confirmada"
            "|vítima identificada|vítima de tráfico de pessoas|victime avérée"
            "|victime identifiée|victime de la traite"
        ),
        "NotAVictimOfTrafficking": (
            "no es víctima|no es víctima de trata|no víctima|no víctima de trata"
            "|no se identificó como víctima|não é vítima|não vítima|n'est pas victime"
            "|pas victime"
        ),
    },
    "vic_TraffickingStatusDecisionMakingOrg": {
        "Police": "policía|polícia",
        "NGO": "ONG|OSC|organización de la sociedad civil",
        "CourtOrProsecution": (
            "juzgado|tribunal|fiscalía|ministerio público|juzgado o fiscalía|ministério público"
        ),
        "NonPoliceGovernmentalOrganization": (
            "organismo gubernamental no policial|dependencia de gobierno"
        ),
        "Other": "otro|otra|outro|autre",
    },
    "vic_RelationshipToTrafficker": {
        "Familial": "familiar|pariente|familial",
        "Acquainted": "conocido|conocida|conhecido|connaissance",
        "Unaquainted": "desconocido|desconocida|unacquainted|desconhecido|inconnu",
    },
    "vic_MethodOfRecruitment": {
        "AtAPlaceOfBusiness": "en un negocio|en un comercio|em um estabelecimento",
        "AtAnEducationalInstitution": "en la escuela|en una institución educativa|na escola",
        "AtWork": "en el trabajo|no trabalho|au travail",
        "ThroughOnlineSocialNetworks": (
            "redes sociales|por redes sociales|a través de redes sociales|redes sociais"
            "|réseaux sociaux"
        ),
        "ThroughAnOnlineAdvertisement": (
            "anuncio en internet|anuncio en línea|anúncio online|annonce en ligne"
        ),
        "ThroughATelevisionAdvert": "anuncio en televisión|anuncio de televisión",
        "ThroughANewspaperAdvert": (
            "anuncio en periódico|anuncio en el periódico|anúncio de jornal"
        ),
        "ThroughFamilyOrFamilyEvents": (
            "por familiares|a través de familiares|por la familia|por familia"
        ),
        "ThroughFriendsOrSocialEvents": (
            "por amigos|a través de amigos|por amistades|por amigos o eventos sociales"
        ),
        "Other": "otro|otra|outro|autre",
    },
    "vic_MethodsOfControl": {
        "PhysicalThreats": "amenazas físicas|ameaças físicas|menaces physiques",
        "ThreatsLawEnforcement": (
            "amenazas de denuncia|amenaza de denuncia|amenazas con la autoridad"
            "|amenazas de deportación|amenaza de deportación"
        ),
        "ThreatensChildrenFamily": (
            "amenazas a la familia|amenazas a hijos/familia|amenazas a sus hijos"
            "|amenaza a la familia|ameaças à família"
        ),
        "DebtBondage": (
            "servidumbre por deudas|servidumbre por deuda|deuda|deuda impagable"
            "|servidão por dívida|servitude pour dettes"
        ),
        "FalsePromises": (
            "falsas promesas|promesas falsas|engaño|falsas promessas|fausses promesses"
        ),
        "PhysicalAbuse": "abuso físico|violencia física|maltrato físico|violência física",
        "SexualAbuse": "abuso sexual|violencia sexual|violência sexual",
        "TakesEarnings": (
            "retención de ganancias|le quitan sus ganancias|se queda con sus ganancias"
            "|retención de salario"
        ),
        "RestrictsFinancialAccess": (
            "restricción de acceso al dinero|restricción del acceso financiero"
        ),
        "RestrictsMedicalCare": "restricción de atención médica|niega atención médica",
        "WithholdsNecessities": (
            "privación de necesidades básicas|privación de alimentos|retiene necesidades básicas"
        ),
        "PsychologicalAbuse": (
            "abuso psicológico|violencia psicológica|maltrato psicológico|violência psicológica"
        ),
        "PsychoactiveSubstance": (
            "sustancias psicoactivas|drogas|suministro de drogas|substâncias psicoativas"
        ),
        "ExcessiveWorkingHours": (
            "jornadas excesivas|jornadas laborales excesivas|horas de trabajo excesivas"
            "|jornada excessiva"
        ),
        "WithholdsDocuments": (
            "retención de documentos|retiene documentos|retención de documentos de identidad"
            "|retenção de documentos|confiscation des documents"
        ),
        "Other": "otro|otra|outro|autre",
    },
    "vic_TypeOfExploitation": {
        "ForcedLabour": (
            "trabajo forzoso|trabajos forzados|trabajo forzado|trabajos forzosos"
            "|explotación laboral|labor forzada|trabalho forçado|trabalho escravo"
            "|travail forcé"
        ),
        "SexualExploitation": "explotación sexual|exploração sexual|exploitation sexuelle",
        "ChildLabour": "trabajo infantil|trabalho infantil|travail des enfants",
        "ForcedMarriage": "matrimonio forzado|matrimonio forzoso|casamento forçado|mariage forcé",
        "Servitude": "servidumbre|servidão",
        "ForcedMilitaryByNonStateActors": (
            "reclutamiento forzado|reclutamiento forzoso|reclutamiento por grupos armados"
            "|recrutamento forçado"
        ),
        "OrganRemoval": (
            "extracción de órganos|tráfico de órganos|remoção de órgãos|prélèvement d'organes"
        ),
        "ForcedBegging": (
            "mendicidad forzada|mendicidad forzosa|mendicância forçada|mendicité forcée"
        ),
        "ForcedAdoption": "adopción forzada|adopción ilegal|adoção forçada|adoption forcée",
        "Surrogacy": (
            "gestación subrogada|maternidad subrogada|vientre de alquiler|barriga de aluguel"
            "|gestation pour autrui"
        ),
        "Other": "otro|otra|outro|autre",
    },
    "vic_TypeOfSexExploitation": {
        "Prostitution": "prostitución|prostituição",
        "Pornography": "pornografía|pornografia|pornographie",
        "RemoteInteractiveServices": (
            "servicios interactivos remotos|webcam|servicios sexuales en línea"
        ),
        "PrivateSexualServices": "servicios sexuales privados|serviços sexuais privados",
    },
    "per_RoleInProcess": {
        "TravellingPartner": (
            "acompañante|acompañante de viaje|compañero de viaje|compañera de viaje"
            "|companheiro de viagem"
        ),
        "Transporter": (
            "transportista/transportador|transportista|transportador|transportadora|chofer"
            "|chófer|conductor|transporteur"
        ),
        "RecruiterOrIntermediary": (
            "reclutador/enganchador|reclutador|reclutadora|enganchador|enganchadora|captador"
            "|captadora|intermediario|intermediaria|reclutador o intermediario|recrutador|aliciador|recruteur"
        ),
        "BrokerTravelAgent": "agente de viajes|gestor de viajes|agente de viagens|agent de voyage",
        "TransferredIndividual": "trasladador|trasladó a la persona|traslado",
        "HarbouredIndividual": (
            "albergador|albergadora|acogedor|hospedador|alojó a la persona|acolhedor"
        ),
        "SoldIndividual": "vendedor|vendedora|vendió a la persona|vendeur",
        "BoughtIndividual": "comprador|compradora|compró a la persona|acheteur",
        "ReceivedIndividual": "receptor|receptora|recibió a la persona|recebedor",
        "ControlledIndividual": "controlador|controladora|vigilante|custodio",
        "Smuggler": (
            "pollero/coyote|pollero|pollera|coyote|traficante de migrantes"
            "|traficante de personas|coiote|passeur"
        ),
        "Abuser": "abusador|abusadora|agresor|agresora|abuseur",
        "Kidnapper": "secuestrador|secuestradora|plagiario|sequestrador|ravisseur",
        "Exploiter": "explotador|explotadora|proxeneta|padrote|lenón|explorador|exploiteur",
        "Other": "otro|otra|outro|autre",
    },
    "hte_Type": {
        "Recruitment": "reclutamiento|captación|enganche|recrutamento|recrutement",
        "Transit": "tránsito|traslado|trânsito|transit",
        "Exploitation": "explotación|exploração",
    },
    "cas_Status": {
        "Active": "activo|activa|abierto|abierta|en curso|open|ativo|ouvert",
        "FollowUp": "seguimiento|en seguimiento|acompanhamento|suivi",
        "Closed": "cerrado|cerrada|concluido|fechado|clos",
        "ClosedReferred": (
            "cerrado y canalizado|cerrado canalizado|canalizado|cerrado y referido"
            "|fechado encaminhado"
        ),
    },
    "prs_MaritalStatus": {
        "Single": "soltero|soltera|solteiro|solteira|célibataire",
        "Married": "casado|casada|marié|mariée",
        "Widowed": "viudo|viuda|viúvo|viúva|veuf|veuve",
        "Divorced": "divorciado|divorciada|divorcé|divorcée",
        "Separated": "separado|separada|séparé|séparée",
        "RegisteredPartnership": "unión civil|sociedad de convivencia|união estável|pacs",
    },
    "cas_ReasonForIncomingReferral": {
        "AdditionalServicesRequired": "requiere servicios adicionales|servicios adicionales",
        "MigrationOrChangeOfLocation": (
            "migración|migración o cambio de ubicación|cambio de domicilio"
        ),
        "Other": "otro|otra|outro|autre",
    },
}

# The template IOM ships misspells one code; accepted on import.
ALIASES = {"vic_traffickinstatusdecisionmakingorg": "vic_TraffickingStatusDecisionMakingOrg"}

# Columns gugus adds so markings and ids travel with the data (round trip).
GUGUS_PREFIX = "gugus_"
GUGUS_ID = "gugus_entity_id"
GUGUS_ROLE = "gugus_role"
GUGUS_MARKING = "gugus_marking"
GUGUS_LABELS = {
    GUGUS_ID: "gugus: entity id",
    GUGUS_ROLE: "gugus: role",
    GUGUS_MARKING: "gugus: marking",
}

VICTIM, PERPETRATOR = "victim", "perpetrator"
ROLE_WORDS = {  # gugus_role cells, folded (no accents, no spaces)
    "victim": VICTIM,
    "victima": VICTIM,
    "vitima": VICTIM,
    "victime": VICTIM,
    "perpetrator": PERPETRATOR,
    "perpetrador": PERPETRATOR,
    "perpetradora": PERPETRATOR,
    "trafficker": PERPETRATOR,
    "tratante": PERPETRATOR,
    "traficante": PERPETRATOR,
    "trafiquant": PERPETRATOR,
}
# FtM topic for people named as perpetrators in a trafficking case.  FtM has
# no topic for victims (and "crime" topics must never be put on them).
PERPETRATOR_TOPIC = "crime.traffick.human"


@dataclass(frozen=True)
class Field:
    code: str
    label: str
    section: str
    type: str  # as the ODS says: Text, Picklist, Multiselect Picklist, Date…
    status: str  # DRAFT or DEPRECATED
    core: bool
    values: tuple[str, ...]  # picklist codes
    value_labels: tuple[str, ...]
    kind: str  # how a raw value is cleaned (see clean_cell)
    target: str
    prop: str | None
    tag: bool

    @property
    def prefix(self) -> str:
        return self.code[: self.code.index("_") + 1]

    @property
    def multi(self) -> bool:
        return self.kind in ("choices", "countries")

    @property
    def tag_prop(self) -> str:
        """Where the tag of this field is kept on its entity."""
        return "notes" if self.kind == "longtext" else "keywords"

    @property
    def tagged(self) -> bool:
        return self.tag or self.prop is None

    def choice(self, raw: str) -> str:
        """A picklist value as its code: codes, labels and :data:`VALUE_WORDS`
        match ignoring case, accents, spaces and punctuation; anything else is
        kept as given."""
        return _choices(self.code).get(_squash(raw), raw)

    def translated(self, raw: str) -> bool:
        """Whether ``raw`` was matched through :data:`VALUE_WORDS` (so the
        stored code is not what the file says: it is kept as written too)."""
        key = _squash(raw)
        return key in _choices(self.code) and key not in _choices(self.code, standard=True)


def _squash(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())


@cache
def _choices(code: str, standard: bool = False) -> dict[str, str]:
    """Squashed spelling → picklist code; ``standard``: codes and English
    labels only.  Translations never override the standard's own spellings."""
    f = FIELDS[code]
    out: dict[str, str] = {}
    for value, label in zip(f.values, f.value_labels, strict=False):
        out.setdefault(_squash(label), value)
    for value in f.values:
        out[_squash(value)] = value
        if code == "vic_ForcedLabourIndustry":  # ISIC v4 section letter alone
            out.setdefault(_squash(value.split("_", 1)[0]), value)
    if not standard:
        for value, words in VALUE_WORDS.get(code, {}).items():
            for word in words.split("|"):
                out.setdefault(_squash(word), value)
    return out


def _load() -> dict[str, Field]:
    fields: dict[str, Field] = {}
    with open(DATA, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["code"]
            prefix = code[: code.index("_") + 1]
            target, prop, tag = MAPPING.get(code, (SECTION_TARGET[prefix], None, True))
            fields[code] = Field(
                code=code,
                label=row["label"],
                section=row["section"],
                type=row["type"],
                status=row["status"],
                core=row["core"] == "Core",
                values=tuple(v for v in row["values"].split("|") if v),
                value_labels=tuple(v for v in row["value_labels"].split("|") if v),
                kind=_KIND_OVERRIDES.get(code) or _KIND_BY_TYPE.get(row["type"], "text"),
                target=target,
                prop=prop,
                tag=tag if prop is not None else True,
            )
    return fields


FIELDS: dict[str, Field] = _load()

# The columns of IOM's "HTCDS Excel Spreadsheet v2.0" template, in its order.
TEMPLATE_COLUMNS = (
    "cas_CaseOwner",
    "prs_Salutation",
    "prs_FirstName",
    "prs_SecondName",
    "con_Consent",
    "prs_Birthdate",
    "prs_Gender",
    "prs_Citizenship",
    "prs_Title",
    "prs_Email",
    "prs_HomePhone",
    "prs_MobilePhone",
    "prs_MailingCity",
    "prs_MailingCountry",
    "prs_MailingState",
    "prs_MailingStreet",
    "prs_MailingPostalCode",
    "vic_TraffickingStatus",
    "vic_TraffickingStatusDecisionMakingOrg",
    "vic_MethodOfRecruitment",
    "vic_LocationOfRecruitment",
    "vic_MethodsOfControl",
    "vic_TypeOfExploitation",
    "vic_ForcedLabourIndustry",
    "vic_TypeOfSexExploitation",
    "vic_LocationOfExploitation",
    "cas_Status",
    "cas_ReferringOrganisation",
    "cas_IncomingReferralDate",
    "cas_ReferringPrimaryCaseWorker",
    "cas_ReasonForIncomingReferral",
    "cas_IncomingReferralDetails",
    "cas_ReferredOrganisation",
    "cas_ReferredPrimaryCaseWorker",
    "cas_ReasonForOutgoingReferral",
    "cas_OutgoingReferralDate",
    "cas_OutgoingReferralDetails",
    "cas_ReasonForCaseClosure",
)

_BY_CODE = {code.casefold(): code for code in FIELDS} | ALIASES


def field_for_code(text: str) -> Field | None:
    """The field a header cell names (codes match ignoring case)."""
    code = _BY_CODE.get(text.strip().casefold())
    return FIELDS[code] if code else None


@cache
def _by_label() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in FIELDS.values():
        out.setdefault(_squash(f.label), []).append(f.code)
    for code, label in GUGUS_LABELS.items():
        out.setdefault(_squash(label), []).append(code)
    return out


def codes_for_label(text: str) -> list[str]:
    """Codes whose label is ``text`` (several for "Type", "Status", "Latitude")."""
    return list(_by_label().get(_squash(text), []))


def close_codes(text: str) -> list[str]:
    """Field codes that look like a mistyped ``text``, for error messages."""
    names = {c.casefold(): c for c in [*FIELDS, *GUGUS_LABELS]}
    found = difflib.get_close_matches(text.strip().casefold(), names, n=3, cutoff=0.7)
    return [names[f] for f in found]


# -- tags -----------------------------------------------------------------------
def make_tag(code: str, value: str) -> str:
    return f"{code}: {value}"


WRITTEN = " (as written)"


def make_written(code: str, value: str) -> str:
    """A translated picklist value as the file wrote it (``prs_Gender (as
    written): Masculino``): kept beside the code's tag, never read as a tag."""
    return f"{code}{WRITTEN}: {value}"


def read_tag(value: str) -> tuple[str, str] | None:
    """``(code, value)`` of a tag this module wrote; None for other text."""
    code, sep, rest = value.partition(": ")
    if sep and code in FIELDS and rest:
        return code, rest
    return None


# -- markings as one cell ------------------------------------------------------
_LIST_KEYS = ("handling", "release_to", "recipients")


def render_marking(marking: Marking) -> str:
    """One cell for a marking, e.g. ``TLP:AMBER+STRICT H2 originator=MX-FGR``.

    Release-to lists and recipients follow as ``release_to=US-HSI,GT-MP``;
    free texts (H3 text, purpose) are shell-quoted so the cell reads back
    exactly (:func:`parse_marking`)."""
    parts = [f"TLP:{marking.tlp.value.upper()}", *sorted(marking.handling)]
    if marking.originator:
        parts.append(f"originator={marking.originator}")
    if marking.release_to:
        parts.append("release_to=" + ",".join(sorted(marking.release_to)))
    if marking.recipients:
        parts.append("recipients=" + ",".join(sorted(marking.recipients)))
    for key in ("handling_text", "purpose"):
        text = getattr(marking, key)
        if text:
            parts.append(shlex.quote(f"{key}={text}"))
    return " ".join(parts)


def parse_marking(text: str, where: str) -> dict:
    """A ``gugus_marking`` cell back into a marking dict (see
    :meth:`Marking.from_dict`); InvalidInput names ``where``."""
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise InvalidInput(
            Msg("%(where)s: not a marking (%(problem)s)", where=where, problem=str(exc))
        ) from None
    data: dict = {"handling": []}
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep:
            if token.upper().startswith("TLP:"):
                data["tlp"] = token
            elif re.fullmatch(r"H[0-3]", token.upper()):
                data["handling"].append(token.upper())
            else:
                raise InvalidInput(  # not the word: a cell may hold personal data
                    Msg(
                        "%(where)s: a word is not part of a marking "
                        "(expected e.g. 'TLP:AMBER H2 originator=MX-FGR release_to=US-HSI')",
                        where=where,
                    )
                )
        elif key in _LIST_KEYS[1:]:
            data[key] = [v for v in value.split(",") if v.strip()]
        elif key in ("originator", "handling_text", "purpose"):
            data[key] = value
        else:
            raise InvalidInput(
                Msg("%(where)s: unknown marking field %(field)r", where=where, field=key)
            )
    if "tlp" not in data:
        raise InvalidInput(
            Msg("%(where)s: a marking starts with its TLP level, e.g. 'TLP:AMBER'", where=where)
        )
    return data


# -- cleaning one cell ----------------------------------------------------------
@lru_cache(maxsize=65_536)
def _ftm(type_name: str, text: str, hint: str | None = None) -> str | None:
    """FtM's cleaning, memoised: case files repeat countries, picklist values
    and phone prefixes a great deal."""
    return registry.get(type_name).clean(text, format=hint)


_TRUE = {"true", "1", "yes", "y", "x", "si", "sí", "verdadero", "checked", "✓", "✔"}
_FALSE = {"false", "0", "no", "n", "falso", "unchecked"}
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YMD = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_MIDNIGHT = re.compile(r"T00:00(:00)?$")


def clean_cell(f: Field, text: str, countries: list[str]) -> tuple[list[str], str | None]:
    """Cleaned values of one cell and, when some of it was rejected, why.

    ``countries`` are the ISO codes a phone without ``+`` is tried in."""
    kind = f.kind
    if kind in ("choice", "choices"):
        return [f.choice(p) for p in choice_parts(f, text)], None
    if kind == "countries":
        parts = [p.strip() for p in re.split(r"[;|]", text) if p.strip()]
        out, bad = [], []
        for part in parts:
            code = _ftm("country", part)
            if code is None and "," in part:
                subs = [_ftm("country", s) for s in part.split(",") if s.strip()]
                if all(subs):
                    out.extend(subs)
                    continue
            (out.append(code) if code else bad.append(part))
        # not the words themselves: the dropped value is reported on its own
        return out, (Msg("an unknown country among the values") if bad else None)
    if kind == "text":
        return [_ftm("string", text)], None
    if kind == "longtext":
        return [registry.text.clean(text)], None
    if kind == "date":
        value, reason = clean_date(text)
        return ([value], None) if value else ([], reason)
    if kind == "bool":
        word = text.strip().casefold()
        if word in _TRUE or word in _FALSE:
            return ["true" if word in _TRUE else "false"], None
        return [], Msg("not a checkbox value (true / false)")
    if kind in ("number", "lat", "lon"):
        return _number(kind, text)
    if kind == "phone":
        return _several(
            text,
            lambda t: _phone(t, countries),
            Msg(
                "not a valid phone number (tried as a number of %(countries)s)",
                countries=", ".join(c.upper() for c in countries),
            )
            if countries
            else Msg("not a valid phone number (no + and no country to read it in)"),
        )
    if kind == "email":
        return _several(text, lambda t: _ftm("email", t), Msg("not an email address"))
    value = _ftm(kind, text)  # country, language, identifier
    return ([value], None) if value else ([], Msg("not a valid %(type)s", type=kind))


def choice_parts(f: Field, text: str) -> list[str]:
    """The values of a picklist cell as written: multi-select cells split on
    ``;`` ``|`` and ``,``."""
    if f.kind == "choice":
        return [text]
    parts = [p.strip() for p in re.split(r"[;|]", text) if p.strip()]
    return [q.strip() for p in parts for q in p.split(",") if q.strip()]


def _several(text: str, clean: Callable, reason: str) -> tuple[list[str], str | None]:
    """One value, or several separated by ; , or / when the whole is not one."""
    value = clean(text)
    if value:
        return [value], None
    parts = [p.strip() for p in re.split(r"[;,/]", text) if p.strip()]
    values = [clean(p) for p in parts] if len(parts) > 1 else [None]
    if all(values):
        return values, None
    return [], reason


def _phone(text: str, countries: list[str]) -> str | None:
    value = _ftm("phone", text)
    for country in countries:
        if value:
            break
        value = _ftm("phone", text, country)
    return value


def _number(kind: str, text: str) -> tuple[list[str], str | None]:
    candidate = text.strip()
    if candidate.count(",") == 1 and "." not in candidate:
        candidate = candidate.replace(",", ".")
    try:
        number = float(candidate)
    except ValueError:
        return [], Msg("not a number")
    limit = {"lat": 90, "lon": 180}.get(kind)
    if not math.isfinite(number) or (limit is None and number < 0):
        return [], Msg("not a non-negative number")
    if limit is not None and abs(number) > limit:
        return [], Msg("out of range (±%(limit)s)", limit=limit)
    return [str(int(number)) if number.is_integer() else str(number)], None


NOT_A_DATE = Msg("not a date")


def clean_date(text: str) -> tuple[str | None, str | None]:
    """An ISO date (or partial date) and None, or None and the reason.

    ISO dates pass through FtM; ``d/m/yyyy`` and ``m/d/yyyy`` are read only
    when the order is unambiguous (one part above 12, or both equal): a
    Mexican 03/04/2008 and a US 03/04/2008 are different days."""
    match = _DMY.match(text.strip())
    if match:
        a, b, year = (int(g) for g in match.groups())
        if a > 12 >= b or a == b:
            day, month = a, b
        elif b > 12 >= a:
            day, month = b, a
        elif a > 12 and b > 12:
            return None, NOT_A_DATE
        else:
            return None, Msg("ambiguous day/month order (write it as YYYY-MM-DD)")
        return _ymd(year, month, day)
    match = _YMD.match(text.strip())
    if match:
        return _ymd(*(int(g) for g in match.groups()))
    value = _ftm("date", text)  # after the patterns: FtM reads 2008/3/5 as 2008
    if value:
        return _MIDNIGHT.sub("", value), None
    if re.search(r"[^\W\d_]", text) and re.search(r"\b\d{4}\b", text):
        return _textual_date(text)
    return None, NOT_A_DATE


def _ymd(year: int, month: int, day: int) -> tuple[str | None, str | None]:
    try:
        return dt.date(year, month, day).isoformat(), None
    except ValueError:
        return None, NOT_A_DATE


def _textual_date(text: str) -> tuple[str | None, str | None]:
    """'15 de marzo de 2008', 'March 3, 2008', 'marzo 2008' (Spanish, English)."""
    import dateparser

    full = {"STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month", "year"]}
    month = {"REQUIRE_PARTS": ["month", "year"]}  # the day it guesses is cut off
    for settings, width in ((full, 10), (month, 7)):
        found = dateparser.parse(text, languages=["es", "en"], settings=settings)
        if found is not None:
            return found.date().isoformat()[:width], None
    return None, NOT_A_DATE

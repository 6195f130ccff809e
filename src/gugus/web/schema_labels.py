"""Schema names as users read them, in the page's language.

FollowTheMoney's own Spanish catalogue is incomplete ("Trip", "Bank
account") and sometimes wrong for this domain ("Directorship" →
"Dirección"), so the schemata the task force loads are labelled here,
through the web catalogue; any other falls back to FtM's English label."""

from __future__ import annotations

from followthemoney import model


def N_(message: str) -> str:  # noqa: N802 - the gettext marker Babel extracts
    return message


LABELS = {
    "Person": N_("Person"),
    "Company": N_("Company"),
    "Organization": N_("Organisation"),
    "LegalEntity": N_("Legal entity"),
    "Address": N_("Address"),
    "Payment": N_("Payment"),
    "Trip": N_("Trip"),
    "Event": N_("Event"),
    "Family": N_("Family relation"),
    "Associate": N_("Associate"),
    "Ownership": N_("Ownership"),
    "Directorship": N_("Directorship"),
    "Membership": N_("Membership"),
    "Employment": N_("Employment"),
    "Identification": N_("Identity document"),
    "Passport": N_("Passport"),
    "BankAccount": N_("Bank account"),
    "Vehicle": N_("Vehicle"),
    "Email": N_("E-mail"),
    "Document": N_("Document"),
    "Mention": N_("Mention"),
    "UnknownLink": N_("Other link"),
}


def schema_label(name: str, gettext) -> str:
    """The schema's label in the language of ``gettext``."""
    if name in LABELS:
        return gettext(LABELS[name])
    schema = model.get(name)
    return schema.label if schema is not None else name

"""Search words of phones and countries: a phone is also found by its
national number (``2221859062`` for ``+522221859062``), a country value by
the word ``country`` + its code (``countryhn``: "Honduras" and "hn" find
Honduran nationals).  No table changes: the search text of the stored phone
and country statements is rewritten (``gugus.model.search_words``); SQLite's
FTS index follows through its update trigger (migration 0003).

Revision ID: 0008_search_words
Revises: 0007_relations
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_search_words"
down_revision = "0007_relations"
branch_labels = None
depends_on = None

_BATCH = 5000
_TYPES = ("phone", "country")


def _rewrite(text_of) -> None:
    """Set the search text of every phone and country statement to
    ``text_of(prop_type, value, audience)``, in batches by primary key."""
    from gugus.store.tables import markings, statements

    conn = op.get_bind()
    audience = dict(conn.execute(sa.select(markings.c.id, markings.c.audience_id)).all())
    last = 0
    while True:
        rows = conn.execute(
            sa.select(
                statements.c.pk, statements.c.prop_type, statements.c.value, statements.c.marking_id
            )
            .where(statements.c.pk > last, statements.c.prop_type.in_(_TYPES))
            .order_by(statements.c.pk)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        conn.execute(
            sa.update(statements)
            .where(statements.c.pk == sa.bindparam("b_pk"))
            .values(search_text=sa.bindparam("b_text")),
            [
                {"b_pk": r.pk, "b_text": text_of(r.prop_type, r.value, audience.get(r.marking_id))}
                for r in rows
            ],
        )
        last = rows[-1].pk


def upgrade() -> None:
    from gugus.model.search_words import index_text
    from gugus.store.statements import search_terms

    def text_of(prop_type, value, audience):
        text = index_text(prop_type, value)
        return None if text is None or audience is None else search_terms(audience, text)

    _rewrite(text_of)


def downgrade() -> None:
    from gugus.model.search_words import fold
    from gugus.store.statements import search_terms

    def text_of(prop_type, value, audience):
        if prop_type != "phone" or audience is None:
            return None
        return search_terms(audience, fold(value))

    _rewrite(text_of)

"""The peer of gugus's read path, for ``benchmarks/read.py``: a minimal FastAPI
app answering the same raw SQL gugus runs for an entity read and a search, with
no authentication, policy, entity assembly or audit.

    PEER_DB=<url or sqlite path> PEER_MARKINGS=1,2,5 \\
        python -m uvicorn peer_app:app_from_env --factory --app-dir benchmarks --workers N

``PEER_MARKINGS`` is the reader's visible marking ids, computed once by the
benchmark (gugus computes them per reader through its policy); the queries
filter on them as gugus's store does (``store/statements.py``: ``for_entities``
and ``search_entities``, the same fetch-more-until-enough LIMIT loop).
"""

from __future__ import annotations

import os
import re
import unicodedata

from fastapi import FastAPI, HTTPException
from sqlalchemy import Engine, bindparam, create_engine, event, text

COLUMNS = (
    "entity_id, schema, prop, prop_type, value, collection_id, marking_id, origin, "
    "first_seen, last_seen"
)
_WORD = re.compile(r"\w+", re.UNICODE)


def query_words(query: str) -> list[str]:
    """As gugus folds a query: case-folded, accents removed, at most 16 words."""
    value = unicodedata.normalize("NFKD", query.casefold())
    value = "".join(c for c in value if not unicodedata.combining(c))
    return _WORD.findall(value)[:16]


def engine_for(url: str) -> Engine:
    if "://" not in url:
        url = "sqlite:///" + os.path.abspath(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_size=20, max_overflow=40, pool_timeout=60)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn, _record) -> None:
            # gugus's reader connection settings (store/db.py), so only the
            # work per request differs.
            dbapi_conn.isolation_level = None
            dbapi_conn.execute("PRAGMA busy_timeout=60000")
            dbapi_conn.execute("PRAGMA cache_size=-65536")

    return engine


class PeerQueries:
    """The SQL of an entity read and a search, the visible markings inlined."""

    def __init__(self, engine: Engine, marking_ids: list[int]) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        marks = ",".join(str(int(m)) for m in marking_ids) or "NULL"
        self._entities = text(
            f"SELECT {COLUMNS} FROM statements WHERE entity_id IN :ids "  # noqa: S608 - ints
            f"AND marking_id IN ({marks}) ORDER BY entity_id, pk"
        ).bindparams(bindparam("ids", expanding=True))
        if self.sqlite:
            self._search = text(
                "SELECT s.entity_id FROM statements_fts f JOIN statements s ON s.pk = f.rowid "  # noqa: S608
                f"WHERE statements_fts MATCH :q AND s.marking_id IN ({marks}) "
                "ORDER BY f.rowid DESC LIMIT :n"
            )
        else:
            self._search = text(
                "SELECT entity_id FROM statements WHERE search_text IS NOT NULL "  # noqa: S608
                # As gugus's SQLAlchemy query renders it: the configuration bound.
                "AND to_tsvector(CAST(:cfg AS REGCONFIG), search_text) "
                "@@ plainto_tsquery(CAST(:cfg AS REGCONFIG), :q) "
                f"AND marking_id IN ({marks}) ORDER BY pk DESC LIMIT :n"
            )

    def statements(self, conn, entity_ids: list[str]) -> list[dict]:
        if not entity_ids:
            return []
        return [dict(r._mapping) for r in conn.execute(self._entities, {"ids": entity_ids})]

    def search_ids(self, conn, query: str, limit: int, offset: int = 0) -> list[str]:
        words = query_words(query)
        if not words:
            return []
        q = " ".join(f'"{w}"' for w in words) if self.sqlite else " ".join(words)
        wanted = offset + limit
        fetch = max(4 * wanted, 50)
        while True:
            params = {"q": q, "n": fetch} if self.sqlite else {"q": q, "n": fetch, "cfg": "simple"}
            rows = conn.execute(self._search, params).scalars().all()
            ids = list(dict.fromkeys(rows))
            if len(ids) >= wanted or len(rows) < fetch:
                return ids[offset:wanted]
            fetch *= 4


def create_app(queries: PeerQueries) -> FastAPI:
    app = FastAPI(title="gugus read peer")

    @app.get("/entities/{entity_id}")
    def entity(entity_id: str) -> dict:
        with queries.engine.connect() as conn:
            rows = queries.statements(conn, [entity_id])
        if not rows:
            raise HTTPException(404, "not found")
        return {"id": entity_id, "statements": rows}

    @app.get("/search")
    def search(q: str, limit: int = 20, offset: int = 0) -> dict:
        limit = max(1, min(limit, 100))
        with queries.engine.connect() as conn:
            ids = queries.search_ids(conn, q, limit, max(0, offset))
            rows = queries.statements(conn, ids)
        return {"query": q, "results": ids, "statements": rows}

    return app


def app_from_env() -> FastAPI:
    marks = [int(m) for m in os.environ["PEER_MARKINGS"].split(",") if m]
    return create_app(PeerQueries(engine_for(os.environ["PEER_DB"]), marks))

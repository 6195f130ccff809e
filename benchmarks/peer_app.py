"""The peer of gugus's read path, for ``benchmarks/read.py``: a minimal FastAPI
app answering the same raw SQL gugus runs for an entity read and a search, with
no authentication, policy, entity assembly or audit.

    PEER_DB=<url or sqlite path> PEER_GRANTEES=org:US-HSI,user:US-HSI:maria.hsi \\
        python -m uvicorn peer_app:app_from_env --factory --app-dir benchmarks --workers N

``PEER_GRANTEES`` is the reader's two grantee keys (``ReadScope.grantees``),
computed once by the benchmark (gugus computes them per request from the
reader).  The SQL is gugus's as SQLAlchemy renders it (``store/statements.py``
``for_entities`` and ``search_entities``, ``store/grants.py`` ``visible`` and
``visible_audiences``): every statement row is kept only if an EXISTS probe
finds a grant of its marking's audience to one of the two keys; a search first
reads the audiences granted to the reader, MATCHes the words prefixed with
each of them ("a12xjose"), 200 audiences per query, newest first with the
same fetch-more-until-enough LIMIT loop (on PostgreSQL first the bounded read
through the GIN index, walked newest first past GIN_CAP matches, with the same
planner settings), then reads the found entities' visible statements.
"""

from __future__ import annotations

import os
import re
import unicodedata

from fastapi import FastAPI, HTTPException
from sqlalchemy import Engine, bindparam, create_engine, event, text

COLUMNS = (
    "statements.entity_id, statements.schema, statements.prop, statements.prop_type, "
    "statements.value, statements.collection_id, statements.marking_id, statements.origin, "
    "statements.first_seen, statements.last_seen"
)
# Letters and digits, as SQLite's unicode61 tokenizer splits (gugus's _WORD).
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
AUDIENCES_PER_QUERY = 200  # gugus's _AUDIENCES_PER_QUERY
# gugus's PostgreSQL search settings (store/statements.py GIN_CAP, _PG_SEARCH, _PG_GIN_ONLY).
GIN_CAP = 10_000
PG_SEARCH = {"jit": "off", "max_parallel_workers_per_gather": "0"}
PG_GIN_ONLY = {**PG_SEARCH, "enable_seqscan": "off", "enable_indexscan": "off"}


def query_words(query: str) -> list[str]:
    """As gugus folds a query: case-folded, accents removed, at most 16 words."""
    value = query.casefold()
    if not value.isascii():
        value = unicodedata.normalize("NFKD", value)
        value = "".join(c for c in value if not unicodedata.combining(c))
    return _WORD.findall(value)[:16]


def term(audience: int, word: str) -> str:
    """A word as indexed for one audience (gugus's ``_term``)."""
    return f"a{audience}x{word}"


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
    """The SQL of an entity read and a search for one reader's grantee keys."""

    def __init__(self, engine: Engine, grantees: list[str]) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.grantees = list(grantees)
        # grants.visible: per row, the marking then its audience's grant (the
        # OFFSET 0 keeps the planners from turning it into a join).
        no_limit = "LIMIT -1 OFFSET 0" if self.sqlite else "LIMIT ALL OFFSET 0"
        visible = (
            "EXISTS (SELECT 1 FROM markings JOIN audience_grants "  # noqa: S608 - constants
            "ON audience_grants.audience_id = markings.audience_id "
            "WHERE markings.id = statements.marking_id "
            f"AND audience_grants.grantee IN :grantees {no_limit})"
        )
        grantees_param = bindparam("grantees", expanding=True)
        self._entities = text(
            f"SELECT {COLUMNS} FROM statements WHERE statements.entity_id IN :ids "  # noqa: S608
            f"AND ({visible}) ORDER BY statements.entity_id, statements.pk"
        ).bindparams(bindparam("ids", expanding=True), grantees_param)
        self._audiences = text(
            "SELECT DISTINCT audience_grants.audience_id FROM audience_grants "
            "WHERE audience_grants.grantee IN :grantees ORDER BY audience_grants.audience_id"
        ).bindparams(grantees_param)
        if self.sqlite:
            self._search = text(
                "SELECT statements.pk, statements.entity_id FROM statements_fts "  # noqa: S608
                "JOIN statements ON statements.pk = statements_fts.rowid "
                f"WHERE (statements_fts.statements_fts MATCH :match) AND ({visible}) "
                "ORDER BY statements_fts.rowid DESC LIMIT :n"
            ).bindparams(grantees_param)
        else:
            # As gugus's SQLAlchemy query renders it: the configuration bound.
            match = (
                "statements.search_text IS NOT NULL "
                "AND (to_tsvector(CAST(CAST(:cfg AS REGCONFIG) AS REGCONFIG), statements.search_text) "
                "@@ to_tsquery(CAST(CAST(:cfg AS REGCONFIG) AS REGCONFIG), CAST(:match AS VARCHAR)))"
            )
            # gugus's walk (statements._walk_query): a LIKE ANY per word first.
            self._walks = [
                text(
                    "SELECT statements.pk, statements.entity_id FROM statements WHERE "  # noqa: S608
                    + "".join(f"statements.search_text LIKE ANY (:w{i}) AND " for i in range(n))
                    + f"{match} AND ({visible}) ORDER BY statements.pk DESC LIMIT :n"
                ).bindparams(grantees_param)
                for n in range(17)  # query_words keeps at most 16
            ]
            # gugus's bounded read through the GIN index (statements._bounded).
            shown = visible.replace("statements.marking_id", "newest.marking_id")
            self._bounded = text(
                "WITH matches AS MATERIALIZED (SELECT statements.pk, statements.entity_id, "  # noqa: S608
                f"statements.marking_id FROM statements WHERE {match}), "
                "capped AS MATERIALIZED (SELECT * FROM matches LIMIT :cap) "
                f"SELECT newest.pk, newest.entity_id, newest.candidates, {shown} AS shown "
                "FROM (SELECT capped.*, count(*) OVER () AS candidates FROM capped "
                "ORDER BY capped.pk DESC LIMIT :n) AS newest ORDER BY newest.pk DESC"
            ).bindparams(grantees_param)

    def statements(self, conn, entity_ids: list[str]) -> list[dict]:
        if not entity_ids:
            return []
        params = {"ids": list(entity_ids), "grantees": self.grantees}
        return [dict(r._mapping) for r in conn.execute(self._entities, params)]

    def match(self, words: list[str], audiences: list[int]) -> str:
        """The MATCH text (SQLite) or tsquery text (PostgreSQL) of gugus."""
        if self.sqlite:
            return " OR ".join(
                "(" + " AND ".join(f'"{term(a, w)}"' for w in words) + ")" for a in audiences
            )
        return " | ".join("(" + " & ".join(term(a, w) for w in words) + ")" for a in audiences)

    def search_ids(self, conn, query: str, limit: int, offset: int = 0) -> list[str]:
        words = query_words(query)
        if not words:
            return []
        audiences = list(conn.execute(self._audiences, {"grantees": self.grantees}).scalars())
        chunks = [
            audiences[i : i + AUDIENCES_PER_QUERY]
            for i in range(0, len(audiences), AUDIENCES_PER_QUERY)
        ]
        matches = [self.match(words, chunk) for chunk in chunks]
        wanted = offset + limit
        fetch = max(4 * wanted, 50)
        walk = [self.sqlite] * len(matches)
        while True:
            found: list = []
            complete = True
            for i, match in enumerate(matches):
                params = {"match": match, "n": fetch, "grantees": self.grantees}
                if not self.sqlite:
                    params["cfg"] = "simple"
                if not walk[i]:
                    settings = PG_GIN_ONLY
                    rows = self._pg(conn, settings, self._bounded, {**params, "cap": GIN_CAP + 1})
                    candidates = rows[0].candidates if rows else 0
                    if candidates <= GIN_CAP:
                        complete = complete and candidates <= fetch
                        found.extend(r for r in rows if r.shown)
                        continue
                    walk[i] = True
                if self.sqlite:
                    rows = conn.execute(self._search, params).all()
                else:
                    for k, w in enumerate(words):
                        params[f"w{k}"] = [f"%{term(a, w)}%" for a in chunks[i]]
                    rows = self._pg(conn, PG_SEARCH, self._walks[len(words)], params)
                complete = complete and len(rows) < fetch
                found.extend(rows)
            found.sort(key=lambda row: row.pk, reverse=True)
            ids = list(dict.fromkeys(row.entity_id for row in found[:fetch]))
            if len(ids) >= wanted or complete:
                return ids[offset:wanted]
            fetch *= 4

    @staticmethod
    def _pg(conn, settings: dict[str, str], query, params: dict) -> list:
        """``query`` with gugus's planner settings around it (store/statements.py
        ``pg_settings``: read and set in one round trip, restored after)."""
        names = sorted(settings)
        read_set = ", ".join(
            f"current_setting('{n}'), set_config('{n}', '{settings[n]}', true)" for n in names
        )
        before = conn.execute(text(f"SELECT {read_set}")).one()[0::2]  # noqa: S608 - constants
        rows = conn.execute(query, params).all()
        restore = ", ".join(f"set_config('{n}', :v{i}, true)" for i, n in enumerate(names))
        conn.execute(text(f"SELECT {restore}"), {f"v{i}": v for i, v in enumerate(before)})  # noqa: S608
        return rows


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
    grantees = [g for g in os.environ["PEER_GRANTEES"].split(",") if g]
    return create_app(PeerQueries(engine_for(os.environ["PEER_DB"]), grantees))

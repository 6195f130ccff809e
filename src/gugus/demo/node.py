"""Build a demo node: generate the synthetic world, create its organisations,
users and collections, load every collection through the normal importers."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from gugus import admin
from gugus.audit.keys import anchor_path
from gugus.demo.files import render
from gugus.demo.world import generate
from gugus.ingest import ftm
from gugus.ingest.dispatch import load_paths
from gugus.node import Node
from gugus.store import statements as stmt_sql
from gugus.store.db import audit_file, default_key_path


def create_directory(node: Node, manifest: dict) -> list[dict]:
    """The world's organisations, users (with their first token, shown once)
    and collections with their markings; returns one login per user."""
    for org in manifest["organisations"]:
        admin.add_organisation(node, org["code"], org["name"], org["country"])
    logins = []
    for user in manifest["users"]:
        created = admin.add_user(node, user["username"], user["org"], user["role"])
        logins.append(
            {
                "org": user["org"],
                "username": user["username"],
                "role": user["role"],
                "password": created["password"],
                "token": created["token"],
            }
        )
    for coll in manifest["collections"]:
        m = coll["marking"]
        admin.add_collection(
            node,
            coll["name"],
            coll["org"],
            m["tlp"],
            m.get("handling"),
            handling_text=m.get("handling_text"),
            release_to=m.get("release_to"),
            recipients=m.get("recipients"),
            purpose=m.get("purpose"),
            label=coll.get("label"),
            country=coll.get("country"),
        )
    return logins


def demo_xref(node: Node, logins: list[dict]) -> dict:
    """Cross-reference the loaded world as the analyst who may read the most
    collections (in the demo world: HSI's, who reads HSI, INM, UIF and FGR),
    so the cross-agency persons are linked as soon as the node is up."""
    from gugus import reads
    from gugus.xref import runs

    analysts = [login["username"] for login in logins if login["role"] == "analyst"]
    if not analysts:
        return {}
    readers = [node.reader(name) for name in analysts]
    reader = max(readers, key=lambda r: (len(reads.visible_collections(node, r)), r.username))
    run = runs.start(node, reader, purpose="demo: cross-agency links")
    return {"user": reader.username, **run}


def build_demo(
    directory: Path, *, seed: int = 1, people: int = 300, via: str = "files", xref: bool = True
) -> dict:
    """A fresh demo node in ``directory`` (its previous demo content is replaced).

    ``via="files"`` (default) renders the world as the files agencies hold —
    CSV/XLSX tables with their mappings, an HTCDS case file, documents — and
    loads each through its importer; ``via="ftm"`` loads the world's FtM JSON
    lines directly (the bulk-ingest benchmark measures that path)."""
    if via not in ("files", "ftm"):
        raise ValueError(f"via: {via!r} (files or ftm)")
    started = time.perf_counter()
    directory = Path(directory)
    world_dir = directory / "world"
    db_path = directory / "gugus.db"
    if world_dir.exists():
        shutil.rmtree(world_dir)
    # A fresh node: data, its audit file, node key and anchor.
    for path in (db_path, audit_file(db_path)):
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    key = Path(default_key_path(f"sqlite:///{db_path.absolute()}"))
    anchor = anchor_path(key)
    for path in (key, anchor, anchor.with_name(anchor.name + ".lock")):
        path.unlink(missing_ok=True)
    directory.mkdir(parents=True, exist_ok=True)
    manifest = generate(world_dir, seed=seed, people=people)

    node = Node(str(db_path))
    node.db.migrate()
    logins = create_directory(node, manifest)
    loads = []
    render_seconds = 0.0
    if via == "files":
        render_started = time.perf_counter()
        files = render(world_dir)
        render_seconds = time.perf_counter() - render_started
    load_started = time.perf_counter()
    for coll in manifest["collections"]:
        if via == "ftm":
            summary = ftm.load_file(node, coll["name"], world_dir / coll["file"])
            loads.append({"path": coll["file"], "format": "ftm", **summary.to_dict()})
            continue
        for load in files["collections"][coll["name"]]:
            summary = load_paths(
                node,
                coll["name"],
                [world_dir / load["path"]],
                mapping=world_dir / load["mapping"] if load["mapping"] else None,
                fmt=load["format"],
            )
            loads.append(
                {"path": load["path"], "format": load["format"] or "table", **summary.to_dict()}
            )
    load_seconds = time.perf_counter() - load_started
    xref_started = time.perf_counter()
    linked = demo_xref(node, logins) if xref else {}
    xref_seconds = time.perf_counter() - xref_started
    with node.db.reader.connect() as conn:
        total = stmt_sql.count(conn)
    node.close()
    logins_file = directory / "logins.json"
    logins_file.write_text(json.dumps(logins, indent=2))
    os.chmod(logins_file, 0o600)
    return {
        "db": str(db_path),
        "world": str(world_dir),
        "logins_file": str(logins_file),
        "logins": logins,
        "loads": loads,
        "statements": total,
        "render_seconds": render_seconds,
        "load_seconds": load_seconds,
        "xref": linked,
        "xref_seconds": xref_seconds,
        "seconds": time.perf_counter() - started,
    }

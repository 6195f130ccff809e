"""`gugus serve` and `gugus demo`: the HTTP API."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from gugus.cli.common import (
    DbOpt,
    HostOpt,
    JsonOpt,
    PortOpt,
    SafeTable,
    app,
    handled,
    open_node,
    out,
    print_json,
)


@app.command()
@handled
def serve(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    workers: Annotated[
        int, typer.Option("--workers", help="Server processes (one per core).", metavar="N")
    ] = 1,
    db: DbOpt = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs); SIGTERM or Ctrl-C stops it
    within a bounded time (requests in flight get 10 s)."""
    from gugus import shared_results
    from gugus.api import create_app, serving

    serving.check_port(host, port)
    node = open_node(db)  # fails early, with the usual message, on a bad database
    out.print(f"gugus API on http://{host}:{port}/  (docs: http://{host}:{port}/docs)")
    if workers > 1:
        os.environ["GUGUS_DB"] = node.db.url
        if node.db.path is not None:  # the workers share search results in a file
            shared_results.remove(node.db.path)  # none kept from an earlier server
            os.environ[shared_results.ENV] = "1"
        node.close()
        serving.serve_workers("gugus.api.app:app_from_env", host=host, port=port, workers=workers)
    else:
        serving.serve_app(create_app(node), host=host, port=port)


@app.command()
@handled
def demo(
    directory: Annotated[
        Path,
        typer.Option(
            "--dir", help="Where to write the demo world and its database.", metavar="DIR"
        ),
    ] = Path("demo-node"),
    seed: Annotated[
        int,
        typer.Option(
            "--seed", help="Seed of the synthetic world (same seed, same world).", metavar="N"
        ),
    ] = 1,
    people: Annotated[
        int, typer.Option("--people", help="Persons in the synthetic world.", metavar="N")
    ] = 300,
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build the node and stop.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Build a fresh demo node (synthetic task-force world) and serve it."""
    from gugus.api.serving import check_port
    from gugus.demo.node import build_demo

    if not no_serve:  # before the minute of building, not after it
        check_port(host, port)
    result = build_demo(directory, seed=seed, people=people)
    if as_json:
        print_json(result)
    else:
        out.print(
            f"demo node: {result['db']}  ({result['statements']} statements in {result['seconds']:.1f} s)"
        )
        table = SafeTable(
            "organisation",
            "username",
            "role",
            "password",
            title="logins (one per organisation and role)",
        )
        for login in result["logins"]:
            table.add_row(login["org"], login["username"], login["role"], login["password"])
        out.print(table)
        linked = result.get("xref") or {}
        if linked.get("run"):
            user, db = linked["user"], result["db"]
            counts = linked.get("counts") or {}
            pairs = counts.get("pairs", 0)
            out.print(
                f"cross-referenced as {user}: {pairs} pairs, "
                f"{counts.get('hit_notices', 0)} hit notices (xref run {linked['run']}). Try:\n"
                f"  gugus xref review --as {user} --db {db}\n"
                f"  gugus notices --as {user} --db {db}",
                markup=False,
            )
        if not no_serve:
            first = next(
                (x for x in result["logins"] if x["username"] == linked.get("user")),
                result["logins"][0] if result["logins"] else None,
            )
            where = f"http://{host}:{port}/"
            if first is not None:
                out.print(
                    f"web UI: open {where} and log in as {first['username']} "
                    f"(password {first['password']}); Español / English at the top right",
                    markup=False,
                    highlight=False,
                )
    if not no_serve:
        serve(host=host, port=port, db=result["db"])

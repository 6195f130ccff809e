"""``python -m gugus.demo.files WORLD_DIR``: write a generated world's agency files."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from gugus.demo.files import MANIFEST, render


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m gugus.demo.files",
        description="Write a demo world (python -m gugus.demo.world) as the agencies' files.",
    )
    ap.add_argument("world_dir", type=Path)
    ap.add_argument("--workers", type=int, default=None, help="processes (default: CPUs)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    manifest = render(args.world_dir, workers=args.workers)
    loads = sum(len(v) for v in manifest["collections"].values())
    rows = sum(manifest["rows"].values())
    took = time.perf_counter() - started
    print(f"{args.world_dir / MANIFEST}: {loads} loads, {rows} table rows ({took:.1f}s)")


if __name__ == "__main__":
    main()

"""`gugus export … | head`: the reader goes away before the output ends.

Tables ended quietly with 1 (rich closes stdout on a broken pipe); `export`
printed "error: Broken pipe" and exited 2.  Both now end alike: quietly, 1.
"""

from __future__ import annotations

import subprocess

from procs import COLLECTION, GUGUS, add_user, env, gugus, write_people


def test_an_export_whose_reader_goes_away_ends_quietly(sqlite_db, tmp_path):
    # ~300 KB of output: past a pipe's 64 KiB, so the export is still writing
    # when the reader leaves.
    people = write_people(tmp_path / "people.jsonl", 1000)
    gugus("load", COLLECTION, str(people), db=sqlite_db)
    add_user(sqlite_db)
    proc = subprocess.Popen(
        [*GUGUS, "export", COLLECTION, "--as", "ana", "--db", sqlite_db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(),
    )
    assert proc.stdout.readline()  # the first line, then the reader leaves
    proc.stdout.close()
    with proc.stderr:
        err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert (proc.returncode, err) == (1, "")

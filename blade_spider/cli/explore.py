"""``blade explore``: browse and search the archive in a web browser, with Datasette.

The archive is exported to ``<archive>/blade.db`` (:mod:`blade_spider.archive.sqlite`) when the
database is missing or older than the archive, then served on 127.0.0.1 only: a researcher
searches, facets by section, year and author, and reads articles without writing code.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from blade_spider.cli.common import common, project_settings

HOST = "127.0.0.1"


def prepare(root: Path) -> tuple[Path, Path, bool]:
    """``(database, metadata file, rebuilt)``: the database refreshed when the archive changed
    since it was built, and Datasette's metadata written beside it."""
    from blade_spider.archive.export import export_archive
    from blade_spider.archive.sqlite import DEFAULT_DB, database_is_current, datasette_metadata

    db_path = root / DEFAULT_DB
    rebuilt = not database_is_current(root, db_path)
    if rebuilt:
        export_archive(root, "sqlite", db_path)
    metadata = root / f"{db_path.stem}.metadata.json"
    metadata.write_text(json.dumps(datasette_metadata(root, db_path.stem), ensure_ascii=False,
                                   indent=2), encoding="utf-8")
    return db_path, metadata, rebuilt


def cmd_explore(args: argparse.Namespace) -> int:
    """Serve the archive; returns only when it cannot (the server replaces this process)."""
    from blade_spider.archive.dataset import optional_module
    from blade_spider.crawl.health import FATAL

    root = Path(project_settings(args.output).get("BLADE_OUTPUT_DIR"))
    try:
        optional_module("datasette", "explore", "blade explore")
        db_path, metadata, rebuilt = prepare(root)
    except (ImportError, FileNotFoundError, ValueError) as exc:
        print(f"blade explore: {exc}", file=sys.stderr)
        return FATAL
    print(f"{'built' if rebuilt else 'up to date:'} {db_path}; serving it on "
          f"http://{HOST}:{args.port}/ (Ctrl-C stops)", flush=True)
    # Datasette takes this process's place: Ctrl-C, SIGTERM and its exit status are its own.
    os.execv(sys.executable, [sys.executable, "-m", "datasette", "serve", str(db_path),
                              "--host", HOST, "--port", str(args.port),
                              "--metadata", str(metadata)])


def register(subparsers: Any) -> None:
    """Add ``blade explore`` to the ``blade`` command's subparsers."""
    explore = subparsers.add_parser(
        "explore", help="browse and full-text search the archive in a browser (Datasette)")

    common(explore)
    explore.add_argument("--port", type=int, default=8001,
                         help="port on 127.0.0.1 (default 8001)")
    explore.set_defaults(func=cmd_explore)

"""``blade changes``: what each crawl did and changed, from ``output/runs.jsonl``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from blade_spider.archive.store import RUNS, read_jsonl
from blade_spider.cli.common import common, project_settings, usage_error
from blade_spider.status import FATAL, OK


def run_text(run: dict[str, Any]) -> list[str]:
    """A run as an operator reads it: one line of totals, then one line per changed article."""
    counts = run.get("counts", {})
    lines = [f"{run.get('started_at', '?')[:19]}  crawl {run.get('crawl_id')}: "
             f"{run.get('outcome')} (exit {run.get('exit_status')}), "
             + ", ".join(f"{counts.get(k, 0)} {k}" for k in
                         ("new", "updated", "unchanged", "gone", "failed"))]
    lines += [f"  new      {article_id}" for article_id in run.get("new", [])]
    lines += [f"  updated  {article_id}: {', '.join(fields) or 'provenance only'}"
              for article_id, fields in run.get("updated", {}).items()]
    lines += [f"  gone     {article_id}" for article_id in run.get("gone", [])]
    lines += [f"  problem  {problem}" for problem in run.get("problems", [])]
    return lines


def cmd_changes(args: argparse.Namespace) -> int:
    try:
        since = date.fromisoformat(args.since).isoformat() if args.since else ""
    except ValueError:
        usage_error(f"bad --since {args.since!r}: expected a date like 2026-12-01")
    root = Path(project_settings(args.output).get("BLADE_OUTPUT_DIR"))
    path = root / RUNS
    if not path.exists():
        print(f"blade changes: no {RUNS} in {root}: no crawl has run there", file=sys.stderr)
        return FATAL
    runs = [r for r in read_jsonl(path) if str(r.get("started_at", "")) >= since]
    for run in runs:
        print(json.dumps(run, ensure_ascii=False) if args.json else "\n".join(run_text(run)))
    if not runs:
        print(f"no crawl since {args.since}")
    return OK


def register(subparsers: Any) -> None:
    """Add ``blade changes`` to the ``blade`` command's subparsers."""
    sub = subparsers.add_parser(
        "changes", help="what each crawl did: new, updated (which fields), gone articles")
    common(sub)
    sub.add_argument("--since", help="only crawls started on or after YYYY-MM-DD")
    sub.add_argument("--json", action="store_true", help="the runs.jsonl lines as they are")
    sub.set_defaults(func=cmd_changes)

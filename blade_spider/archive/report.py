"""What is in the archive, in words: ``blade stats`` and the archive's own ``README.md``.

``archive_stats`` reads every record (through :func:`blade_spider.dataset.load_articles`) and
answers the questions a researcher asks before trusting a corpus: how many articles per year,
which sections and authors dominate, and how often each optional field is actually filled, and by
which extraction layer (a body from the ``generic`` layer is a best guess; one from a Blade
template is exact).

``write_output_readme`` puts a short description next to the data (``output/README.md``), from
the manifest's numbers only, with the dataset card (``DATASET.md``) and a ``CITATION.cff`` filled
from the manifest, so someone who receives only the folder can load, understand and cite it.
The crawl calls it when it finishes.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Sequence
from contextlib import closing
from importlib import resources
from pathlib import Path
from typing import Any

from blade_spider import __version__
from blade_spider.archive.dataset import archive_root, load_articles
from blade_spider.archive.store import MANIFEST, Archive, atomic_write, file_sha256

TOP = 20
#: Optional fields whose coverage the report gives: (label, record field).
COVERAGE = (("subheadline", "subheadline"), ("authors", "authors"), ("modified", "modified"),
            ("photo caption", "photo_caption"), ("photo credit", "photo_credit"),
            ("images", "images"), ("comments", "comments"), ("tags", "tags"),
            ("language", "language"))
#: Fields whose winning extraction layer (``crawl.parser_layers``) the report breaks down.
LAYER_FIELDS = ("body_blocks", "published", "headline")
NONE = "(none)"
REPOSITORY = "https://github.com/blade-spider/blade_spider"
DATASET_CARD = f"{REPOSITORY}/blob/main/docs/DATASET.md"
TITLE = "Washington Blade article archive"
PUBLISHER = "Brown, Naff, Pitts Omnimedia, Inc. (the Washington Blade)"
#: The terms, as the card's "Copyright and terms of use" states them, in one line.
TERMS = (f"Articles © {PUBLISHER}; reader comments © their authors. Collected for research; "
         "redistributing full texts may need the publisher's permission.")


def text_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table: columns padded to their widest cell, numbers right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(v) for v in row] for row in rows]
    numeric = [all(isinstance(row[i], (int, float)) or str(row[i]).endswith("%")
                   for row in rows) and bool(rows) for i in range(len(headers))]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(cell.rjust(w) if num else cell.ljust(w)
                         for cell, w, num in zip(row, widths, numeric, strict=True)).rstrip()

    return "\n".join([line(cells[0]), line(["-" * w for w in widths])]
                     + [line(row) for row in cells[1:]])


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "-"


def _shown(counts: Counter[str]) -> str:
    return f"{len(counts)} in all" + (f", the top {TOP} shown" if len(counts) > TOP else "")


def _ranked(counts: Counter[str], total: int) -> list[tuple[str, int, str]]:
    """The ``TOP`` most frequent names, ties broken by name so the report is stable."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP]
    return [(name, count, _share(count, total)) for name, count in ranked]


def archive_stats(path: str | Path = "output") -> str:
    """The archive report: totals, articles per year, top sections and authors, field coverage
    and extraction layers, as plain-text tables."""
    years: Counter[str] = Counter()
    sections: Counter[str] = Counter()
    authors: Counter[str] = Counter()
    filled: Counter[str] = Counter()
    layers: dict[str, Counter[str]] = {name: Counter() for name in LAYER_FIELDS}
    total = 0
    for record in load_articles(path):
        total += 1
        years[str(record.get("published") or "")[:4] or NONE] += 1
        sections[record.get("section") or NONE] += 1
        authors.update(record.get("authors") or [NONE])
        filled.update(field for _, field in COVERAGE if record.get(field))
        used = record.get("crawl", {}).get("parser_layers") or {}
        for name in LAYER_FIELDS:
            layers[name][used.get(name, NONE)] += 1
    manifest = Archive(path).read_manifest() or {}
    span = f"{min(years)}–{max(years)}" if years else "no years"
    parts = [f"Archive {Path(path)}: {total} articles, {span}, "
             f"schema version {manifest.get('schema_version', '?')}"]
    if manifest.get("last_crawl"):
        parts.append(f"Last crawl: {crawl_summary(manifest['last_crawl'])}")
    parts += [
        "", "Articles per year",
        text_table(["year", "articles"], sorted(years.items())),
        "", f"Sections ({_shown(sections)})",
        text_table(["section", "articles", "share"], _ranked(sections, total)),
        "", f"Authors ({_shown(authors)}; an article counts for each of its authors)",
        text_table(["author", "articles", "share"], _ranked(authors, total)),
        "", "Field coverage (records where the field is non-empty)",
        text_table(["field", "records", "share"],
                   [(label, filled[field], _share(filled[field], total))
                    for label, field in COVERAGE]),
        "", "Extraction layer that gave the field (crawl.parser_layers)",
        text_table(["field", "layer", "records", "share"],
                   [(name, layer, count, _share(count, total))
                    for name in LAYER_FIELDS
                    for layer, count in sorted(layers[name].items(),
                                               key=lambda item: (-item[1], item[0]))]),
    ]
    return "\n".join(parts) + "\n"


#: Fields whose coverage ``blade stats --by`` and the HTML report follow over time.
PERIOD_COVERAGE = ("headline", "authors", "published with time", "photo caption", "comments")
#: What a period key is cut from ``published`` (``YYYY-MM-DD...``).
PERIODS = {"month": 7, "year": 4}
#: Counts of a crawl run (``state.sqlite3`` crawls) that the report charts.
RUN_COUNTS = ("new", "updated", "unchanged", "gone", "failed", "rejected")


def _covered(record: dict[str, Any]) -> list[str]:
    """Which of :data:`PERIOD_COVERAGE` the record fills; a date-only ``published`` (a midnight
    placeholder, ``crawl.date_precision``) does not count as a publication time."""
    precision = (record.get("crawl") or {}).get("date_precision") or {}
    filled = {"headline": record.get("headline"), "authors": record.get("authors"),
              "published with time": record.get("published")
              and precision.get("published") != "day",
              "photo caption": record.get("photo_caption"), "comments": record.get("comments")}
    return [name for name in PERIOD_COVERAGE if filled[name]]


def layer_of(record: dict[str, Any]) -> str:
    """The layer that read a record: its Blade design (``crawl.template``), else the layer that
    gave its headline, so a site redesign shows as a change of layer from one month to the next."""
    crawl = record.get("crawl") or {}
    return crawl.get("template") or (crawl.get("parser_layers") or {}).get("headline") or NONE


def crawl_runs(path: str | Path) -> list[dict[str, Any]]:
    """Every crawl run recorded in ``state.sqlite3`` (read-only): when, how it ended, counts."""
    state = Path(path) / "state.sqlite3"
    if not state.exists():
        return []
    with closing(sqlite3.connect(f"{state.resolve().as_uri()}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT id, started_at, finish_reason, summary FROM crawls "
                          "ORDER BY id").fetchall()
    runs = []
    for run_id, started, reason, summary in rows:
        counts = json.loads(summary or "{}")
        runs.append({"run": run_id, "started_at": started, "outcome": reason or "unfinished",
                     **{key: int(counts.get(key) or 0) for key in RUN_COUNTS}})
    return runs


def period_stats(path: str | Path = "output", by: str | None = None) -> dict[str, Any]:
    """The archive's numbers per publication month or year (``by``; ``None``: one period,
    ``all``): articles, comments, sections, authors, field coverage, extraction layer; and the
    counts of every crawl run. What ``blade stats --by`` prints and the HTML report charts."""
    if by is not None and by not in PERIODS:
        raise ValueError(f"unknown period {by!r}: choose one of {', '.join(PERIODS)}")
    path = archive_root(path)
    periods: dict[str, dict[str, Any]] = {}
    total = 0
    for record in load_articles(path):
        total += 1
        key = str(record.get("published") or "")[:PERIODS[by]] if by else "all"
        period = periods.setdefault(key, {"articles": 0, "comments": 0, "sections": Counter(),
                                          "authors": Counter(), "coverage": Counter(),
                                          "layers": Counter()})
        period["articles"] += 1
        period["comments"] += len(record.get("comments") or ())
        period["sections"][record.get("section") or NONE] += 1
        period["authors"].update(record.get("authors") or ())
        period["coverage"].update(_covered(record))
        period["layers"][layer_of(record)] += 1
    for period in periods.values():
        period["coverage"] = {name: period["coverage"][name] for name in PERIOD_COVERAGE}
        for name in ("sections", "authors", "layers"):
            period[name] = dict(sorted(period[name].items(), key=lambda i: (-i[1], i[0])))
    return {"by": by or "all", "articles": total, "periods": dict(sorted(periods.items())),
            "crawls": crawl_runs(path)}


def period_rows(stats: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """``(period, measure, name, value)`` rows of :func:`period_stats`: the tidy (long) form
    for CSV and spreadsheets."""
    rows: list[tuple[str, str, str, int]] = []
    for key, period in stats["periods"].items():
        rows += [(key, "articles", "", period["articles"]),
                 (key, "comments", "", period["comments"])]
        for measure, names in (("section", "sections"), ("author", "authors"),
                               ("coverage", "coverage"), ("layer", "layers")):
            rows += [(key, measure, name, count) for name, count in period[names].items()]
    for run in stats["crawls"]:
        rows += [(f"run {run['run']}", key, run["started_at"], run[key]) for key in RUN_COUNTS]
    return rows


def period_text(stats: dict[str, Any]) -> str:
    """:func:`period_stats` as a plain-text table, one line per period."""
    rows = []
    for key, period in stats["periods"].items():
        top = next(iter(period["sections"]), NONE)
        rows.append((key, period["articles"], period["comments"],
                     *(period["coverage"][name] for name in PERIOD_COVERAGE), top,
                     ", ".join(f"{layer} {n}" for layer, n in period["layers"].items())))
    has = [f"has {name.removeprefix('published with ').removeprefix('photo ')}"
           for name in PERIOD_COVERAGE]  # has headline, ..., has time, has caption, ...
    return text_table([stats["by"], "articles", "comments", *has, "top section", "layers"],
                      rows) + "\n"


def crawl_summary(last_crawl: dict[str, Any]) -> str:
    """One line for the manifest's ``last_crawl``: when it finished, how, and what it did."""
    counts = ", ".join(f"{key.replace('_', ' ')} {last_crawl[key]}"
                       for key in ("new", "updated", "unchanged", "gone", "failed", "rejected")
                       if key in last_crawl)
    status = last_crawl.get("exit_status")
    verdict = ("ok" if status == 0 else f"exit status {status}: "
               + "; ".join(last_crawl.get("problems") or [])) if status is not None else "?"
    return f"finished {last_crawl.get('finished_at', '?')} ({verdict}): {counts}"


def write_output_readme(path: str | Path, manifest: dict[str, Any]) -> Path:
    """Write ``<archive>/README.md`` describing the archive from ``manifest`` (as written by
    :meth:`blade_spider.archive.store.Archive.write_manifest`); returns the file's path.

    Only the manifest is read, so calling it at the end of every crawl costs nothing, and the
    same manifest always gives the same README.
    """
    root = Path(path)
    name = root.resolve().name
    years = manifest.get("years") or []
    span = f"{years[0]}–{years[-1]}" if years else "none yet"
    last = manifest.get("last_crawl")
    lines = [
        "# Washington Blade article archive",
        "",
        "Articles of the Washington Blade (washingtonblade.com) collected by the blade_spider",
        "crawler: one JSON object per article, one line each, in monthly JSON Lines files.",
        "",
        f"- articles: {manifest.get('articles', 0)}",
        f"- years covered (publication): {span}",
        f"- files: {len(manifest.get('files') or {})} (`articles/YYYY/YYYY-MM.jsonl`, "
        "by publication month in New York time, sorted by publication time)",
        f"- record schema version: {manifest.get('schema_version', '?')}",
        "- last crawl: " + (crawl_summary(last) if last else "none recorded"),
        "",
        f"`{MANIFEST}` lists every file with its record count and SHA-256; `history/` keeps",
        "earlier versions of articles that changed; `state.sqlite3` is the crawler's index.",
        "",
        "## Loading",
        "",
        f"Run these from the directory that contains `{name}/`.",
        "",
        "```python",
        "from blade_spider.dataset import to_dataframe   # pip install 'blade_spider[pandas]'",
        f'df = to_dataframe("{name}", since="2017-01-01", until="2017-12-31")',
        "",
        "import pandas as pd                              # one month, without blade_spider",
        f'df = pd.read_json("{name}/articles/2017/2017-09.jsonl", lines=True)',
        "",
        "import duckdb",
        f"duckdb.sql(\"SELECT * FROM read_json_auto('{name}/articles/*/*.jsonl', "
        "union_by_name=true)\")",
        "```",
        "",
        "```sh",
        f"jq -r '[.published, .headline] | @tsv' {name}/articles/*/*.jsonl",
        f"blade export --output {name} --format parquet --out blade.parquet"
        "   # typed columns for any tool",
        f"blade explore --output {name}      # search and browse it in a web browser",
        "```",
        "",
        "Every field, its type and meaning, how the data was collected, its known gaps, how to",
        "cite it and the copyright terms: the dataset card, `DATASET.md` beside this file (a copy",
        f"of docs/DATASET.md, {DATASET_CARD}); `schema.json` is the record's JSON Schema;",
        "`CITATION.cff` says how to cite this snapshot.",
        "",
        "Articles are © Brown, Naff, Pitts Omnimedia, Inc. (the Washington Blade). This archive",
        "is for research; redistributing full texts may need the publisher's permission.",
    ]
    target = root / "README.md"
    atomic_write(target, lines)
    atomic_write(root / "DATASET.md", [dataset_card().rstrip("\n")])
    write_citation(root, manifest)
    return target


def dataset_card() -> str:
    """The dataset card (docs/DATASET.md, shipped in the package as ``blade_spider/DATASET.md``)."""
    return resources.files("blade_spider").joinpath("DATASET.md").read_text(encoding="utf-8")


def citation(root: str | Path, manifest: dict[str, Any]) -> dict[str, str]:
    """What identifies this snapshot of the archive: title, article count, date range, version
    (the crawler's, and the manifest's SHA-256, which pins every file), release date, and the
    sentence to cite it with."""
    years = manifest.get("years") or []
    span = f"{years[0]}–{years[-1]}" if years else "no articles yet"
    finished = str((manifest.get("last_crawl") or {}).get("finished_at") or "")
    manifest_path = Path(root) / MANIFEST
    digest = file_sha256(manifest_path)[:12] if manifest_path.exists() else "none"
    articles = manifest.get("articles", 0)
    version = f"{__version__}+manifest.{digest}"
    return {
        "title": f"{TITLE}, {span}", "articles": str(articles), "years": span,
        "version": version, "date": finished[:10], "finished": finished or "never",
        "text": (f"{TITLE}, collected with blade_spider {__version__}; {articles} articles "
                 f"published {span}; last crawl finished {finished or 'never'}; manifest.json "
                 f"SHA-256 {digest}."),
    }


def write_citation(root: str | Path, manifest: dict[str, Any]) -> Path:
    """Write ``<archive>/CITATION.cff`` (Citation File Format 1.2) from the manifest."""
    cite = citation(root, manifest)

    def quoted(value: str) -> str:  # a JSON string is a valid YAML double-quoted scalar
        return json.dumps(value, ensure_ascii=False)

    lines = [
        "cff-version: 1.2.0",
        "message: " + quoted("Cite this snapshot of the archive as below, and the articles you "
                             "quote as the Washington Blade's work (author, headline, date, URL)."),
        "type: dataset",
        "title: " + quoted(cite["title"]),
        "version: " + quoted(cite["version"]),
        *(["date-released: " + quoted(cite["date"])] if cite["date"] else []),
        "authors:",
        "  - name: " + quoted(PUBLISHER),
        "abstract: " + quoted(f"{cite['articles']} articles of the Washington Blade "
                              f"(washingtonblade.com) published {cite['years']}, one JSON object "
                              "per article in monthly JSON Lines files (record schema version "
                              f"{manifest.get('schema_version', '?')}); collected with "
                              f"blade_spider {__version__}, last crawl finished "
                              f"{cite['finished']}. {TERMS}"),
        "url: " + quoted("https://www.washingtonblade.com/"),
        "repository-code: " + quoted(REPOSITORY),
        "keywords:",
        *(f"  - {quoted(word)}" for word in ("LGBTQ", "news", "journalism", "Washington Blade",
                                              "web archive")),
        "preferred-citation:",
        "  type: generic",
        "  title: " + quoted(cite["text"]),
        "  authors:",
        "    - name: " + quoted(PUBLISHER),
        *(["  year: " + cite["date"][:4]] if cite["date"] else []),
    ]
    target = Path(root) / "CITATION.cff"
    atomic_write(target, lines)
    return target

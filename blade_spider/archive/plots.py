"""A picture of the archive: one self-contained HTML page of charts, each with its numbers.

Every chart is drawn by matplotlib as inline SVG and every number comes from
:func:`blade_spider.archive.report.period_stats` (what ``blade stats --by`` prints), so the page
needs no network, no JavaScript and no other file, and its tables can be checked against the
command line. matplotlib is an optional extra (``pip install 'blade_spider[report]'``).
"""

from __future__ import annotations

import html
import io
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from blade_spider.archive.dataset import optional_module
from blade_spider.archive.report import PERIOD_COVERAGE, RUN_COUNTS, TITLE, citation, period_stats
from blade_spider.archive.store import Archive, atomic_write

#: Sections and authors drawn by name; the rest are summed as "other".
TOP_SECTIONS = 8
TOP_AUTHORS = 6
OTHER = "(other)"

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2.2em; border-bottom: 1px solid #ccc; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
details { margin: .5em 0 1.5em; } summary { cursor: pointer; color: #245; }
table { border-collapse: collapse; font-size: 13px; margin-top: .5em; }
th, td { border: 1px solid #ddd; padding: 2px 6px; } td.n { text-align: right; }
th { background: #f3f3f3; text-align: left; }
"""


def require_matplotlib() -> Any:
    return optional_module("matplotlib", "report", "blade report")


def _top(counters: Sequence[dict[str, int]], size: int) -> list[str]:
    """The ``size`` names with the largest totals over ``counters`` (ties by name)."""
    total: Counter[str] = Counter()
    for counts in counters:
        total.update(counts)
    return [name for name, _ in sorted(total.items(), key=lambda i: (-i[1], i[0]))[:size]]


def _grouped(counts: dict[str, int], names: list[str]) -> list[int]:
    """Counts of ``names``, then everything else as one "other" count."""
    return [counts.get(name, 0) for name in names] + \
        [sum(v for k, v in counts.items() if k not in names)]


def _every_period(periods: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``periods`` (``YYYY`` or ``YYYY-MM`` keys) with the empty months or years between the
    first and the last filled in, so a time axis has no silent gaps."""
    if not periods:
        return {}
    keys = list(periods)
    empty = {"articles": 0, "comments": 0, "sections": {}, "authors": {}, "layers": {},
             "coverage": dict.fromkeys(PERIOD_COVERAGE, 0)}
    first, last = keys[0], keys[-1]
    if len(first) == 4:
        span = [str(year) for year in range(int(first), int(last) + 1)]
    else:
        def index(month: str) -> int:
            return int(month[:4]) * 12 + int(month[5:]) - 1

        span = [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(index(first), index(last) + 1)]
    return {key: periods.get(key, empty) for key in span}


def _svg(figure: Any) -> str:
    """The figure as inline SVG (text kept as text; no date, so the same data, the same bytes)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _table(table_id: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An HTML table; numbers right-aligned."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{v}</td>' if isinstance(v, (int, float))
                         else f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in rows)
    return (f'<table id="{table_id}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _stacked(plt: Any, labels: list[str], series: dict[str, list[int]], ylabel: str) -> str:
    figure, axes = plt.subplots(figsize=(11, 4))
    bottom = [0] * len(labels)
    for name, values in series.items():
        axes.bar(labels, values, bottom=bottom, label=name, width=0.85)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    _finish(axes, labels, ylabel)
    return _close(plt, figure)


def _lines(plt: Any, labels: list[str], series: dict[str, list[float]], ylabel: str) -> str:
    figure, axes = plt.subplots(figsize=(11, 4))
    for name, values in series.items():
        axes.plot(labels, values, marker="o", label=name)
    _finish(axes, labels, ylabel)
    return _close(plt, figure)


def _finish(axes: Any, labels: list[str], ylabel: str) -> None:
    axes.set_ylabel(ylabel)
    step = max(1, len(labels) // 24)  # at most about 24 tick labels
    axes.set_xticks(range(0, len(labels), step), labels[::step], rotation=60, ha="right",
                    fontsize=8)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _close(plt: Any, figure: Any) -> str:
    svg = _svg(figure)
    plt.close(figure)
    return svg


def _section(title: str, note: str, chart: str, table: str) -> str:
    return (f"<h2>{html.escape(title)}</h2><p>{html.escape(note)}</p><figure>{chart}</figure>"
            f"<details open><summary>The numbers</summary>{table}</details>")


def build_report(path: str | Path = "output") -> str:
    """The report page for the archive at ``path``."""
    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "blade_spider"})
    monthly, yearly = period_stats(path, "month"), period_stats(path, "year")
    every_month, every_year = _every_period(monthly["periods"]), _every_period(yearly["periods"])
    months, years = list(every_month), list(every_year)
    by_month, by_year = list(every_month.values()), list(every_year.values())
    parts = []

    sections = _top([p["sections"] for p in by_month], TOP_SECTIONS)
    columns = [*sections, OTHER]
    cells = [_grouped(p["sections"], sections) for p in by_month]
    parts.append(_section(
        "Articles per month, by section",
        f"The {len(sections)} largest sections by name, the rest as {OTHER}.",
        _stacked(plt, months, {name: [row[i] for row in cells]
                               for i, name in enumerate(columns)}, "articles"),
        _table("articles-by-section", ["month", "articles", *columns],
               [(m, p["articles"], *row) for m, p, row in zip(months, by_month, cells,
                                                              strict=True)])))

    authors = _top([p["authors"] for p in by_year], TOP_AUTHORS)
    parts.append(_section(
        "The most frequent authors over time",
        f"Articles per year of the {len(authors)} most frequent bylines.",
        _lines(plt, years, {a: [p["authors"].get(a, 0) for p in by_year] for a in authors},
               "articles"),
        _table("authors-by-year", ["year", *authors],
               [(y, *(p["authors"].get(a, 0) for a in authors))
                for y, p in zip(years, by_year, strict=True)])))

    parts.append(_section(
        "Comments per month",
        "Reader comments printed in the pages of the articles published that month.",
        _stacked(plt, months, {"comments": [p["comments"] for p in by_month]}, "comments"),
        _table("comments-by-month", ["month", "articles", "comments"],
               [(m, p["articles"], p["comments"]) for m, p in zip(months, by_month,
                                                                  strict=True)])))

    parts.append(_section(
        "Field coverage per year",
        "Share of the year's articles that have each field (a date-only publication date does "
        "not count as a time).",
        _lines(plt, years, {f: [round(100 * p["coverage"][f] / p["articles"], 1)
                                if p["articles"] else float("nan") for p in by_year]
                            for f in PERIOD_COVERAGE}, "% of articles"),
        _table("coverage-by-year", ["year", "articles", *PERIOD_COVERAGE],
               [(y, p["articles"], *(p["coverage"][f] for f in PERIOD_COVERAGE))
                for y, p in zip(years, by_year, strict=True)])))

    layers = _top([p["layers"] for p in by_month], 99)
    parts.append(_section(
        "Which extraction layer read each month's articles",
        "The Blade design that matched the page, else the layer that read the headline: a "
        "redesign of the site shows as a change of colour.",
        _stacked(plt, months, {name: [p["layers"].get(name, 0) for p in by_month]
                               for name in layers}, "articles"),
        _table("layers-by-month", ["month", *layers],
               [(m, *(p["layers"].get(name, 0) for name in layers))
                for m, p in zip(months, by_month, strict=True)])))

    runs = monthly["crawls"]
    labels = [f"run {run['run']}" for run in runs]
    parts.append(_section(
        "Failures and changes per crawl run",
        "What each crawl recorded in state.sqlite3: new, updated, unchanged and gone articles, "
        "pages that failed, records refused by validation.",
        _stacked(plt, labels, {key: [run[key] for run in runs] for key in RUN_COUNTS},
                 "articles or pages"),
        _table("crawl-runs", ["run", "started", "outcome", *RUN_COUNTS],
               [(run["run"], run["started_at"], run["outcome"],
                 *(run[key] for key in RUN_COUNTS)) for run in runs])))

    cite = citation(path, Archive(path).read_manifest() or {})
    head = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(TITLE)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{html.escape(TITLE)}</h1><p>{monthly['articles']} articles published "
            f"{html.escape(cite['years'])}. Cite as: {html.escape(cite['text'])}</p>")
    return head + "".join(parts) + "</body></html>\n"


def write_report(path: str | Path, out: str | Path) -> Path:
    """Write the report page of the archive at ``path`` to ``out`` (atomically)."""
    page = build_report(path)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, [page.rstrip("\n")])
    return target

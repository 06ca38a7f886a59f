"""``blade stats --by/--format`` and ``blade report`` on a crawled archive: the report's tables
against the command line's numbers, the page offline and rendered in headless Chromium."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from blade_spider.archive.report import PERIOD_COVERAGE, RUN_COUNTS
from blade_spider.cli import main
from tests.conftest import archived
from tests.test_explore import CHROMIUM


def stats_json(root: Path, by: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["stats", "--output", str(root), "--by", by, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_stats_by_month_and_year(crawled_archive: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    records = archived(crawled_archive)
    monthly = stats_json(crawled_archive, "month", capsys)
    assert monthly["articles"] == len(records)
    assert {m: p["articles"] for m, p in monthly["periods"].items()} == \
        dict(Counter(r["published"][:7] for r in records))
    yearly = stats_json(crawled_archive, "year", capsys)
    comments = Counter()
    for r in records:
        comments[r["published"][:4]] += r["comment_count"]
    assert {y: p["comments"] for y, p in yearly["periods"].items()} == dict(comments)
    year = next(iter(yearly["periods"]))
    in_year = [r for r in records if r["published"].startswith(year)]
    assert yearly["periods"][year]["coverage"]["photo caption"] == \
        sum(bool(r["photo_caption"]) for r in in_year)
    assert [(run["new"], run["updated"]) for run in yearly["crawls"]] == [(len(records), 0),
                                                                          (0, 1)]
    assert main(["stats", "--output", str(crawled_archive), "--by", "year",
                 "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["period"]: int(r["value"]) for r in rows if r["measure"] == "articles"} == \
        {y: p["articles"] for y, p in yearly["periods"].items()}
    assert main(["stats", "--output", str(crawled_archive), "--format", "json"]) == 0
    overall = json.loads(capsys.readouterr().out)
    assert list(overall["periods"]) == ["all"]
    assert overall["periods"]["all"]["articles"] == len(records)
    assert main(["stats", "--output", str(crawled_archive), "--by", "year"]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0].split()[:3] == ["year", "articles", "comments"]
    assert text[2].split()[:2] == [year, str(len(in_year))]


def table(page: Any, table_id: str) -> list[dict[str, str]]:
    """Rows of an HTML table as dicts keyed by its header."""
    element = page.get_element_by_id(table_id)
    headers = [th.text_content() for th in element.xpath(".//thead//th")]
    return [dict(zip(headers, (td.text_content() for td in tr.xpath("./td")), strict=True))
            for tr in element.xpath(".//tbody/tr")]


@pytest.fixture(scope="module")
def report_file(crawled_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert main(["report", "--output", str(crawled_archive), "--out", str(out)]) == 0
    return out


def test_report_numbers_are_the_stats(crawled_archive: Path, report_file: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monthly = stats_json(crawled_archive, "month", capsys)["periods"]
    yearly = stats_json(crawled_archive, "year", capsys)
    page = lxml_html.fromstring(report_file.read_text(encoding="utf-8"))
    sections = table(page, "articles-by-section")
    for row in sections:
        stats = monthly.get(row["month"], {"articles": 0, "sections": {}})
        assert int(row["articles"]) == stats["articles"], row
        named = [k for k in row if k not in ("month", "articles", "(other)")]
        for name in named:
            assert int(row[name]) == stats["sections"].get(name, 0), (row, name)
        assert sum(int(row[k]) for k in row if k not in ("month", "articles")) == \
            stats["articles"]
    assert sum(int(row["articles"]) for row in sections) == yearly["articles"]
    months = [row["month"] for row in sections]
    assert months[0] == min(monthly) and months[-1] == max(monthly)
    assert len(months) > len(monthly)  # the empty months between are drawn as zero
    for row in table(page, "comments-by-month"):
        assert int(row["comments"]) == monthly.get(row["month"], {"comments": 0})["comments"]
    for row in table(page, "coverage-by-year"):
        stats = yearly["periods"].get(row["year"])
        if stats:
            assert {f: int(row[f]) for f in PERIOD_COVERAGE} == stats["coverage"]
    for row in table(page, "layers-by-month"):
        stats = monthly.get(row["month"], {"layers": {}})["layers"]
        assert {k: int(v) for k, v in row.items() if k != "month" and v != "0"} == stats
    for row in table(page, "authors-by-year"):
        stats = yearly["periods"].get(row["year"], {"authors": {}})["authors"]
        assert all(int(v) == stats.get(k, 0) for k, v in row.items() if k != "year")
    runs = table(page, "crawl-runs")
    assert [{k: int(row[k]) for k in RUN_COUNTS} for row in runs] == \
        [{k: run[k] for k in RUN_COUNTS} for run in yearly["crawls"]]
    # a redesign shows: the sample site moved from the dateline design to Zox News
    layers = [max(stats["layers"], key=stats["layers"].get) for stats in monthly.values()]
    assert layers[0] == "blade_dateline" and layers[-1] == "blade_zox"
    # self-contained: six inline charts, nothing fetched from anywhere
    assert len(page.xpath("//figure/*[local-name()='svg']")) == 6
    assert page.xpath("//script|//link|//img|//iframe|//*[@src]") == []


def test_report_renders_in_a_real_browser(report_file: Path, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install chromium; .ci/run does as root)")
    shot = tmp_path / "report.png"
    flags = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    subprocess.run([*flags, "--window-size=1200,3000", f"--screenshot={shot}",
                    report_file.as_uri()], capture_output=True, timeout=60, check=False)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000  # charts drawn, not a blank page
    dom = subprocess.run([*flags, "--dump-dom", report_file.as_uri()], capture_output=True,
                         text=True, timeout=60, check=False).stdout
    assert dom.count("<svg") == 6 and "Articles per month, by section" in dom


def test_report_errors_are_clear(tmp_path: Path, crawled_archive: Path,
                                 capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["report", "--output", str(tmp_path / "nowhere"),
                 "--out", str(tmp_path / "r.html")]) == 2
    assert "no archive" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["report", "--output", str(crawled_archive),
                 "--out", str(tmp_path / "r.html")]) == 2
    assert "blade_spider[report]" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()

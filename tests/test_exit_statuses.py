"""Exit statuses and messages are one contract: the README's table, run row by row (issue 21).

Each row of "Exit statuses and messages" in README.md names a case, a command as an operator types
it, the message it must print (``N`` a number, ``…`` anything) and its exit status. This test
reads the table and runs every row through the real entry points (``python -m blade_spider.cli``
for ``blade``, ``python -m scrapy`` for ``scrapy``), adding only where the archive goes and which
local site is crawled. A run that could not run, or a user error, never prints a traceback.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import pytest

from blade_spider.archive.store import Archive
from tests.conftest import ROOT, SampleSite

README = ROOT / "README.md"
#: Nothing listens here: an argument error must stop a run before it asks anything.
NO_SITE = "http://127.0.0.1:9"
BLADE_SUMMARY = re.compile(r"new \d+ \| updated \d+ .* \| archive \d+ articles")


def table_rows() -> list[tuple[str, str, str, int]]:
    """``(case, command, message, exit status)`` of every row of the README's table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Exit statuses and messages", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip().replace("\\|", "|")
                 for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if len(cells) != 4 or not cells[3].isdigit():
            continue
        case, command, message, status = cells
        expected = re.search(r"`([^`]+)`", message)  # the first code span is what is printed
        assert expected is not None, line
        rows.append((case, command.strip("`"), expected.group(1), int(status)))
    return rows


def pattern(message: str) -> re.Pattern[str]:
    """A table message as a regular expression: ``N`` any number, ``…`` anything."""
    parts = [re.sub(r"\bN\b", r"\\d+", re.escape(part)) for part in message.split("…")]
    return re.compile(".*".join(parts))


# --- what each case needs around the command ------------------------------------------------------


@contextmanager
def port_8088_taken() -> Iterator[str]:
    with socket.socket() as holder:
        try:
            holder.bind(("127.0.0.1", 8088))
            holder.listen()
        except OSError:
            pass  # something else holds it already: just as taken
        yield NO_SITE


@contextmanager
def site_with(fault: Callable[[SampleSite], None] | None = None) -> Iterator[str]:
    with SampleSite(n=4, seed=5) as site:
        if fault is not None:
            fault(site)
        yield site.url


def failing_article(site: SampleSite) -> None:
    site.inject(site.archivable_posts()[0].path, "500")  # 1 of 4 article pages: over 5 %


@contextmanager
def archive_locked(output: Path) -> Iterator[str]:
    archive = Archive(output)
    archive.lock()
    try:
        yield NO_SITE
    finally:
        archive.unlock()


SETUPS: dict[str, Callable[[Path], AbstractContextManager[str]]] = {
    "it did its job": lambda output: site_with(),
    "a check failed": lambda output: site_with(failing_article),
    "bad date": lambda output: nullcontext(NO_SITE),
    "bad number": lambda output: nullcontext(NO_SITE),
    "bad site address": lambda output: nullcontext(NO_SITE),
    "bad setting": lambda output: nullcontext(NO_SITE),
    "another crawl is writing the archive": archive_locked,
    "robots.txt unreachable": lambda output: site_with(lambda s: s.inject("/robots.txt", "500")),
    "not in the project directory": lambda output: nullcontext(NO_SITE),
    "port taken": lambda output: port_8088_taken(),
    "offsite URL": lambda output: nullcontext(NO_SITE),
    "URL file missing": lambda output: nullcontext(NO_SITE),
}


def command_line(command: str, site: str, output: Path) -> list[str]:
    """The row's command with the local site, the archive directory and no politeness (the site
    is on this machine) added in front of its own options (so the row's options win)."""
    words = shlex.split(command)
    if words[0] == "blade":
        where = ["-o", str(output)] + (["--articles", "3"] if words[1] == "demo"
                                       else ["--base-url", site])
        return [sys.executable, "-m", "blade_spider.cli", words[1], *where, "-s",
                "RETRY_TIMES=0", "-s", "BLADE_POLITE=False", *words[2:]]
    assert words[:3] == ["scrapy", "crawl", "blade"], command
    return [sys.executable, "-m", "scrapy", "crawl", "blade", "-a", f"base_url={site}",
            "-s", f"BLADE_OUTPUT_DIR={output}", "-s", "RETRY_TIMES=0", "-s", "BLADE_POLITE=False",
            *words[3:]]


ROWS = table_rows()


def test_the_table_covers_every_case_for_both_commands() -> None:
    assert {case for case, *_ in ROWS} == set(SETUPS)
    scrapy_cases = {case for case, command, *_ in ROWS if command.startswith("scrapy ")}
    crawl_cases = {case for case, command, *_ in ROWS if command.startswith("blade crawl")}
    assert crawl_cases <= scrapy_cases  # every crawl case, for blade and for scrapy crawl blade


@pytest.mark.parametrize(("case", "command", "message", "status"), ROWS,
                         ids=[f"{case}: {command}" for case, command, *_ in ROWS])
def test_each_case_gives_its_message_and_exit_status(
        tmp_path: Path, case: str, command: str, message: str, status: int) -> None:
    output = tmp_path / "archive"
    outside = case == "not in the project directory" or command.startswith("blade ")
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with SETUPS[case](output) as site:
        result = subprocess.run(command_line(command, site, output),
                                cwd=tmp_path if outside else ROOT, env=env, capture_output=True,
                                text=True, timeout=120, check=False)
    said = result.stdout + result.stderr
    assert pattern(message).search(said), said[-3000:]
    assert result.returncode == status, said[-3000:]
    if status != 1:  # (a failed check is shown by spidermon with its assertion's traceback)
        assert "Traceback" not in said, said[-3000:]
    if command.startswith("blade") and status == 2:
        assert not BLADE_SUMMARY.search(result.stdout)  # a run that could not run has no summary

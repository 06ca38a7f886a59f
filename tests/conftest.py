"""Shared test helpers: saved pages as Scrapy responses, and the fixture cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = FIXTURES / "pages"


def response_from_file(path: Path, url: str, status: int = 200,
                       headers: dict[str, str] | None = None) -> HtmlResponse:
    """A saved page as the response Scrapy would have given the spider (city-scrapers style)."""
    request = Request(url=url)
    return HtmlResponse(url=url, request=request, body=path.read_bytes(), status=status,
                        headers=headers or {"Content-Type": "text/html; charset=UTF-8"})


WORDPRESS = FIXTURES / "wordpress"


def case_files(name: str) -> tuple[Path, Path]:
    """``(page, expected)`` of a case: ``blade2017_tillerson`` (hand-written Blade pages) or
    ``wordpress/classic/<file>`` (pages rendered by a real WordPress)."""
    if name.startswith("wordpress/"):
        theme_file = name.removeprefix("wordpress/")
        return WORDPRESS / f"{theme_file}.html", WORDPRESS / "expected" / f"{theme_file}.json"
    return PAGES / f"{name}.html", PAGES / f"{name}.json"


def load_case(name: str) -> dict[str, Any]:
    """A fixture case: its request URL, expected record (or None) and reason."""
    return json.loads(case_files(name)[1].read_text(encoding="utf-8"))


def case_names(kind: str = "all") -> list[str]:
    names = sorted(p.stem for p in PAGES.glob("*.json"))
    names += sorted(f"wordpress/{p.parent.name}/{p.stem}"
                    for p in (WORDPRESS / "expected").glob("*/*.json"))
    if kind == "articles":
        return [n for n in names if load_case(n)["expected"] is not None]
    if kind == "non_articles":
        return [n for n in names if load_case(n)["expected"] is None]
    return names


@pytest.fixture(autouse=True)
def _no_network_but_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach beyond 127.0.0.1: any other connection attempt fails loudly."""
    import socket

    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "localhost", "::1") \
                and not host.startswith("/"):
            raise OSError(f"test tried to reach {host}: only 127.0.0.1 is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


# --- end-to-end crawls ---------------------------------------------------------------------------

import subprocess  # noqa: E402
import sys  # noqa: E402

from blade_spider.archive.store import Archive  # noqa: E402
from blade_spider.sample_site import SampleSite  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
#: The sample site is a copy on this machine: crawl it without politeness delays (the production
#: values are exercised by tests/test_politeness.py, which turns this back on).
LOCAL = {"BLADE_POLITE": "False"}


def as_options(settings: dict[str, str]) -> list[str]:
    """``-s NAME=VALUE`` for each setting."""
    return [part for name, value in settings.items() for part in ("-s", f"{name}={value}")]


def run_scrapy(*args: str, output: Path, timeout: float = 120,
               settings: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``scrapy <args>`` in the project directory, as an operator would run it, on a local copy
    (``LOCAL``, unless ``settings`` says otherwise)."""
    command = [sys.executable, "-m", "scrapy", *args, "-s", f"BLADE_OUTPUT_DIR={output}",
               "-s", "LOG_LEVEL=INFO", *as_options({**LOCAL, **(settings or {})})]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          check=False)


def crawl(site: SampleSite, output: Path, *spider_args: str,
          settings: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl blade -a base_url=<site>`` into ``output``."""
    args = ["crawl", "blade", "-a", f"base_url={site.url}"]
    for arg in spider_args:
        args += ["-a", arg]
    return run_scrapy(*args, output=output, settings=settings)


def run_blade(*args: str, timeout: float = 120,
              settings: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The ``blade`` console script (through ``python -m`` so the venv's one is used), crawling
    without politeness (``LOCAL``: every test site is on this machine) unless ``settings`` says
    otherwise."""
    return subprocess.run([sys.executable, "-m", "blade_spider.cli", *args,
                           *as_options({**LOCAL, **(settings or {})})], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)


def archived(output: Path) -> list[dict[str, Any]]:
    return list(Archive(output).iter_records())


def archive_bytes(output: Path) -> dict[str, bytes]:
    """Every archive data file's bytes (records and history), to prove a run changed nothing."""
    return {str(p.relative_to(output)): p.read_bytes()
            for pattern in ("articles/*/*.jsonl", "history/*/*.jsonl")
            for p in sorted(output.glob(pattern))}


@pytest.fixture
def site() -> Any:
    with SampleSite(n=30, seed=3) as running:
        yield running


class SavedPages:
    """A static server on 127.0.0.1 that answers saved fixture pages at their URL paths."""

    def __init__(self, pages: dict[str, Path]) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import urlsplit

        routes = {urlsplit(url).path: path for url, path in pages.items()}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = routes.get(urlsplit(self.path).path)
                body = path.read_bytes() if path else b"not found"
                self.send_response(200 if path else 404)
                self.send_header("Content-Type", "text/html; charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def saved_pages() -> Any:
    """Every hand-written fixture page served at its own URL path."""
    pages = {load_case(name)["url"]: case_files(name)[0] for name in case_names()
             if not name.startswith("wordpress/")}
    server = SavedPages(pages)
    yield server
    server.close()


@pytest.fixture(scope="session")
def crawled_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's archive (``blade demo``: the sample site, 30 articles, seed 0), crawled twice
    with one article edited in between (so it has history): what the researchers' tools
    (export, explore, report) and the README's examples are tested on. Read-only."""
    output = tmp_path_factory.mktemp("crawled") / "output"
    with SampleSite(n=30) as running:
        done = crawl(running, output)
        first = running.archivable_posts()[0]
        running.update_post(first.id, title=f"{first.title} (updated)")
        again = crawl(running, output)
    assert done.returncode == again.returncode == 0, done.stderr[-2000:] + again.stderr[-2000:]
    return output

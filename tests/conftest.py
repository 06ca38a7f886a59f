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


def load_case(name: str) -> dict[str, Any]:
    """A fixture case: its request URL, expected record (or None) and reason."""
    return json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))


def case_names(kind: str = "all") -> list[str]:
    names = sorted(p.stem for p in PAGES.glob("*.json"))
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

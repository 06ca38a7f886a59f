"""Fault injection: the ways real servers misbehave, each small, bounded and on demand.

A fault either replaces the answer (``REPLACING``: errors, redirects, hostile XML), changes how
the page is rendered (``RENDERING``: a missing headline or date), or transforms the normal answer
(``TRANSFORMING``: truncation, encodings, bombs, a late answer). None can hang a client for ever:
``timeout`` sleeps ``timeout_sleep`` seconds and hangs up, ``slow`` answers after ``slow_sleep``
seconds, ``reset`` cuts the connection mid-body.
"""

from __future__ import annotations

import gzip
import re
import threading
import zlib
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import cache

from blade_spider.sample_site import responses
from blade_spider.sample_site.context import Context
from blade_spider.sample_site.render import not_found_page
from blade_spider.sample_site.responses import Response

REPLACING = frozenset({
    "500", "503", "429", "timeout", "redirect_loop", "redirect_chain", "redirect_offsite",
    "soft404", "not_xml", "billion_laughs", "xxe",
})  # fmt: skip
RENDERING = frozenset({"missing_headline", "missing_date"})
TRANSFORMING = frozenset({
    "reset", "slow", "truncated_gzip", "gzip_bomb", "malformed_html", "cp1252", "oversize",
})  # fmt: skip
FAULTS = REPLACING | RENDERING | TRANSFORMING

#: Query parameter carrying the hop number of a ``redirect_chain``.
HOP = "redirect_hop"
CHAIN_LENGTH = 5
BOMB_SIZE = 200 * 2**20

_SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


class FaultBook:
    """Which path gets which fault, and for how many more requests (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, list] = {}

    def inject(self, path: str, fault: str, times: int | None = None) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose from {sorted(FAULTS)}")
        if times is not None and times < 1:
            raise ValueError("times must be None or at least 1")
        with self._lock:
            self._faults[path] = [fault, times]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, *keys: str) -> str | None:
        """The fault for the first key that has one, counting this request against ``times``."""
        with self._lock:
            for key in keys:
                entry = self._faults.get(key)
                if entry is None:
                    continue
                fault, remaining = entry
                if remaining is not None:
                    entry[1] = remaining - 1
                    if entry[1] == 0:
                        del self._faults[key]
                return fault
        return None


def replacing(fault: str, ctx: Context, path: str, params: Mapping[str, str]) -> Response:
    """The answer for a fault that does not need the page at all."""
    makers: dict[str, Callable[[], Response]] = {
        "500": lambda: _error(500, "Internal Server Error"),
        "503": lambda: _error(503, "Service Temporarily Unavailable"),
        "429": lambda: replace(_error(429, "Too Many Requests"), headers={"Retry-After": "1"}),
        "timeout": lambda: Response(0, action="timeout", validators=responses.NONE),
        "redirect_loop": lambda: responses.redirect(
            ctx.url(path if "loop" in params else f"{path}?loop=1"), 302
        ),
        "redirect_chain": lambda: responses.redirect(ctx.url(f"{path}?{HOP}=1")),
        "redirect_offsite": lambda: responses.redirect("https://example.org/", 302),
        "soft404": lambda: responses.html(not_found_page(ctx)),
        "not_xml": lambda: responses.html(_NOT_XML),
        "billion_laughs": lambda: _xml(_BILLION_LAUGHS),
        "xxe": lambda: _xml(_XXE.replace("BASE", ctx.base)),
    }
    return replace(makers[fault](), validators=responses.NONE)


def chain_hop(ctx: Context, path: str, params: Mapping[str, str]) -> Response | None:
    """Continue a ``redirect_chain`` (``?redirect_hop=N``) until hop 5, which is the page."""
    try:
        hop = int(params[HOP])
    except (KeyError, ValueError):
        return None
    return responses.redirect(ctx.url(f"{path}?{HOP}={hop + 1}")) if hop < CHAIN_LENGTH else None


def omitted(fault: str | None) -> frozenset[str]:
    """What a rendering fault leaves out of the page."""
    return frozenset({fault.removeprefix("missing_")}) if fault in RENDERING else frozenset()


def transform(fault: str, response: Response, oversize_bytes: int) -> Response:
    """The normal answer, damaged the way ``fault`` says."""
    transforms: dict[str, Callable[[Response], Response]] = {
        "reset": lambda r: replace(r, action="reset"),
        "slow": lambda r: replace(r, action="slow"),
        "truncated_gzip": _truncated_gzip,
        "gzip_bomb": lambda r: _gzipped(r, gzip_bomb()),
        "malformed_html": _malformed,
        "cp1252": _cp1252,
        "oversize": lambda r: _oversize(r, oversize_bytes),
    }
    return replace(transforms[fault](response), validators=responses.NONE)


@cache
def gzip_bomb() -> bytes:
    """~200 KB of gzip that inflates to 200 MB of zeros; built once, on first use (~0.5 s)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(2**20)
    parts = [compressor.compress(chunk) for _ in range(BOMB_SIZE // len(chunk))]
    return b"".join([*parts, compressor.flush()])


def _gzipped(response: Response, body: bytes) -> Response:
    headers = {**response.headers, "Content-Encoding": "gzip"}
    return replace(response, body=body, headers=headers)


def _truncated_gzip(response: Response) -> Response:
    packed = gzip.compress(response.body)
    return _gzipped(response, packed[: len(packed) // 2])


def _malformed(response: Response) -> Response:
    """Cut the page in the middle of a tag (``…<div cl``), past the middle of the document."""
    body = response.body
    cut = body.find(b"<div", len(body) // 2)
    end = cut + 7 if cut >= 0 else len(body) // 2
    return replace(response, body=body[:end])


def _cp1252(response: Response) -> Response:
    """The page in Windows-1252 with no charset anywhere (header or meta)."""
    page = _META_CHARSET.sub("", response.body.decode("utf-8"))
    return replace(
        response, body=page.encode("cp1252", "xmlcharrefreplace"), content_type="text/html"
    )


def _oversize(response: Response, size: int) -> Response:
    """The page padded with a comment so the body exceeds ``size`` bytes."""
    body = response.body
    pad = b"<!-- " + b"x" * (max(0, size - len(body)) + 1) + b" -->"
    at = body.rfind(b"</body>")
    at = len(body) if at < 0 else at
    return replace(response, body=body[:at] + pad + body[at:])


def _error(status: int, reason: str) -> Response:
    """nginx's bare error page."""
    page = (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    return Response(status, page.encode("ascii"), responses.HTML, validators=responses.NONE)


def _xml(text: str) -> Response:
    return Response(200, text.encode("utf-8"), responses.XML, validators=responses.NONE)


_META_CHARSET = re.compile(r'<meta charset="[^"]*">\n?', re.IGNORECASE)

_NOT_XML = """<!DOCTYPE html>
<html lang="en-US"><head><meta charset="UTF-8"><title>Washington Blade</title></head>
<body class="home"><h1>Washington Blade</h1><p>Welcome! Our sitemap is moving.</p></body></html>
"""

_LAUGHS = "\n".join(f'<!ENTITY lol{k} "{f"&lol{k - 1};" * 10}">' for k in range(1, 10))
_BILLION_LAUGHS = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE urlset [
<!ENTITY lol0 "lol">
{_LAUGHS}
]>
<urlset xmlns="{_SITEMAP_NS}"><url><loc>&lol9;</loc></url></urlset>
"""

_XXE = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE urlset [
<!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<urlset xmlns="{_SITEMAP_NS}"><url><loc>BASE/&xxe;</loc></url></urlset>
"""

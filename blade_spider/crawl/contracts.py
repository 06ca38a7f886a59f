"""Scrapy contract ``@mirror``: run ``scrapy check blade`` offline against a local copy.

The article callback's ``@url`` names a real Blade article. With the setting
``BLADE_CHECK_BASE_URL`` (e.g. ``http://127.0.0.1:8088``) the request goes to the same path on that
copy instead, so the contract checks run against saved pages with no network; without it they run
against the live site, as a monitoring check.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapy.contracts import Contract


class MirrorContract(Contract):
    """``@mirror``: rebase the ``@url`` onto ``BLADE_CHECK_BASE_URL`` when that is set."""

    name = "mirror"

    def __init__(self, method: Any, *args: Any) -> None:
        super().__init__(method, *args)
        self.spider = getattr(method, "__self__", None)

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        base = self.spider.settings.get("BLADE_CHECK_BASE_URL") if self.spider else None
        if base:
            target, mirror = urlsplit(args["url"]), urlsplit(base)
            args["url"] = urlunsplit((mirror.scheme, mirror.netloc, target.path, target.query, ""))
            args["dont_filter"] = True
            args["meta"] = {**(args.get("meta") or {}), "allow_offsite": True}  # Scrapy opt-out
        return args

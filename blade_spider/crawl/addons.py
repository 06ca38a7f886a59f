"""Settings computed from other settings, in one Scrapy add-on (listed in ``ADDONS``).

Scrapy applies add-ons after the spider is built and before the settings freeze, so every value
here is in ``crawler.settings`` like any other setting (and in the "Overridden settings" log
line when it differs from Scrapy's default); nothing is rewritten behind the user's back inside
the spider.

- ``USER_AGENT`` names ``BLADE_CONTACT``, unless ``USER_AGENT`` itself is set (in settings.py or
  with ``-s``): then that one is sent as is.
- ``JOBDIR`` defaults to ``<BLADE_OUTPUT_DIR>/.job`` while ``BLADE_RESUME`` is on (the spider
  turns ``BLADE_RESUME`` off for single-URL runs: ``-a url=...`` must neither resume nor leave a
  discovery queue).
- ``BLADE_POLITE = False`` (for a copy of the site on this machine: tests, the demo, the
  benchmarks) lifts the politeness settings: no delay, no AutoThrottle, 8 requests at a time,
  short retry pauses. It is never implied by the address: an SSH tunnel to the live site is on
  127.0.0.1 too.
"""

from __future__ import annotations

from pathlib import Path

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from blade_spider import __version__

#: ``BLADE_CONTACT`` until the operator sets theirs (a crawl of a real site then warns).
PLACEHOLDER_CONTACT = ("https://github.com/blade-spider/blade_spider "
                       "(set BLADE_CONTACT to your e-mail)")
#: Politeness-off values replace settings.py's, never a ``-s NAME=VALUE`` given for one of them
#: (the "spider" level sits between the two).
IMPOLITE_PRIORITY = SETTINGS_PRIORITIES["spider"]
#: What ``BLADE_POLITE = False`` sets (the retry pause is capped, not raised).
IMPOLITE = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 8}
IMPOLITE_MAX_BACKOFF = 0.2


def user_agent(contact: str) -> str:
    return f"blade_spider/{__version__} (+{contact}; research archive crawler)"


def job_dir(settings: BaseSettings) -> str | None:
    """The JOBDIR this run uses: the one set, else ``<output>/.job`` while resuming is on."""
    if settings.get("JOBDIR"):
        return str(settings.get("JOBDIR"))
    if settings.getbool("BLADE_RESUME"):
        return str(Path(settings.get("BLADE_OUTPUT_DIR")) / ".job")
    return None


def _derive(settings: BaseSettings, name: str, value: object, priority: int) -> None:
    """Set ``name`` unless it was given at ``priority`` or above (the user's choice wins)."""
    if (settings.getpriority(name) or 0) < priority:
        settings.set(name, value, priority=priority)


class BladeSettings:
    """The add-on: see the module docstring."""

    def update_settings(self, settings: BaseSettings) -> None:
        _derive(settings, "USER_AGENT", user_agent(settings.get("BLADE_CONTACT")),
                SETTINGS_PRIORITIES["addon"])
        jobdir = job_dir(settings)
        if jobdir and not settings.get("JOBDIR"):
            settings.set("JOBDIR", jobdir, priority="addon")
        if not settings.getbool("BLADE_POLITE", True):
            for name, value in IMPOLITE.items():
                _derive(settings, name, value, IMPOLITE_PRIORITY)
            backoff = min(settings.getfloat("BLADE_RETRY_BACKOFF_BASE"), IMPOLITE_MAX_BACKOFF)
            _derive(settings, "BLADE_RETRY_BACKOFF_BASE", backoff, IMPOLITE_PRIORITY)

"""Scrapy settings for blade_spider: polite by default, safe to leave running for years.

Everything here can be overridden per run (``-s NAME=VALUE``) or in ``scrapy.cfg``/environment.
Three settings are computed from others by the add-on ``blade_spider.crawl.addons.BladeSettings``
(``USER_AGENT``, ``JOBDIR``, and the politeness values when ``BLADE_POLITE`` is off); see there.
"""

from blade_spider.crawl.addons import PLACEHOLDER_CONTACT
from blade_spider.sites.washingtonblade import WASHINGTON_BLADE

BOT_NAME = "blade_spider"
SPIDER_MODULES = ["blade_spider.spiders"]
NEWSPIDER_MODULE = "blade_spider.spiders"
ADDONS = {"blade_spider.crawl.addons.BladeSettings": 0}

# --- identity and politeness ------------------------------------------------------------------
#: Where a site operator can reach whoever runs the crawler (put in the User-Agent).
BLADE_CONTACT = PLACEHOLDER_CONTACT
# USER_AGENT is "blade_spider/<version> (+<BLADE_CONTACT>; research archive crawler)", made by the
# add-on; a USER_AGENT set here or with -s is sent instead, as given.
#: False lifts the politeness settings below (no delay, no AutoThrottle, 8 requests at a time,
#: retry pauses of at most 0.2 s), for a copy of the site on this machine: ``blade demo`` sets
#: it, tests and benchmarks pass ``-s BLADE_POLITE=False``. Never implied by the address (an SSH
#: tunnel to the live site is on 127.0.0.1 too). A ``-s`` of one of those settings still wins.
BLADE_POLITE = True
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
# Off unless asked for: both run code sent to them inside the crawl (telnet console; Scrapy's
# HTTP remote control, which also leaves a job file with its token in the user's profile).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# --- retries: backoff, Retry-After honoured ----------------------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
#: First backoff pause in seconds; doubled on every further attempt, capped by the maximum.
BLADE_RETRY_BACKOFF_BASE = 2.0
BLADE_RETRY_BACKOFF_MAX = 120.0
#: The longest robots.txt ``Crawl-delay`` obeyed (seconds); a longer one is capped, with a warning
#: (a day-long delay would make a daily crawl fetch one page a day).
BLADE_MAX_CRAWL_DELAY = 30.0
#: Bounds on the sitemaps one run reads: how deep indexes may nest (robots.txt's are depth 0),
#: and how many sitemaps in all (the Blade has about a hundred); a cut is a recorded failure.
BLADE_SITEMAP_MAX_DEPTH = 3
BLADE_MAX_SITEMAPS = 2000

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "blade_spider.crawl.middlewares.BackoffRetryMiddleware": 550,
    "blade_spider.crawl.middlewares.CrawlDelayMiddleware": 120,
    "blade_spider.crawl.middlewares.SameSiteMiddleware": 60,
    # Below HttpCompressionMiddleware (590): sees the decompressed body.
    "blade_spider.crawl.middlewares.WesternFallbackEncodingMiddleware": 580,
    # Below retry (550) and decompression (590): stores exactly the response that is parsed.
    "blade_spider.crawl.capture.WarcCaptureMiddleware": 540,
}

#: Keep every parsed article response as WARC records in <output>/warc/ (for blade reparse).
BLADE_WARC_ENABLED = True
#: Start a new WARC file before one would grow past this many bytes.
BLADE_WARC_MAX_BYTES = 1024**3

# --- the archive ---------------------------------------------------------------------------------
#: Where the archive lives (articles/, history/, manifest.json, state.sqlite3, ...).
BLADE_OUTPUT_DIR = "output"
#: Host names that are the same site as ``base_url`` (links to them are rewritten onto it).
BLADE_SITE_ALIASES = list(WASHINGTON_BLADE.aliases)
#: An archive holds one site (its manifest's ``site``): a crawl of another host into it is
#: refused (exit status 2) unless this is True.
BLADE_ALLOW_OTHER_SITE = False


REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
# The end-of-crawl stats dump at DEBUG: at INFO the crawl's summary line says what matters.
STATS_CLASS = "blade_spider.crawl.stats.DebugDumpStatsCollector"
STATS_DUMP = False

ITEM_PIPELINES = {
    "blade_spider.crawl.pipelines.ValidatePipeline": 100,
    "blade_spider.crawl.pipelines.NormalisePipeline": 200,
    "blade_spider.crawl.pipelines.DeduplicatePipeline": 300,
    "blade_spider.crawl.pipelines.ArchivePipeline": 900,
}
EXTENSIONS = {
    # Off: what the spider hands to a resumed run (blade_spider.crawl.resume) must be read once
    # only, and SpiderState would load a stale copy again after a resumed run is killed.
    "scrapy.extensions.spiderstate.SpiderState": None,
    "spidermon.contrib.scrapy.extensions.Spidermon": 500,
    # failures, gone and unchanged articles, skipped pages: what is not a record (no item)
    "blade_spider.crawl.outcomes.OutcomeRecorder": 800,
    # after spidermon: it reads the checks' outcome
    "blade_spider.crawl.extensions.CrawlReport": 900,
    "blade_spider.crawl.progress.Progress": 100,
}
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ("blade_spider.crawl.monitors.CrawlChecks",)
SPIDERMON_ADD_FIELD_COVERAGE = True
SPIDERMON_FIELD_COVERAGE_SKIP_NONE = True
SPIDERMON_FIELD_COVERAGE_SKIP_FALSY = True
#: Least share of records that must have each field (checked by blade_spider.crawl.monitors).
BLADE_FIELD_COVERAGE = dict(WASHINGTON_BLADE.field_coverage)
COMMANDS_MODULE = "blade_spider.commands"
SPIDER_CONTRACTS = {"blade_spider.crawl.contracts.MirrorContract": 10}
#: ``scrapy check blade -s BLADE_CHECK_BASE_URL=http://127.0.0.1:PORT`` checks against a copy.
BLADE_CHECK_BASE_URL = None
#: Records merged into the partitions per batch, and the longest wait between merges.
BLADE_FLUSH_ITEMS = 500
BLADE_FLUSH_SECONDS = 60.0
#: Re-check window (days) for archived articles when the site gives no change signal.
BLADE_RECHECK_DAYS = 7
#: A plain incremental run sweeps (reads every listing whole and re-checks the archived articles
#: none names any more, so removed ones are marked gone) when the last sweep is older than this
#: many days; 0: only when asked (``blade crawl --sweep``).
BLADE_SWEEP_DAYS = 7
#: Ask the WordPress REST API, in batches, for the posts whose page left a field to a guess
#: (``blade_spider.crawl.rest_batches``); off: every record comes from its HTML alone.
BLADE_REST_LAYER = True
#: Parsed pages waiting for their REST batch hold their responses; Scrapy's 5 MB default would
#: stop the downloader at about 30 pages of a news site and send batches of 30, not 100.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 25_000_000
#: Share of article pages that may fail before the run counts as failed (exit status 1).
BLADE_MAX_FAILURE_RATE = 0.05
#: Scrapy's scheduler, stopping the crawl when the JOBDIR queue cannot be written (disk full).
SCHEDULER = "blade_spider.crawl.resume.Scheduler"
#: Resume a stopped discovery crawl from ``<output>/.job``: the add-on sets JOBDIR there unless
#: JOBDIR is set. Single-URL runs (``-a url=``, ``blade fetch``, ``blade retry``) never resume.
BLADE_RESUME = True

#: Progress while a crawl runs: ``auto`` (a bar on a terminal, else a line every
#: ``BLADE_PROGRESS_INTERVAL`` seconds, as cron and systemd journals want), ``bar``, ``log``,
#: ``off``.
BLADE_PROGRESS = "auto"
BLADE_PROGRESS_INTERVAL = 30.0

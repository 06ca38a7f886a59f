"""Exit statuses: the contract with cron, systemd and Scrapyd, shared by every command.

0 the run did its job; 1 it ran but something is wrong enough to look at; 2 it could not do its
job at all (or was called wrongly); 3 it was stopped before the end and the next run resumes it.
What makes a crawl 1, 2 or 3 is :mod:`blade_spider.crawl.health`; the README's table lists every
case.
"""

OK, DEGRADED, FATAL, STOPPED = 0, 1, 2, 3

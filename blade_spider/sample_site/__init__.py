"""A local, dependency-free imitation of washingtonblade.com for tests, demos and benchmarks.

``SampleSite`` serves generated ``Post`` objects on 127.0.0.1 the way the real WordPress site
does (robots.txt, Yoast and core sitemaps, feeds, archives, REST API, articles in the site's two
designs), and can be changed, watched and made to fail while a crawler runs against it.
"""

from blade_spider.sample_site.model import Post, generate_posts, make_post
from blade_spider.sample_site.server import RequestLog, SampleSite

__all__ = ["Post", "RequestLog", "SampleSite", "generate_posts", "make_post"]

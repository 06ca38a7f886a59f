"""``python bench/site_server.py --articles N``: the sample site in its own process, steerable.

This is ``python -m blade_spider.sample_site`` (the same :class:`SampleSite`, the same server)
plus a control channel: one JSON command per line on stdin, one JSON answer per line on stdout.
The benchmark needs both at once: the site in a process of its own (so rendering pages does not
take CPU from the crawler being timed) and the ability to publish and edit posts and read the
site's request log between two crawls of the same site (the incremental run). EOF on stdin
stops the site, so it never outlives the benchmark that started it.

Commands: ``{"op": "change", "new": 10, "edited": 5}`` (publish and edit posts; answers their
ids and paths), ``{"op": "remove", "count": 10}`` (take posts down, 410; answers the same),
``{"op": "reset_log"}``, ``{"op": "log"}`` (answers
``[[method, path, status], ...]``), ``{"op": "stop"}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from blade_spider.sample_site import SampleSite


def change(site: SampleSite, new: int, edited: int) -> dict[str, Any]:
    """Publish ``new`` posts and retitle ``edited`` archived ones spread over the archive (not
    just the newest, which a re-check window would catch anyway)."""
    targets = spread(site, edited)
    created = [site.create_post() for _ in range(new)]
    for post in targets:
        site.update_post(post.id, title=f"{post.title} (updated for the benchmark)")
    return {
        "new": [[p.id, p.path] for p in created],
        "edited": [[p.id, p.path] for p in targets],
    }


def spread(site: SampleSite, count: int) -> list[Any]:
    """``count`` archivable posts spread over the whole archive, oldest to newest."""
    posts = site.archivable_posts()
    step = max(1, len(posts) // (count + 1))
    return [posts[step * (i + 1) - 1] for i in range(count)]


def remove(site: SampleSite, count: int) -> dict[str, Any]:
    """Take ``count`` archived posts down (410), spread over the archive."""
    removed = [site.remove_post(post.id) for post in spread(site, count)]
    return {"removed": [[p.id, p.path] for p in removed]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--articles", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with SampleSite(n=args.articles, seed=args.seed) as site:
        print(json.dumps({"url": site.url, "archivable": len(site.archivable_posts())}),
              flush=True)
        for line in sys.stdin:
            command = json.loads(line)
            op = command.get("op")
            answer: Any
            if op == "change":
                answer = change(site, int(command["new"]), int(command["edited"]))
            elif op == "remove":
                answer = remove(site, int(command["count"]))
            elif op == "reset_log":
                site.reset_requests()
                answer = {"ok": True}
            elif op == "log":
                answer = {"requests": [[r.method, r.path, r.status] for r in site.requests]}
            elif op == "stop":
                break
            else:
                answer = {"error": f"unknown op {op!r}"}
            print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()

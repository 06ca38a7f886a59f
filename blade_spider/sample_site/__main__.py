"""``python -m blade_spider.sample_site``: serve a sample site until Ctrl-C (for the demo and
for poking at it with a browser or curl)."""

from __future__ import annotations

import argparse
import threading

from blade_spider.sample_site.server import SampleSite


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m blade_spider.sample_site",
        description="Serve a local imitation of washingtonblade.com until Ctrl-C.",
    )
    parser.add_argument("--port", type=int, default=8088, help="0 picks a free port")
    parser.add_argument("--articles", type=int, default=30, help="number of generated posts")
    parser.add_argument("--seed", type=int, default=0, help="generator seed")
    args = parser.parse_args(argv)
    with SampleSite(n=args.articles, seed=args.seed, port=args.port) as site:
        print(f"Serving {args.articles} articles at {site.url}/ (Ctrl-C to stop)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")


if __name__ == "__main__":
    main()

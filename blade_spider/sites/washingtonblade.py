"""The Washington Blade (washingtonblade.com), the site this crawler archives by default."""

from __future__ import annotations

from blade_spider.sites import SiteProfile

WASHINGTON_BLADE = SiteProfile(
    name="Washington Blade",
    base_url="https://www.washingtonblade.com",
    aliases=("washingtonblade.com",),
    template_layers=(
        "blade_spider.extract.layers.blade.BladeZoxLayer",  # the current design
        "blade_spider.extract.layers.blade.BladeDatelineLayer",  # 2014–2019
    ),
    # Every article has a headline, date, body and URL; most have a byline; photo captions are
    # less common on this site.
    field_coverage=(("headline", 1.0), ("published", 1.0), ("body", 1.0), ("url", 1.0),
                    ("authors", 0.8), ("photo_caption", 0.3)),
)

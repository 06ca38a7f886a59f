"""Every article archived and right whatever the theme (issue 19).

The sample site renders its articles through themes drawn from a seed (``theme="variant:N"``,
:mod:`blade_spider.sample_site.variants`): the headline's tag and class, the byline's and date
line's wrappers and wording, a ``<time>`` or none, OpenGraph times and JSON-LD or none, caption
and comment markup, rails of other stories before or after the story. No page here is written to
match the parser, so the parser cannot be tuned to them: every variant, with the REST API and
without, must give the record the post is (its truth), to the precision the page shows.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse, Request

from blade_spider.extract import extract_article
from blade_spider.extract.layers.rest import (
    COMMENT_FIELDS,
    COMMENTS_KEY,
    EMBED,
    FIELDS,
    META_KEY,
)
from blade_spider.record.schema import schema_errors
from blade_spider.sample_site import SampleSite, generate_posts, rest, variants
from blade_spider.sample_site.context import Context, Options
from blade_spider.sample_site.index import SiteIndex
from blade_spider.sample_site.model import NY, Post, make_post
from blade_spider.sample_site.render import grouped, inline_slots
from blade_spider.urls import SiteHosts
from tests.conftest import archived, case_names, crawl, load_case

BASE = "http://127.0.0.1:8765"
#: Themes every article is rendered through in-process (the crawls below take two more).
SEEDS = range(16)
POSTS = generate_posts(30, seed=1)
INDEX = SiteIndex(POSTS)


def context(seed: int, index: SiteIndex = INDEX) -> Context:
    return Context(BASE, index, Options(theme=f"{variants.PREFIX}{seed}"))


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def expected_published(post: Post, theme: variants.Theme, with_rest: bool) -> str:
    """The publication instant to the precision the sources show: the day alone when nothing
    gives a time, the minute when only the printed time does; a wall time without zone in the
    hour the clocks go back is its first (EDT) reading."""
    moment = post.published
    if with_rest or theme.machine_date:
        return iso(moment)
    if not theme.shows_time():
        return iso(datetime(moment.year, moment.month, moment.day, tzinfo=NY))
    printed = moment.replace(second=0)  # themes print hours and minutes
    return iso(printed if theme.shows_zone() else printed.replace(fold=0))


def truth(post: Post, theme: variants.Theme, with_rest: bool) -> dict[str, Any]:
    """The fields of the record the page (and the REST API, when on) must give; comments a
    theme loads by script come from the REST API only."""
    shown = theme.comments != "script" or with_rest
    return {
        "id": f"wp-{post.id}",
        "headline": post.title,
        "subheadline": post.dek,
        "authors": post.authors,
        "published": expected_published(post, theme, with_rest),
        # A theme without a section label of its own: the first category (for the generated
        # posts, their section).
        "section": post.categories[0] if post.categories else None,
        "categories": post.categories,
        "tags": post.tags,
        "body": post.body,
        "captions": [image["caption"] for image in post.images],
        "lead": lead_caption(post),
        "comments": [(str(c["id"]), str(c["parent_id"]) if c["parent_id"] else None,
                      c["author"], c["text"]) for c in post.comments] if shown else [],
    }


def lead_caption(post: Post) -> str | None:
    """The lead photo's caption (EXTRACTION.md): the featured image's, else that of an inline
    photo the page prints before the first paragraph (the themes place inline photos as the
    sample site does: after a group of blocks), else none."""
    featured = next((image for image in post.images if image["featured"]), None)
    if featured is not None:
        return featured["caption"]
    groups = grouped(post.blocks)
    first_paragraph = next((i for i, (kind, _) in enumerate(groups) if kind == "paragraph"),
                           len(groups))
    before = [images for slot, images in sorted(inline_slots(post, len(groups)).items())
              if slot < first_paragraph]
    return before[0][0]["caption"] if before else None


def found(record: dict[str, Any]) -> dict[str, Any]:
    """The same fields read from a record."""
    return {
        "id": record["id"],
        "headline": record["headline"],
        "subheadline": record["subheadline"],
        "authors": record["authors"],
        "published": record["published"],
        "section": record["section"],
        "categories": record["categories"],
        "tags": record["tags"],
        "body": record["body"],
        "captions": [image["caption"] for image in record["images"]],
        "lead": record["photo_caption"],
        "comments": [(c["id"], c["parent_id"], c["author"], c["text"])
                     for c in record["comments"]],
    }


def extract_variant(seed: int, post: Post, with_rest: bool,
                    index: SiteIndex = INDEX) -> dict[str, Any]:
    """The record of ``post`` rendered through theme ``seed``; with the REST API on, the post's
    REST object rides in the request meta as the spider's batches put it there."""
    ctx = context(seed, index)
    page = variants.variant_page(ctx, post, variants.theme_of(ctx))
    url = ctx.url(post.path)
    meta = {}
    if with_rest:
        rest_post = rest.post_json(ctx, post, list(FIELDS), list(EMBED))
        meta[META_KEY] = json.loads(json.dumps(rest_post))  # as it comes over the wire
        listed, _ = rest.comments(ctx, {"post": str(post.id), "per_page": "100",
                                        "order": "asc", "_fields": ",".join(COMMENT_FIELDS)})
        meta[COMMENTS_KEY] = json.loads(json.dumps(listed))
    response = HtmlResponse(url=url, request=Request(url, meta=meta), body=page.encode(),
                            encoding="utf-8")
    return ItemAdapter(extract_article(response, SiteHosts(BASE))).asdict()


def test_the_generator_varies_every_choice_a_theme_makes() -> None:
    """The seeds the tests use cover every value of every choice, so no page shape is left
    out by chance (a theme is all of its choices, drawn from its seed)."""
    themes = [variants.Theme.draw(seed) for seed in SEEDS]
    for choice, values in (("date_format", variants.DATE_FORMATS),
                           ("headline", variants.HEADLINES), ("byline", variants.BYLINES),
                           ("date_wrapper", variants.DATE_WRAPPERS),
                           ("content_class", variants.CONTENT_CLASSES),
                           ("caption", variants.CAPTIONS), ("rail", variants.RAILS),
                           ("comments", variants.COMMENTS), ("jsonld", (True, False)),
                           ("og_times", (True, False)), ("post_class", (True, False)),
                           ("layout", variants.LAYOUTS), ("updated", variants.UPDATED),
                           ("byline_at_end", (True, False))):
        assert {getattr(theme, choice) for theme in themes} == set(values), choice
    assert len({theme for theme in themes}) == len(themes)


@pytest.mark.parametrize("with_rest", [False, True], ids=["html_only", "rest_api"])
@pytest.mark.parametrize("seed", SEEDS)
def test_every_article_of_every_theme_gives_its_truth_record(seed: int, with_rest: bool) -> None:
    theme = variants.theme_of(context(seed))
    assert theme is not None
    for post in INDEX.live:
        record = extract_variant(seed, post, with_rest)
        assert not schema_errors(record), (post.id, schema_errors(record))
        assert found(record) == truth(post, theme, with_rest), (theme, post.id)
        day_only = not with_rest and not theme.shows_time()
        assert ("published" in record["crawl"].get("date_precision", {})) == day_only
        assert "missing" not in record["crawl"]


def test_rails_of_other_stories_stay_out_of_the_body_and_the_date() -> None:
    """A rail before the story prints other stories' dates and bylines above the headline;
    one after it ("More from …") follows the last paragraph. Neither is the story."""
    seeds = [seed for seed in SEEDS if variants.Theme.draw(seed).rail == "both"]
    assert seeds
    post = INDEX.live[-1]
    record = extract_variant(seeds[0], post, with_rest=False)
    others = [p for p in INDEX.live if p.id != post.id]
    assert not [p.title for p in others if p.title in (record["body"] or "")]
    assert record["authors"] == post.authors
    assert record["published"][:10] == post.published.date().isoformat()


def test_the_rest_api_states_the_instant_the_page_prints_without_a_zone() -> None:
    """On the night the clocks go back, ``1:30 am`` names two instants; the page alone reads
    the first, the REST API's ``date_gmt`` says which."""
    seed = next(s for s in SEEDS if variants.Theme.draw(s).shows_time()
                and not variants.Theme.draw(s).shows_zone())
    post = make_post(9001, datetime(2019, 11, 3, 1, 30, tzinfo=NY, fold=1))
    index = SiteIndex([*POSTS, post])
    html_only = extract_variant(seed, post, with_rest=False, index=index)
    with_rest = extract_variant(seed, post, with_rest=True, index=index)
    assert html_only["published"] != with_rest["published"] == iso(post.published)
    assert with_rest["crawl"]["parser_layers"]["published"] == "rest_api"


def test_a_record_is_rejected_only_without_headline_and_body() -> None:
    post = INDEX.live[0]
    record = extract_variant(0, post, with_rest=False)
    for field in ("published", "body"):
        assert not schema_errors({**record, field: None}), field
    assert not schema_errors({**record, "headline": None})
    errors = schema_errors({**record, "headline": None, "body": None, "body_blocks": []})
    assert errors and errors[0].startswith("body:")


def test_a_page_without_a_date_is_archived_with_the_permalink_day() -> None:
    """No date anywhere in the page: the permalink's day, flagged; nothing is lost."""
    post = INDEX.live[3]
    url = BASE + post.path
    page = (f"<html><head><title>{post.title}</title></head><body class='single single-post'>"
            "<main><article>"
            f"<h1>{post.title}</h1><div class='story'><p>{'Words of the story. ' * 20}</p>"
            "</div></article></main></body></html>")
    response = HtmlResponse(url=url, request=Request(url), body=page.encode(), encoding="utf-8")
    record = ItemAdapter(extract_article(response, SiteHosts(BASE))).asdict()
    assert record["published"] == iso(datetime(post.published.year, post.published.month,
                                               post.published.day, tzinfo=NY))
    assert record["crawl"]["parser_layers"]["published"] == "permalink"
    assert record["crawl"]["date_precision"] == {"published": "day"}
    assert not schema_errors(record)
    undated = HtmlResponse(url=BASE + "/story/", request=Request(BASE + "/story/"),
                           body=page.encode(), encoding="utf-8")
    record = ItemAdapter(extract_article(undated, SiteHosts(BASE))).asdict()
    assert record["published"] is None and record["crawl"]["missing"] == ["published"]
    assert not schema_errors(record)


# --- crawls: the spider's REST batches, on and off ----------------------------------------------

def _crawl_variant(tmp_path: Path, seed: int, rest_api: bool) -> tuple[SampleSite, list[Any]]:
    with SampleSite(n=30, seed=5, rest_api=rest_api) as site:
        site.set_option("theme", f"{variants.PREFIX}{seed}")
        result = crawl(site, tmp_path)
        assert result.returncode == 0, result.stderr[-3000:]
        return site, archived(tmp_path)


@pytest.mark.parametrize(("seed", "rest_api"), [(16, True), (17, False)])
def test_a_crawl_of_an_unknown_theme_archives_every_article_right(
        tmp_path: Path, seed: int, rest_api: bool) -> None:
    site, records = _crawl_variant(tmp_path, seed, rest_api)
    theme = variants.Theme.draw(seed)
    by_id = {record["id"]: record for record in records}
    posts = site.archivable_posts()
    assert set(by_id) == {f"wp-{post.id}" for post in posts}
    for post in posts:
        assert found(by_id[f"wp-{post.id}"]) == truth(post, theme, rest_api), post.id
    batches = [r.path for r in site.requests if "include=" in r.path]
    # One request for the whole batch: the posts' own REST objects, authors and terms
    # embedded; with the API off, one refused request and the HTML alone.
    assert len(batches) == 1
    assert ("_embed=" in batches[0]) and ("_fields=" in batches[0])


def test_known_templates_cost_no_rest_request(site: SampleSite, tmp_path: Path) -> None:
    """Pages whose own markup states every field never wait for the REST API."""
    assert crawl(site, tmp_path).returncode == 0
    assert not [r.path for r in site.requests if "include=" in r.path]
    assert all("rest_api" not in r["crawl"]["parser_layers"].values()
               for r in archived(tmp_path))


def test_without_sitemaps_and_rest_the_feed_dates_its_stories(tmp_path: Path) -> None:
    """A theme that prints only the day: the stories the feed lists get their time from its
    ``pubDate``; the ones found through the archives keep the day, flagged."""
    seed = next(s for s in range(40) if not variants.Theme.draw(s).shows_time())
    with SampleSite(n=30, seed=5, rest_api=False, sitemaps=False, core_sitemaps=False) as site:
        site.set_option("theme", f"{variants.PREFIX}{seed}")
        assert crawl(site, tmp_path).returncode == 0
        posts = {f"wp-{post.id}": post for post in site.archivable_posts()}
    records = archived(tmp_path)
    assert {record["id"] for record in records} == set(posts)
    from_feed = [r for r in records if r["crawl"]["parser_layers"]["published"] == "feed"]
    assert from_feed
    for record in records:
        published = posts[record["id"]].published
        if record in from_feed:
            assert record["published"] == iso(published)
            assert "date_precision" not in record["crawl"]
        else:
            assert record["published"][:10] == published.date().isoformat()
            assert record["crawl"]["date_precision"] == {"published": "day"}


def test_the_rest_layer_can_be_switched_off(tmp_path: Path) -> None:
    """``BLADE_REST_LAYER=False``: no batch is asked, every record comes from its page."""
    with SampleSite(n=30, seed=5) as site:
        site.set_option("theme", f"{variants.PREFIX}18")
        result = crawl(site, tmp_path, settings={"BLADE_REST_LAYER": "False"})
        assert result.returncode == 0, result.stderr[-3000:]
        assert not [r.path for r in site.requests if "include=" in r.path]
        posts = site.archivable_posts()
    theme = variants.Theme.draw(18)
    by_id = {record["id"]: record for record in archived(tmp_path)}
    for post in posts:
        assert found(by_id[f"wp-{post.id}"]) == truth(post, theme, with_rest=False), post.id


# --- the fixture articles through the same themes ----------------------------------------------

def fixture_post(case: dict[str, Any], number: int) -> Post:
    """A fixture's expected record as a sample-site post: real articles' text (entities, e-mail
    addresses, tweets, lists, credits in captions, threaded comments) through generated themes."""
    expected = case["expected"]
    published = datetime.fromisoformat(expected["published"]).astimezone(NY)
    slug = urlsplit(expected["url"]).path.rstrip("/").rsplit("/", 1)[1]
    return Post(
        id=expected["wp_post_id"] or 900_000 + number, slug=slug, published=published,
        title=expected["headline"], dek=expected["subheadline"], authors=expected["authors"],
        section=expected["section"] or "", categories=expected["categories"],
        tags=expected["tags"],
        blocks=[(block["type"], block["text"]) for block in expected["body_blocks"]],
        images=[{**image, "url": urlsplit(image["url"]).path} for image in expected["images"]],
        comments=[{"id": int(c["id"]), "parent_id": int(c["parent_id"]) if c["parent_id"] else None,
                   "author": c["author"], "text": c["text"],
                   "published": datetime.fromisoformat(c["published"]) if c["published"]
                   else published} for c in expected["comments"]],
    )


FIXTURE_POSTS = [fixture_post(load_case(name), k)
                 for k, name in enumerate(case_names("articles"))]
FIXTURE_INDEX = SiteIndex(FIXTURE_POSTS)


@pytest.mark.parametrize("with_rest", [False, True], ids=["html_only", "rest_api"])
@pytest.mark.parametrize("seed", SEEDS)
def test_the_fixture_articles_through_every_theme_give_their_records(
        seed: int, with_rest: bool) -> None:
    theme = variants.Theme.draw(seed)
    for post in FIXTURE_INDEX.live:
        record = extract_variant(seed, post, with_rest, index=FIXTURE_INDEX)
        assert not schema_errors(record), (post.id, schema_errors(record))
        assert found(record) == truth(post, theme, with_rest), (theme, post.id)


def test_comments_a_theme_loads_by_script_come_from_the_rest_api(tmp_path: Path) -> None:
    """The page shows no comment (a script loads them): one ``/wp/v2/comments?post=…`` request
    for the batch gives every post's comments, threaded as WordPress shows them."""
    seed = next(s for s in range(20, 200) if variants.Theme.draw(s).comments == "script"
                and not variants.Theme.draw(s).machine_date)
    site, records = _crawl_variant(tmp_path, seed, rest_api=True)
    theme = variants.Theme.draw(seed)
    by_id = {record["id"]: record for record in records}
    posts = site.archivable_posts()
    assert any(post.comments for post in posts)
    for post in posts:
        assert found(by_id[f"wp-{post.id}"]) == truth(post, theme, with_rest=True), post.id
    asked = [r.path for r in site.requests if r.path.startswith("/wp-json/wp/v2/comm")]
    assert len(asked) == 1 and "post=" in asked[0]

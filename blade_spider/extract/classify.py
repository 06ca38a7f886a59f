"""Is this page an article? Pages that are not must yield no record, and say why.

WordPress marks every page it renders with body classes (``single-post``, ``page``, ``archive``,
``search``, ``error404``...), which is the most reliable signal; JSON-LD types, ``og:type`` and the
dated permalink shape decide when a page carries no body classes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from blade_spider.extract.page import ARTICLE_TYPES, Page, types_of
from blade_spider.urls import is_article_path

#: WordPress body classes of pages that are never articles, with the reason logged.
NOT_ARTICLE_CLASSES = (
    ("error404", "404 page"),
    ("search", "search results"),
    ("search-results", "search results"),
    ("tag", "tag archive"),
    ("category", "category archive"),
    ("author", "author archive"),
    ("date", "date archive"),
    ("archive", "archive page"),
    ("home", "home page"),
    ("blog", "home page"),
    ("attachment", "attachment page"),
    ("page", "static page"),
)
NOT_ARTICLE_TYPES = {
    "CollectionPage": "archive page", "SearchResultsPage": "search results",
    "ProfilePage": "author archive", "AboutPage": "static page", "ContactPage": "static page",
}
_PASSWORD_FORM = "form.post-password-form, form[action*='postpass'], input[name='post_password']"


def _custom_post_type(classes: set[str]) -> str | None:
    """A single item of a custom post type (``single-issue``, ``single-tribe_events``): WordPress
    prints ``single-<type>``, and articles are type ``post``."""
    if "single-post" in classes:
        return None
    for css_class in classes:
        if css_class.startswith("single-") and not css_class.startswith(("single-format-",
                                                                          "single-author")):
            return css_class.removeprefix("single-").replace("_", " ").replace("-", " ")
    return None


def not_article_reason(page: Page) -> str | None:
    """Why ``page`` is not an article (``None`` when it is one)."""
    if page.first(_PASSWORD_FORM) is not None:
        return "password protected"
    classes = page.body_classes
    post_type = _custom_post_type(classes)
    if post_type:
        return f"{post_type} page"
    is_single = bool(classes & {"single", "single-post"}) or any(
        c.startswith("postid-") for c in classes)
    if not is_single:
        for css_class, reason in NOT_ARTICLE_CLASSES:
            if css_class in classes:
                return reason
    if is_single:
        return None
    node_types = set().union(*(types_of(n) for n in page.jsonld)) if page.jsonld else set()
    if node_types & ARTICLE_TYPES:
        return None
    for node_type, reason in NOT_ARTICLE_TYPES.items():
        if node_type in node_types:
            return reason
    if page.og("og:type") == "article" and is_article_path(urlsplit(page.url).path):
        return None
    if is_article_path(urlsplit(page.url).path):
        return None
    return "no article markup"

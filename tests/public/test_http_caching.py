"""Static files under versioned URLs are cached for a year; pages answer 304 when unchanged."""

from __future__ import annotations

import re


def test_static_urls_carry_the_file_version_and_are_cached_immutably(app):
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'href="(/static/app\.css\?v=([0-9a-f]{12}))"', page)
    assert match, "the stylesheet link carries no version"
    response = client.get(match.group(1))
    assert response.status_code == 200
    assert response.cache_control.max_age == 31536000
    assert response.cache_control.immutable and response.cache_control.public


def test_a_static_url_with_an_old_version_is_not_cached_for_a_year(app):
    response = app.test_client().get("/static/app.css?v=000000000000")
    assert response.status_code == 200
    assert response.cache_control.max_age != 31536000


def test_an_unchanged_page_answers_304_to_its_etag(app):
    client = app.test_client()
    first = client.get("/verify")
    etag = first.headers["ETag"]
    again = client.get("/verify", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    changed = client.get("/verify", headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200 and changed.get_data()

"""Site-wide error pages: a styled page in plain words for browsers, an RFC 9457 problem
under /api/ (issue #11)."""

from __future__ import annotations

import pytest

UNKNOWN = "6f1c1d1e-8d39-4c5b-9b43-2d3c8a4c2f10"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/no-such-page", "There is no page at this address"),
        (f"/badges/{UNKNOWN}", "No badge with this id was issued here."),
        (f"/verify/{UNKNOWN}", "No badge with this id was issued here."),
        (f"/badges/{UNKNOWN}/card", "No badge with this id was issued here."),
    ],
)
def test_unknown_pages_get_the_site_layout_and_words(client, path, words):
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert '<link rel="stylesheet" href="/static/app.css?v=' in html
    assert "<h1" in html and words in html
    assert 'href="/verify"' in html  # a way on


def test_a_rejected_form_token_on_a_public_page_is_a_styled_400(client, issue):
    award = issue()
    response = client.post(f"/badges/{award.uuid}", data={"email": "a@example.org"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'data-error-code="400"' in html and "reload the page" in html


def test_a_method_not_allowed_is_a_page_too(client):
    response = client.delete("/verify")
    assert response.status_code in (400, 405)  # the CSRF check may answer first
    assert "/static/app.css" in response.get_data(as_text=True)


def test_an_oversized_body_outside_the_verifier_is_a_styled_413(client, app):
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/login", data=body, content_type="application/octet-stream")
    assert response.status_code == 413
    assert "That is too large" in response.get_data(as_text=True)


def test_api_errors_stay_json_problems(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404
    wrong_method = client.get("/api/v1/verify")
    assert wrong_method.status_code == 405
    assert wrong_method.mimetype == "application/problem+json"
    assert "POST" in wrong_method.headers["Allow"]
    stored = client.get(f"/api/v1/credentials/{UNKNOWN}/benefits")
    assert stored.mimetype == "application/problem+json"  # the API's own problem, unchanged
    assert stored.get_json()["detail"] == f"no credential {UNKNOWN!r} is kept here"


def test_a_server_error_is_a_page_without_the_traceback(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def explode():
        raise RuntimeError("secret internals")

    app.add_url_rule("/explode", "explode", explode)
    app.add_url_rule("/api/v1/explode", "api_explode", explode)
    client = app.test_client()
    response = client.get("/explode")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and "Something went wrong on our side" in html
    assert "secret internals" not in html and "Traceback" not in html
    api = client.get("/api/v1/explode")
    assert api.status_code == 500 and api.mimetype == "application/problem+json"
    assert "secret internals" not in api.get_data(as_text=True)

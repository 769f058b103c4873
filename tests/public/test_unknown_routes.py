"""Unknown routes answer 404 (issue #9 item 6): a JSON problem for ``/api/…`` and JSON clients,
the site's error page for browsers, and never a form-token complaint for an unknown POST."""

import pytest


@pytest.mark.parametrize("path", ["/credentials/verify", "/api/v1/nothing", "/admin/nothing"])
def test_an_unknown_post_is_404_not_a_missing_form_token(client, path):
    response = client.post(path, data={"x": "1"}, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404
    assert "token" not in response.get_data(as_text=True)


def test_unknown_api_paths_are_problems_whatever_the_client_accepts(client):
    response = client.get("/api/v1/nothing", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_a_browser_gets_the_sites_404_page(client):
    response = client.post("/credentials/verify", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "token" not in response.get_data(as_text=True)


def test_a_known_path_with_the_wrong_method_is_405(client):
    response = client.delete("/api/v1/verify", headers={"Accept": "application/json"})
    assert response.status_code == 405 and response.mimetype == "application/problem+json"


def test_known_forms_still_require_their_token(client):
    assert client.post("/login", data={"email": "a@b.c", "password": "x"}).status_code == 400

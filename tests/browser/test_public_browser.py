"""The public face in headless Chromium: the badge page, every download verified again through
/verify (pasted and uploaded), the QR landing page of revoked and expired badges, benefits."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.public.support import issue_award

pytestmark = pytest.mark.browser


@pytest.fixture
def issue(live_server):
    live_server.app.extensions["signer"].key_store.generate(("Ed25519", "P-256"))

    def make(**options):
        with live_server.session() as session:
            return issue_award(live_server.app, session, **options)

    return make


def _download(page, link_text: str, target: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_text).click()
    info.value.save_as(target)
    return target


def _verify_upload(page, path: Path) -> str:
    page.goto("/verify")
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Verify").click()
    return page.locator("[data-verdict]").get_attribute("data-verdict")


def test_badge_page_downloads_and_their_verification(
    page, live_server, issue, screenshot, tmp_path
):
    award = issue(name="Maria Lopez", consent=True)
    page.goto(f"/badges/{award.uuid}")
    assert page.locator("h1").inner_text() == "Health Care Industry Badge"
    assert page.locator("[data-verdict]").get_attribute("data-verdict") == "verified"
    assert "Maria Lopez" in page.locator("[data-field=recipient]").inner_text()
    og = page.locator('meta[property="og:url"]').get_attribute("content")
    assert og == live_server.url(f"/badges/{award.uuid}")
    og_image = page.locator('meta[property="og:image"]').get_attribute("content")
    assert urlsplit(og_image).path.endswith(".png")  # versioned: ?v=<hash of the file>
    linkedin = page.locator("[data-link=linkedin]").get_attribute("href")
    assert linkedin.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME")
    assert page.locator('[data-benefit][data-eligible="true"]').count() == 3
    screenshot(page, "badge-page")

    files = {
        "png": _download(page, "Badge image with the credential (PNG)", tmp_path / "b.png"),
        "svg": _download(page, "Badge image with the credential (SVG)", tmp_path / "b.svg"),
        "json": _download(page, "Credential (JSON-LD)", tmp_path / "b.json"),
        "jwt": _download(page, "Credential (VC-JWT)", tmp_path / "b.jwt"),
    }
    for kind, path in files.items():
        assert _verify_upload(page, path) == "verified", kind
    for kind in ("json", "jwt"):
        page.goto("/verify")
        page.fill("#credential", files[kind].read_text())
        page.get_by_role("button", name="Verify").click()
        assert page.locator("[data-verdict]").get_attribute("data-verdict") == "verified", kind
    screenshot(page, "verifier-page")


def test_qr_landing_of_revoked_and_expired_badges_is_red_with_the_reason(page, issue, screenshot):
    revoked = issue(name="Joseph Park", revoke_reason="CPR card had expired before issue")
    page.goto(f"/verify/{revoked.uuid}")
    verdict = page.locator("[data-verdict]")
    assert verdict.get_attribute("data-verdict") == "failed"
    assert "revoked by its issuer" in verdict.inner_text()
    assert page.locator('[data-check="status"]').get_attribute("data-status") == "failed"
    assert page.locator('[data-benefit][data-eligible="true"]').count() == 0
    screenshot(page, "revoked")

    expired = issue(name="Old Timer", issued_at=datetime.now(UTC) - timedelta(days=800))
    page.goto(f"/verify/{expired.uuid}")
    assert page.locator("[data-verdict]").get_attribute("data-verdict") == "failed"
    assert "Expired on" in page.locator("[data-verdict]").inner_text()
    assert page.locator('[data-check="validity"]').get_attribute("data-status") == "failed"


def test_benefits_follow_the_pathway_certification(page, issue):
    now = datetime.now(UTC)
    award = issue(
        issued_at=now - timedelta(days=60), certification_expires=(now - timedelta(days=10)).date()
    )
    page.goto(f"/verify/{award.uuid}")
    eligible = page.locator('[data-benefit][data-eligible="true"]')
    assert eligible.count() == 2
    funding = page.locator('[data-benefit="medical-assisting-exam-funding"]')
    assert funding.get_attribute("data-eligible") == "false"
    assert "no longer active" in funding.inner_text()

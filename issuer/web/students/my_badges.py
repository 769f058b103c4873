"""``/my/badges``: every badge the signed-in student holds, with its status, public link,
QR code, downloads, LinkedIn, the name-display consent, hiding the public page, and adding a
badge to a wallet (OpenID4VCI or the Learner Credential Wallet) by QR code or link.

A student reaches only their own awards: any other id is "not found". Every form works
without JavaScript (the copy-link is a read-only field to select).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from issuer.database import get_session
from issuer.models import Award, Student, WalletOffer, WalletProtocol
from issuer.qr import qr_png
from issuer.services import my_badges
from issuer.services.badges import definition_of
from issuer.wallets import offers, oid4vci, vcapi_exchange
from issuer.web.public.badges import public_url
from issuer.web.public.linkedin import add_to_profile_url
from issuer.web.student_session import current_student_id, student_required
from issuer.web.students import bp

TX_CODES_KEY = "wallet_tx_codes"  # offer id -> transaction code, shown on the offer's page
MAX_REMEMBERED_TX_CODES = 5


@dataclass(frozen=True)
class BadgeCard:
    """One badge on "my badges", with everything its card shows."""

    award: Award
    uuid: str
    name: str
    image: str
    status: my_badges.AwardStatus
    page_url: str
    linkedin_url: str


def _now() -> datetime:
    return datetime.now(UTC)


def _student() -> Student:
    student = get_session().get(Student, current_student_id())
    if student is None:  # the record was removed while signed in
        abort(404)
    return student


def _own_award(credential_id: UUID) -> Award:
    try:
        return my_badges.award_of_student(get_session(), _student().id, str(credential_id))
    except LookupError:
        abort(404, description="You have no badge with this id.")


def _card(award: Award, now: datetime) -> BadgeCard:
    definition = definition_of(award.badge)
    uuid = award.credential_id.removeprefix("urn:uuid:")
    page_url = public_url("public.badge", credential_id=uuid)
    return BadgeCard(
        award=award,
        uuid=uuid,
        name=definition.name,
        image=f"img/{definition.slug}.svg",
        status=my_badges.award_status(award, now),
        page_url=page_url,
        linkedin_url=add_to_profile_url(
            name=definition.name,
            organization=current_app.config["ISSUER_NAME"],
            issued=award.issued_at,
            expires=award.valid_until,
            cert_url=page_url,
            cert_id=uuid,
        ),
    )


@bp.get("/badges", endpoint="my_badges")
@student_required
def my_badges_page() -> str:
    """Every badge the signed-in student holds, newest first, and the name-display choice."""
    student = _student()
    now = _now()
    cards = [_card(a, now) for a in my_badges.awards_of_student(get_session(), student.id)]
    return render_template("students/my_badges.html", student=student, cards=cards)


@bp.post("/badges/name-display")
@student_required
def name_display() -> Response:
    """Show or hide the student's name on every public page of their badges."""
    choice = request.form.get("show_name")
    if choice not in ("yes", "no"):
        flash("Choose whether to show your name.", "error")
        return redirect(url_for("students.my_badges"))
    db = get_session()
    student = _student()
    my_badges.set_name_display_consent(db, student, consent=choice == "yes", now=_now())
    db.commit()
    flash(
        "Your name is now shown on your public badge pages."
        if choice == "yes"
        else "Your name is now hidden from your public badge pages and the verifier.",
        "success",
    )
    return redirect(url_for("students.my_badges"))


@bp.post("/badges/<uuid:credential_id>/public-page")
@student_required
def public_page(credential_id: UUID) -> Response:
    """Hide or show one badge's public page (and its QR landing)."""
    choice = request.form.get("hidden")
    if choice not in ("yes", "no"):
        flash("Choose whether to hide the page.", "error")
        return redirect(url_for("students.my_badges"))
    award = _own_award(credential_id)
    db = get_session()
    my_badges.set_public_page_hidden(db, award, hidden=choice == "yes", now=_now())
    db.commit()
    flash(
        "The badge's public page is hidden. The credential itself still verifies when you "
        "share the file."
        if choice == "yes"
        else "The badge's public page is visible again.",
        "success",
    )
    return redirect(url_for("students.my_badges", _anchor=f"badge-{credential_id}"))


@bp.post("/badges/<uuid:credential_id>/wallet")
@student_required
def new_wallet_offer(credential_id: UUID) -> Response:
    """Make a single-use offer of the badge to a wallet and show its QR code."""
    try:
        protocol = WalletProtocol(request.form.get("protocol", ""))
    except ValueError:
        flash("Choose a kind of wallet.", "error")
        return redirect(url_for("students.my_badges"))
    award = _own_award(credential_id)
    db = get_session()
    try:
        new = offers.create_offer(
            db,
            award=award,
            protocol=protocol,
            code_key=str(current_app.config["SECRET_KEY"]).encode("utf-8"),
            now=_now(),
        )
    except offers.OfferRefused as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("students.my_badges"))
    db.commit()
    if new.tx_code is not None:
        remembered = dict(list(session.get(TX_CODES_KEY, {}).items())[-MAX_REMEMBERED_TX_CODES:])
        remembered[new.offer.offer_id] = new.tx_code
        session[TX_CODES_KEY] = remembered
    return redirect(
        url_for("students.wallet_offer", credential_id=credential_id, offer_id=new.offer.offer_id)
    )


def _qr_data_uri(text: str) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png(text)).decode("ascii")


def _offer_links(offer: WalletOffer) -> dict[str, Any]:
    code = offers.offer_code(str(current_app.config["SECRET_KEY"]).encode("utf-8"), offer.offer_id)
    if offer.protocol is WalletProtocol.OID4VCI:
        scan = oid4vci.offer_by_reference(offer)
        return {"scan": scan, "open": oid4vci.offer_by_value(offer, code), "qr": _qr_data_uri(scan)}
    link = vcapi_exchange.lcw_deep_link(offer, code)
    return {"scan": link, "open": link, "qr": _qr_data_uri(link)}


@bp.get("/badges/<uuid:credential_id>/wallet/<offer_id>")
@student_required
def wallet_offer(credential_id: UUID, offer_id: str) -> str:
    """An offer's QR code and link (and OpenID4VCI transaction code) while it is open; once
    used or expired, says so. Only the badge's own student reaches it."""
    award = _own_award(credential_id)
    offer = next(
        (
            found
            for protocol in WalletProtocol
            if (found := offers.find_offer(get_session(), offer_id, protocol)) is not None
        ),
        None,
    )
    if offer is None or offer.award_id != award.id:
        abort(404, description="No such wallet offer for this badge.")
    now = _now()
    state = "open"
    if offer.delivered_at is not None:
        state = "delivered"
    elif offer.expires_at <= now or offer.redeemed_at is not None:
        state = "closed"
    return render_template(
        "students/wallet.html",
        card=_card(award, now),
        offer=offer,
        state=state,
        links=_offer_links(offer) if state == "open" else None,
        tx_code=session.get(TX_CODES_KEY, {}).get(offer.offer_id),
        minutes=int(offers.OFFER_LIFETIME.total_seconds() // 60),
    )

"""LinkedIn's "Add to profile" link for a certification (pure)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def add_to_profile_url(
    *,
    name: str,
    organization: str,
    issued: datetime,
    expires: datetime | None,
    cert_url: str,
    cert_id: str,
) -> str:
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": name,
        "organizationName": organization,
        "issueYear": issued.year,
        "issueMonth": issued.month,
    }
    if expires is not None:
        params |= {"expirationYear": expires.year, "expirationMonth": expires.month}
    params |= {"certUrl": cert_url, "certId": cert_id}
    return f"{ADD_TO_PROFILE}?{urlencode(params)}"

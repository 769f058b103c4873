"""QR codes of a badge's verification URL, as PNG and SVG (pure: URL in, bytes out)."""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
from qrcode.image.svg import SvgPathImage


def _code(url: str) -> qrcode.QRCode:
    # Error correction M survives a creased or smudged printed card; border 4 is the
    # quiet zone the standard asks for.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_png(url: str) -> bytes:
    """A black-on-white PNG QR code of ``url``."""
    buffer = io.BytesIO()
    _code(url).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(url: str) -> bytes:
    """A scalable SVG QR code of ``url`` (one path, no scripts)."""
    buffer = io.BytesIO()
    _code(url).make_image(image_factory=SvgPathImage).save(buffer)
    return buffer.getvalue()

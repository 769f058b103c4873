import io

import zxingcpp
from defusedxml import ElementTree
from PIL import Image

from issuer.qr import qr_png, qr_svg

URL = "https://badges.example.org/verify/6f1c1d1e-8d39-4c5b-9b43-2d3c8a4c2f10"


def test_the_png_qr_code_decodes_to_the_verification_url():
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(URL))))
    assert [r.text for r in results] == [URL]


def test_the_svg_qr_code_is_plain_svg_without_scripts():
    root = ElementTree.fromstring(qr_svg(URL))
    assert root.tag.endswith("svg")
    assert not [e for e in root.iter() if e.tag.endswith("script")]

"""Input limits for everything the verifier reads from outside, with their defaults.

Sized from real credentials: the largest sample in the 1EdTech conformance corpus is 31 KB of
JSON nested 9 levels deep with under 1,000 values; a baked badge image is typically under 300 KB.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class InputLimits:
    max_credential_bytes: int = 256 * 1024  # JSON or JWT text
    max_image_bytes: int = 2 * 1024 * 1024  # baked PNG / SVG upload
    max_json_depth: int = 32
    max_json_values: int = 20_000  # objects, arrays, strings, numbers… in one document
    max_array_items: int = 1_000
    max_string_chars: int = 64 * 1024
    # an image embedded as a data URI: up to the credential text cap (real badges carry
    # 50-100 KB data-URI images; the 1EdTech corpus and a 123 KB credential from issue #9)
    max_data_uri_chars: int = 256 * 1024
    max_number_digits: int = 40
    max_png_chunks: int = 256
    max_endorsements: int = 10

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> InputLimits:
        """Each field from ``VERIFIER_<FIELD>`` when set (e.g. ``VERIFIER_MAX_JSON_DEPTH``)."""
        overrides = {
            field.name: int(config[f"VERIFIER_{field.name.upper()}"])
            for field in fields(cls)
            if config.get(f"VERIFIER_{field.name.upper()}") is not None
        }
        return cls(**overrides)


DEFAULT_LIMITS = InputLimits()

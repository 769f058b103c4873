"""The nesting scan that runs before ``json.loads`` counts brackets outside strings only. It
skips strings with one regular expression; here it is held to the plain character-by-character
reading of JSON strings (RFC 8259 §7: a string runs from a quote to the next unescaped quote,
and an unterminated one to the end of the text) on generated text, malformed JSON included."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.inputs import UnusableInput, _check_nesting


def too_deep_by_reading(text: str, max_depth: int) -> bool:
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                return True
        elif char in "]}":
            depth -= 1
    return False


def too_deep(text: str, max_depth: int) -> bool:
    try:
        _check_nesting(text, max_depth)
    except UnusableInput:
        return True
    return False


@settings(max_examples=2000)
@given(text=st.text(alphabet='[]{}"\\a\n:,', max_size=40), max_depth=st.integers(0, 4))
def test_the_scan_agrees_with_reading_the_strings(text: str, max_depth: int) -> None:
    assert too_deep(text, max_depth) == too_deep_by_reading(text, max_depth)


def test_brackets_after_an_unterminated_string_are_not_counted() -> None:
    assert not too_deep('{"a": "[[[[[', 2)
    assert too_deep('{"a": "\\"", "b": [[[', 2)

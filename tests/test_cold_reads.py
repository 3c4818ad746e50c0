"""Cold reads of a sealed log: the record headers are found as the multi-line pattern
finds them (each sealed record opens only at its own place in the file)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from trustcli import store

PIECES = st.lists(
    st.sampled_from(["[[followup]]", "[[ followup\t]]", "[[checkin]]", "\n", " ", "\t", "x", "["]),
    max_size=30,
)


@settings(max_examples=500, deadline=None)
@given(PIECES, st.integers(0, 40))
def test_header_starts_are_where_the_pattern_finds_them(pieces: list[str], cut: int) -> None:
    data = "".join(pieces).encode()
    offset = min(cut, len(data))
    pattern = re.compile(rb"^[ \t]*(\[\[)[ \t]*followup[ \t]*\]\]", re.M)
    expected = [match.start(1) for match in pattern.finditer(data, offset)]
    assert store._header_starts(data, "followup", offset) == expected

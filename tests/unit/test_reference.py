"""Booking references that survive being read out on the phone and typed on a Greek keyboard."""

from __future__ import annotations

import re

from domain.reference import ALPHABET, new_reference, normalize_reference


def test_references_use_no_characters_that_are_easily_confused():
    assert set(ALPHABET).isdisjoint("01OIL8BSUV")
    references = {new_reference("XAN") for _ in range(2000)}
    assert all(re.fullmatch(rf"XAN-[{ALPHABET}]{{5}}", r) for r in references)
    assert len(references) > 1990  # 26^5 possibilities: repeats are rare


def test_what_a_citizen_types_is_read_as_the_reference():
    for typed in ("xan-7k3qm", "XAN 7K3QM", " xan7k3qm ", "ΧΑΝ-7Κ3QΜ", "χαν 7κ3qμ"):
        assert normalize_reference(typed) == "XAN-7K3QM", typed

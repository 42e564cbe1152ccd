"""Each typed answer: what is taken, and the message key for what is refused."""

from __future__ import annotations

import pytest

from dialogs import validation
from dialogs.validation import Invalid


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("  Μαρία   Παπαδάκη ", "Μαρία Παπαδάκη"),
        ("Jean-Luc O'Neill", "Jean-Luc O'Neill"),
        ("Ελένη\u0000 Μαρκάκη", "Ελένη Μαρκάκη"),
    ],
)
def test_names_are_cleaned(typed, kept):
    assert validation.full_name(typed) == kept


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("", "name.invalid"),
        ("😀😀", "name.invalid"),
        ("<script>alert(1)</script>", "name.invalid"),
        ("Robert'); DROP TABLE citizens;--", "name.invalid"),
        ("Μαρία 2", "name.invalid"),
        ("Α" * 101, "name.too_long"),
    ],
)
def test_names_that_are_refused(typed, key):
    with pytest.raises(Invalid) as refused:
        validation.full_name(typed)
    assert refused.value.key == key


def test_emails():
    assert validation.email(" Maria@Example.com ") == "Maria@example.com"
    for bad in ("maria", "maria@", "@example.com", "maria@example", "μαρία@@example.com", ""):
        with pytest.raises(Invalid, match=r"email\.invalid"):
            validation.email(bad)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("6912345678", "+306912345678"),
        ("691 234 5678", "+306912345678"),
        ("+30 691-234-5678", "+306912345678"),
        ("+44 7911 123456", "+447911123456"),
    ],
)
def test_mobile_numbers_greek_by_default_international_accepted(typed, kept):
    assert validation.mobile(typed) == kept


@pytest.mark.parametrize(
    ("typed", "key"),
    [("12345", "phone.invalid"), ("τηλέφωνο", "phone.invalid"), ("2821012345", "phone.not_mobile")],
)
def test_numbers_that_are_refused(typed, key):
    with pytest.raises(Invalid) as refused:
        validation.mobile(typed)
    assert refused.value.key == key


def test_subject_between_3_and_500_characters_in_words():
    assert validation.subject("  Άδεια   δόμησης ") == "Άδεια δόμησης"
    for typed, key in (
        ("ab", "subject.too_short"),
        ("α" * 501, "subject.too_long"),
        ("🙂🙂🙂🙂", "subject.invalid"),
        ("?!?!?", "subject.invalid"),
    ):
        with pytest.raises(Invalid) as refused:
            validation.subject(typed)
        assert refused.value.key == key
    assert validation.subject("<b>SELECT * FROM bookings</b>") == "<b>SELECT * FROM bookings</b>"


def test_application_numbers():
    assert validation.application_number(" 1234/2026 ") == "1234/2026"
    assert validation.application_number("ΑΠ-55.3") == "ΑΠ-55.3"
    for bad in ("", "1" * 51, "12;DROP", "<b>"):
        with pytest.raises(Invalid, match=r"appno\.invalid"):
            validation.application_number(bad)

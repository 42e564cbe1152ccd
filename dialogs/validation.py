"""The citizen's typed answers, cleaned or refused with the message key that says why."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

NAME_MAX = 100
SUBJECT_MIN, SUBJECT_MAX = 3, 500
APPLICATION_NUMBER_MAX = 50
_NAME_PUNCTUATION = set(" -'’.")
_APPLICATION_CHARACTERS = re.compile(r"^[\w /.\-]+$")
_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


class Invalid(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def clean_text(raw: str) -> str:
    """Unicode-normalised, without control characters, runs of spaces made one."""
    text = unicodedata.normalize("NFC", raw)
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text
    )
    return " ".join(text.split())


def _letters(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch).startswith("L"))


def full_name(raw: str) -> str:
    name = clean_text(raw)
    if len(name) > NAME_MAX:
        raise Invalid("name.too_long")
    ok = all(ch.isalpha() or ch in _NAME_PUNCTUATION for ch in name)
    if not ok or _letters(name) < 2:
        raise Invalid("name.invalid")
    return name


def email(raw: str) -> str:
    text = clean_text(raw)
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise Invalid("email.invalid") from None


def mobile(raw: str) -> str:
    """Greek numbers without a country code; other countries' numbers with theirs."""
    text = clean_text(raw)
    try:
        number = phonenumbers.parse(text, "GR")
    except phonenumbers.NumberParseException:
        raise Invalid("phone.invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise Invalid("phone.invalid")
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise Invalid("phone.not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def subject(raw: str) -> str:
    text = clean_text(raw)
    if len(text) < SUBJECT_MIN:
        raise Invalid("subject.too_short")
    if len(text) > SUBJECT_MAX:
        raise Invalid("subject.too_long")
    if sum(1 for ch in text if ch.isalnum()) < SUBJECT_MIN:
        raise Invalid("subject.invalid")
    return text


def application_number(raw: str) -> str:
    text = clean_text(raw)
    if not text or len(text) > APPLICATION_NUMBER_MAX or not _APPLICATION_CHARACTERS.match(text):
        raise Invalid("appno.invalid")
    return text

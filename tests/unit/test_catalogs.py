"""Every message exists in Greek and English, with the same placeholders, and every key the
code uses is in the catalogs."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from locales.texts import LOCALES_DIR, STRICT_ENV, MissingText, Texts

CODE = Path(__file__).resolve().parents[2]


def _catalog(language: str) -> dict[str, str]:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return {str(m.id): str(m.string) for m in read_po(source) if m.id}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogs_have_the_same_keys():
    assert set(_catalog("el")) == set(_catalog("en"))


def test_every_message_is_translated_with_the_same_placeholders():
    greek, english = _catalog("el"), _catalog("en")
    for key, text in greek.items():
        assert text.strip(), f"el: {key} is empty"
        assert english[key].strip(), f"en: {key} is empty"
        assert _placeholders(text) == _placeholders(english[key]), key


def test_every_key_the_code_uses_is_in_the_catalogs():
    used: set[str] = set()
    pattern = re.compile(r"""(?:texts|say|Refused)\(\s*["']([a-z_.]+)["']""")
    for path in (CODE / "dialogs").glob("*.py"):
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    for path in (CODE / "integrations").rglob("*.py"):
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    in_templates = re.compile(r"""\bt\(\s*["']([a-z_.]*[a-z_])["']""")
    for path in (CODE / "integrations" / "email" / "templates").iterdir():
        used |= set(in_templates.findall(path.read_text(encoding="utf-8")))
    letters = ("booked", "rescheduled", "cancelled", "reminder", "invitation")
    used |= {f"email.subject.{kind}" for kind in (*letters, "invitation_cancelled")}
    used |= {f"email.intro.{kind}" for kind in (*letters, "invitation_cancelled")}
    used |= {f"mode.{m}" for m in ("video_call", "in_person")}
    assert used, "the pattern found no keys: it no longer matches the code"
    assert used - set(_catalog("el")) == set()


def test_a_missing_message_fails_under_test_and_shows_its_key_in_production(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    with pytest.raises(MissingText, match=r"el: no\.such\.message"):
        Texts("el")("no.such.message")
    monkeypatch.delenv(STRICT_ENV)
    assert Texts("en")("no.such.message") == "no.such.message"
    assert "no en text for no.such.message" in caplog.text

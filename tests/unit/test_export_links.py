"""The link a Viber citizen's /mydata file is fetched from: it opens for that citizen only, for
a quarter of an hour, and a link changed anywhere, or made with another bot's token, opens
nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.viber.exports import ExportLinks

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def token_of(link: str) -> str:
    return link.rsplit("/", 2)[-2]


def test_a_link_opens_for_its_citizen_for_fifteen_minutes():
    clock = [NOW]
    links = ExportLinks("viber-token", "https://bot.chania.gr/", lambda: clock[0])
    link = links.link("01234567890A=", "rantevou-2026-12-02.json")
    assert link.startswith("https://bot.chania.gr/mydata/")
    assert link.endswith("/rantevou-2026-12-02.json")
    assert links.user_of(token_of(link)) == "01234567890A="
    clock[0] = NOW + timedelta(minutes=14, seconds=59)
    assert links.user_of(token_of(link)) == "01234567890A="
    clock[0] = NOW + timedelta(minutes=15, seconds=1)
    assert links.user_of(token_of(link)) is None


def test_a_changed_link_or_another_bots_opens_nothing():
    links = ExportLinks("viber-token", "https://bot.chania.gr", lambda: NOW)
    token = token_of(links.link("01234567890A=", "x.json"))
    payload, _, signature = token.partition(".")
    other_user = ExportLinks("viber-token", "", lambda: NOW).link("XYZ=", "x.json")
    assert links.user_of(f"{token_of(other_user).partition('.')[0]}.{signature}") is None
    assert links.user_of(f"{payload}.{signature[:-1]}") is None
    assert links.user_of(payload) is None
    assert links.user_of("") is None
    assert ExportLinks("another-token", "", lambda: NOW).user_of(token) is None

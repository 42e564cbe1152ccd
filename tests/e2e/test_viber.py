"""`python -m bot web` with a Viber token, against a local stand-in for Viber: signed callbacks
drive a booking, a reschedule and a cancellation; unsigned and wrongly signed ones are refused
with nothing stored."""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from integrations.db.tables import bookings, conversations, viber_subscribers
from tests.e2e.telegram_citizen import (
    count_rows,
    free_port,
    migrated_database,
    start_process,
    stop,
    stop_when_done,
    table_rows,
)
from tests.e2e.test_telegram_webhook import wait_until_up
from tests.e2e.viber_citizen import ViberCitizen
from tests.fake_viber import FakeViber


@pytest.fixture
def database(tmp_path: Path) -> str:
    return migrated_database(tmp_path)


@pytest.fixture
async def web_bot(viber: FakeViber, database: str) -> AsyncIterator[subprocess.Popen[str]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_process(
        "web",
        database,
        BOT_TOKEN="",
        VIBER_TOKEN=viber.token,
        VIBER_API_URL=viber.base_url,
        HOST="127.0.0.1",
        PORT=str(port),
        WEBHOOK_BASE_URL=base,
    )
    try:
        await wait_until_up(base + "/health")
        yield process
    finally:
        assert "Traceback" not in await stop(process)


async def test_book_reschedule_and_cancel_a_video_call_on_viber(viber, database, web_bot):
    assert viber.webhook_url.endswith("/viber/webhook")
    assert {"conversation_started", "subscribed", "unsubscribed"} <= set(viber.event_types)
    eleni = ViberCitizen(viber, user_id="01234567890A=")

    welcome = await eleni.open()
    assert "Καλώς ήρθατε!" in welcome["text"]
    assert welcome["sender"]["name"] == "Δήμος Χανίων"
    assert "Νέα κράτηση" in [b["Text"] for b in welcome["keyboard"]["Buttons"]]
    assert viber.sent == []  # the welcome went in the answer: she has not subscribed yet

    await eleni.press("Νέα κράτηση")
    await eleni.press("Ραντεβού με τηλεδιάσκεψη")
    await eleni.press("Οικοδομικές Άδειες (20 λεπτά)")
    calendar = eleni.screen.rows()
    assert [b["Text"] for b in calendar[0]][:5] == ["Δε", "Τρ", "Τε", "Πέ", "Πα"]
    weeks = [row for row in calendar[1:] if len(row) == len(calendar[0])]
    assert weeks
    assert all(sum(b["Columns"] for b in row) == 6 for row in weeks)
    inert_days = [b for row in weeks for b in row if b["ActionType"] == "none" and b["Text"]]
    assert all("<font" in b["Text"] for b in inert_days)  # full days: grey, and do nothing
    await eleni.press_first("day:20")
    assert all(len(row) <= 3 for row in eleni.screen.rows())
    await eleni.press_first("time:")
    await eleni.press("Οποιοσδήποτε")
    for answer in ("Ελένη Μαρκάκη", "eleni@example.com", "6912345678", "Έλεγχος φακέλου"):
        await eleni.say(answer)
    await eleni.press("Δεν έχω")
    await eleni.press("Όχι")
    await eleni.press("ΝΑΙ")
    await eleni.press("Συμφωνώ")
    assert "Ελένη Μαρκάκη" in eleni.text
    await eleni.press("Επιβεβαίωση κράτησης")
    assert "Το ραντεβού σας κλείστηκε." in eleni.text
    [booked] = await table_rows(database, bookings)
    assert booked.reference in eleni.text

    await eleni.press("Προγραμματισμός εκ νέου")
    await eleni.press_first("day:20")
    second_time = [b for b in eleni.buttons() if "time:" in b["ActionBody"]][1]
    await eleni.press(second_time["Text"])
    await eleni.press("Οποιοσδήποτε")
    await eleni.press("Επιβεβαίωση νέας ώρας")
    assert "Το ραντεβού σας μεταφέρθηκε." in eleni.text
    await eleni.press("Ακύρωση κράτησης")
    await eleni.press("Ναι, ακύρωση")
    assert f"Η κράτηση {booked.reference} ακυρώθηκε." in eleni.text

    [cancelled] = await table_rows(database, bookings)
    assert (cancelled.status, cancelled.sequence) == ("cancelled", 2)
    [subscriber] = await table_rows(database, viber_subscribers)
    assert (subscriber.user_id, subscriber.subscribed) == ("01234567890A=", True)
    every_button = [b for message in viber.sent for b in message.buttons]
    assert all(b["Silent"] for b in every_button)


async def test_unsigned_and_wrongly_signed_callbacks_change_nothing(viber, database, web_bot):
    message = viber.message("0999AAAA=", "/book")
    wrong = viber.sign(b"another body")
    for signature in (None, "", wrong, wrong.upper()[:-1] + "0", "not-hex"):
        status, _ = await viber.post_callback(message, signature=signature)
        assert status == 403
    unsubscribe = viber.callback("unsubscribed", user_id="0999AAAA=")
    assert (await viber.post_callback(unsubscribe, signature=wrong))[0] == 403
    assert viber.sent == []
    assert await count_rows(database, conversations) == 0
    assert await count_rows(database, viber_subscribers) == 0

    status, _ = await viber.post_callback(message)
    assert status == 200
    assert "Ραντεβού με τηλεδιάσκεψη" in [b["Text"] for b in viber.sent[-1].buttons]
    assert await count_rows(database, conversations) == 1


async def test_a_repeated_callback_is_handled_once_and_notes_are_not_answered(
    viber, database, web_bot
):
    nikos = ViberCitizen(viber, user_id="0777BBBB=")
    await nikos.say("/book")
    sent = len(viber.sent)
    press = viber.message("0777BBBB=", nikos.buttons()[0]["ActionBody"])
    assert (await viber.post_callback(press))[0] == 200
    assert (await viber.post_callback(press))[0] == 200  # Viber retried it
    assert len(viber.sent) == sent + 1
    for event in ("delivered", "seen"):
        await viber.post_callback(viber.callback(event, user_id="0777BBBB="))
    await viber.post_callback(viber.callback("failed", user_id="0777BBBB=", desc="no device"))
    assert len(viber.sent) == sent + 1

    status, _ = await viber.post_callback(viber.callback("message", sender={"name": "x"}))
    assert status == 400
    assert len(viber.sent) == sent + 1


async def test_a_wrong_token_or_none_stops_the_web_server_with_one_line(viber, database):
    port = str(free_port())
    process = start_process(
        "web",
        database,
        BOT_TOKEN="",
        VIBER_TOKEN="not-the-token",
        VIBER_API_URL=viber.base_url,
        HOST="127.0.0.1",
        PORT=port,
        WEBHOOK_BASE_URL=f"http://127.0.0.1:{port}",
    )
    stderr = await stop_when_done(process)
    assert process.returncode == 2
    assert stderr.strip().splitlines()[-1] == (
        "Viber refused to start the webhook: Viber status 2 (invalidAuthToken)"
    )
    assert "Traceback" not in stderr
    process = start_process("web", database, BOT_TOKEN="", VIBER_TOKEN="")
    stderr = await stop_when_done(process)
    assert process.returncode == 2
    assert stderr.strip() == (
        "Neither BOT_TOKEN (Telegram) nor VIBER_TOKEN (Viber) is set: nothing to serve."
    )


async def test_on_viber_mydata_comes_as_a_file_to_fetch_and_forgetme_ends_the_subscription(
    viber, database, web_bot
):
    """Viber carries a file only as a link it fetches: the link opens this citizen's data for
    a quarter of an hour, and a link changed by one character opens nothing."""
    eleni = ViberCitizen(viber, user_id="01234567890B=")
    await eleni.open()
    await eleni.say("Γεια")  # her first message: now she is subscribed
    await eleni.press("Γλώσσα")
    await eleni.press("English")
    await eleni.press("Personal data")
    assert "Controller: Municipality of Chania" in eleni.text
    await eleni.press("What you keep about me")
    assert "What we keep about you:" in eleni.text
    assert "Language: English" in eleni.text
    [file] = viber.files
    assert (file.receiver, file.file_name) == ("01234567890B=", file.media.rsplit("/", 1)[-1])
    assert file.file_name.endswith(".json")
    async with aiohttp.ClientSession() as session:
        async with session.get(file.media) as response:
            assert response.status == 200
            assert response.headers["Cache-Control"] == "no-store"
            kept = json.loads(await response.read())
        token = file.media.rsplit("/", 2)[-2]
        forged = file.media.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
        async with session.get(forged) as response:
            assert response.status == 404
    assert kept["citizen"]["channel_user_id"] == "01234567890B="
    assert file.size == len(json.dumps(kept, ensure_ascii=False, indent=2).encode())

    await eleni.press("Erase my data")
    await eleni.press("Yes, erase")
    assert "Done. We erased:" in eleni.text
    assert await table_rows(database, viber_subscribers) == []
    assert await count_rows(database, conversations) == 0

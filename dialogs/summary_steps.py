"""The summary of every answer: confirm, change something, or cancel."""

from __future__ import annotations

from datetime import UTC, datetime

from dialogs.booking_steps import is_video_call
from dialogs.privacy import declaration
from dialogs.screens import Choice, Event, Screen
from dialogs.turn import REQUEST_KEY, GoTo, Outcome, Refused, Step, Turn, choice_id, screen
from dialogs.turn import value_of as chosen_value
from domain.errors import (
    BookingNotFound,
    BookingRefused,
    OverlapsOwnBooking,
    SlotNotOffered,
    SlotTaken,
    TooManyActiveBookings,
)
from domain.model import (
    Booking,
    BookingDetails,
    ChannelIdentity,
    ContactDetails,
    Mode,
    ThirdPerson,
    declaration_hash,
)
from domain.use_cases import BookingRequest, book, reschedule


def summary_lines(turn: Turn) -> list[str]:
    a, texts, language = turn.answers, turn.texts, turn.state.language
    m = turn.municipality
    service = m.service(a["service"])
    staff = m.staff_member(a["staff"]) if a.get("staff") else None
    when = datetime.fromtimestamp(a["time"], UTC)
    lines = [
        texts("summary.mode", value=texts(f"mode.{a['mode']}")),
        texts("summary.service", value=service.name.in_language(language) if service else ""),
        texts("summary.when", value=texts.when(when, turn.zone, m.time_zone)),
        texts("summary.staff", value=staff.name_in(language) if staff else texts("staff.anyone")),
        texts("summary.name", value=a["name"]),
        texts("summary.email", value=a["email"]),
        texts("summary.phone", value=a["phone"]),
        texts("summary.subject", value=a["subject"]),
        texts("summary.appno", value=a.get("appno") or "—"),
    ]
    if is_video_call(turn):
        third = texts("no")
        if a.get("third"):
            third = " ".join(filter(None, (a.get("third_name"), a.get("third_email")))) or texts(
                "yes"
            )
        lines.append(texts("summary.third", value=third))
    return lines


class SummaryStep(Step):
    name = "summary"
    title = "Summary"
    exits = (
        ("Confirm: booked", "booking"),
        ("Change something", "change"),
        ("declaration changed meanwhile", "consent"),
        ("time just taken", "time"),
        ("day no longer offered", "day"),
        ("too many bookings, or refused: why", "menu"),
    )

    def answered(self, turn: Turn) -> bool:
        return False

    async def screen(self, turn: Turn) -> Screen:
        confirm = "summary.confirm_move" if turn.state.flow == "reschedule" else "summary.confirm"
        rows = [
            (Choice(choice_id(self.name, "confirm"), turn.texts(confirm)),),
            (Choice(choice_id(self.name, "change"), turn.texts("summary.change")),),
        ]
        text = "\n".join([turn.texts("summary.title"), *summary_lines(turn)])
        return screen(turn, self, text, rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        value = chosen_value(chosen, self.name)
        if value == "change":
            return GoTo("change")
        if value != "confirm":
            return Refused("choose_from_list")
        if turn.state.flow != "reschedule" and not _declaration_still_read(turn):
            turn.say("consent.changed")
            turn.answer_model.forget(turn.answers, "consent")
            return GoTo("consent")
        try:
            booking = await _commit(turn)
        except (SlotTaken, OverlapsOwnBooking) as refused:
            turn.say(refused.code)
            turn.answer_model.forget(turn.answers, "time")
            return GoTo("time")
        except SlotNotOffered as refused:
            turn.say(refused.code)
            turn.answer_model.forget(turn.answers, "day")
            return GoTo("day")
        except TooManyActiveBookings as refused:
            turn.say(refused.code, limit=refused.limit)
            turn.state.end_flow()
            return GoTo("menu")
        except BookingRefused as refused:
            turn.say(refused.code)
            turn.state.end_flow()
            return GoTo("menu")
        moved = turn.state.flow == "reschedule"
        turn.state.end_flow()
        turn.state.reference = booking.reference
        turn.say("rescheduled" if moved else "booked", email=booking.contact.email)
        return GoTo("booking")


def _declaration_still_read(turn: Turn) -> bool:
    """The declaration accepted is the one in force (a new version may have been deployed
    between the consent and the Confirm)."""
    accepted = declaration_hash(turn.answers.get("consent") or "")
    return accepted == declaration(Mode(turn.answers["mode"])).text_hash


async def _commit(turn: Turn) -> Booking:
    a = turn.answers
    identity: ChannelIdentity = turn.event.identity
    starts_at = datetime.fromtimestamp(a["time"], UTC)
    third = ThirdPerson(a.get("third_name"), a.get("third_email")) if a.get("third") else None
    details = BookingDetails(
        contact=ContactDetails(a["name"], a["email"], a["phone"]),
        subject=a["subject"],
        application_number=a.get("appno"),
        third_person=third,
    )
    if turn.state.flow == "reschedule":
        if not turn.state.reference:
            raise BookingNotFound("")
        return await reschedule(
            identity,
            turn.state.reference,
            starts_at,
            a.get("staff") or None,
            turn.storage,
            turn.municipality,
            turn.now,
            details=details,
            change_key=a.get(REQUEST_KEY),
        )
    request = BookingRequest(
        citizen=identity,
        service_id=a["service"],
        mode=Mode(a["mode"]),
        starts_at=starts_at,
        staff_id=a.get("staff") or None,
        contact=details.contact,
        subject=details.subject,
        application_number=details.application_number,
        third_person=third,
        consent_version=a["consent"],
        declaration=declaration(Mode(a["mode"])),
        request_key=a.get(REQUEST_KEY),
    )
    return await book(request, turn.storage, turn.municipality, turn.now)


class ChangeStep(Step):
    """Jump to one answer; once it is given again, the summary comes back."""

    name = "change"
    title = "Which answer?"
    exits = (("its step, then the summary again", "summary"),)
    nav = ("back", "help")

    def _fields(self, turn: Turn) -> list[str]:
        flow = "reschedule" if turn.state.flow == "reschedule" else "book"
        return turn.answer_model.changeable_now(turn, flow)

    async def screen(self, turn: Turn) -> Screen:
        rows = [
            (Choice(choice_id(self.name, f), turn.texts(f"change.{f}")),)
            for f in self._fields(turn)
        ]
        return screen(turn, self, turn.texts("change.prompt"), rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        field = chosen_value(chosen, self.name)
        if field not in self._fields(turn):
            return Refused("choose_from_list")
        if field in ("name", "email", "phone"):
            turn.answers.pop("contact", None)
            turn.answers["has_saved_contact"] = False
        turn.answer_model.forget(turn.answers, field)
        if field == "day":
            turn.state.month = None
        return GoTo(field)

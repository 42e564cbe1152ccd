"""The steps of a booking, in the seed's order: mode, service, day, time, staff, details,
subject, application number, third person, documents, consent, summary."""

from __future__ import annotations

from abc import abstractmethod
from calendar import Calendar
from datetime import UTC, date, datetime, time, timedelta

from dialogs import validation
from dialogs.parsing import (
    EARLIEST,
    NO,
    NOTHING,
    PARTS_OF_DAY,
    YES,
    ImpossibleDate,
    named_weekday,
    parse_day,
    parse_time,
    simplified,
    split_day_and_time,
)
from dialogs.privacy import declaration, privacy_link, privacy_notice
from dialogs.screens import Choice, Event, Screen
from dialogs.turn import (
    Answered,
    Ask,
    GoTo,
    Outcome,
    Refused,
    Stay,
    Step,
    Turn,
    choice_id,
    office_call,
    screen,
)
from dialogs.turn import value_of as chosen_value
from domain.availability import Slot, SlotQuery, bookable_days
from domain.model import Mode
from domain.use_cases import find_available_days, find_available_times

TIMES_PER_ROW = 4


def yes_no_row(
    turn: Turn, step: str, yes_key: str = "yes", no_key: str = "no"
) -> tuple[Choice, ...]:
    return (
        Choice(choice_id(step, "yes"), turn.texts(yes_key)),
        Choice(choice_id(step, "no"), turn.texts(no_key)),
    )


def yes_or_no(event: Event, chosen: Choice | None, step: str) -> bool | None:
    value = chosen_value(chosen, step)
    if value is not None:
        return True if value == "yes" else False if value == "no" else None
    words = simplified(event.text or "")
    return True if words in YES else False if words in NO else None


class MunicipalityStep(Step):
    name = "municipality"
    title = "Municipality"
    when = ("more than one municipality",)
    writes = ("municipality",)

    def applies(self, turn: Turn) -> bool:
        return len(turn.configuration.municipalities) > 1

    async def screen(self, turn: Turn) -> Screen:
        rows = [
            (Choice(choice_id(self.name, m.id), m.name.in_language(turn.state.language)),)
            for m in turn.configuration.municipalities
        ]
        return screen(turn, self, turn.texts("municipality.prompt"), rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        value = chosen_value(chosen, self.name)
        if value is None or turn.configuration.municipality(value) is None:
            return Refused("choose_from_list")
        return Answered({self.name: value})


class ModeStep(Step):
    name = "mode"
    title = "Mode: video call / in person"
    reads = ("municipality",)
    writes = ("mode",)
    changeable_in = ("book",)

    def _modes(self, turn: Turn) -> list[Mode]:
        offered = {mode for s in turn.municipality.services for mode in s.modes}
        return [m for m in (Mode.VIDEO_CALL, Mode.IN_PERSON) if m in offered]

    async def screen(self, turn: Turn) -> Screen:
        rows = [
            (Choice(choice_id(self.name, m.value), turn.texts(f"mode.{m.value}")),)
            for m in self._modes(turn)
        ]
        return screen(turn, self, turn.texts("mode.prompt"), rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        value = chosen_value(chosen, self.name)
        if value not in {m.value for m in self._modes(turn)}:
            return Refused("choose_from_list")
        return Answered({self.name: value})


class ServiceStep(Step):
    name = "service"
    title = "Service · what is this?"
    reads = ("municipality", "mode")
    writes = ("service",)
    changeable_in = ("book",)

    async def screen(self, turn: Turn) -> Screen:
        language = turn.state.language
        mode = Mode(turn.answers["mode"])
        lines, rows = [turn.texts("service.prompt")], []
        for service in turn.municipality.services:
            if mode not in service.modes:
                continue
            minutes = int(service.duration.total_seconds() // 60)
            name = service.name.in_language(language)
            label = turn.texts(
                "service.choice", name=service.button_name(language), minutes=minutes
            )
            full = turn.texts("service.choice", name=name, minutes=minutes)
            lines.append(f"• {name}: {service.summary.in_language(language)}")
            rows.append((Choice(choice_id(self.name, service.id), label, full),))
        rows.append((Choice(choice_id(self.name, "?"), turn.texts("service.what_is_this")),))
        return screen(turn, self, "\n".join(lines), rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        value = chosen_value(chosen, self.name)
        if value == "?":
            language = turn.state.language
            for service in turn.municipality.services:
                turn.say(
                    "service.info",
                    name=service.name.in_language(language),
                    description=service.description.in_language(language),
                    documents=service.documents.in_language(language),
                )
            return Stay()
        wanted = turn.municipality.service(value) if value else None
        if wanted is None or Mode(turn.answers["mode"]) not in wanted.modes:
            return Refused("choose_from_list")
        return Answered({self.name: value})


def _query(turn: Turn) -> SlotQuery:
    return SlotQuery(turn.answers["service"], Mode(turn.answers["mode"]))


class DayStep(Step):
    name = "day"
    title = "Day: calendar of free days, ‹ › months"
    reads = ("service",)
    writes = ("day",)
    changeable_in = ("book", "reschedule")
    numbered = False  # "15" is the 15th

    async def _free_days(self, turn: Turn) -> list[date]:
        first, last = bookable_days(turn.municipality, turn.now)
        return await find_available_days(
            turn.storage, turn.municipality, _query(turn), first, last, turn.now
        )

    def _month(self, turn: Turn, days: list[date]) -> tuple[int, int]:
        if turn.state.month:
            year, month = turn.state.month.split("-")
            return int(year), int(month)
        start = days[0] if days else turn.municipality.local_date(turn.now)
        return start.year, start.month

    async def screen(self, turn: Turn) -> Screen:
        texts = turn.texts
        days = await self._free_days(turn)
        if not days:
            window = turn.municipality.rules.window_days
            call = office_call(texts, turn.municipality)
            return screen(turn, self, texts("day.none_at_all", days=window, office_call=call))
        year, month = self._month(turn, days)
        free = {d for d in days if (d.year, d.month) == (year, month)}
        rows: list[tuple[Choice, ...]] = [tuple(Choice(None, n) for n in texts.weekday_initials())]
        for week in Calendar().monthdatescalendar(year, month):
            rows.append(tuple(self._cell(turn, d, month, free) for d in week))
        rows.append(self._month_moves(turn, days, year, month))
        title = texts.month(year, month)
        text = (
            texts("day.prompt", month=title) if free else texts("day.none_this_month", month=title)
        )
        return screen(turn, self, text, rows, calendar=True)

    def _move_to_month(self, turn: Turn, month: str) -> Outcome:
        first, last = bookable_days(turn.municipality, turn.now)
        wanted = _date_or_none(f"{month}-01")
        if wanted is None or not (f"{first:%Y-%m}" <= month <= f"{last:%Y-%m}"):
            return Refused("day.invalid")
        turn.state.month = month
        return Stay()

    def _cell(self, turn: Turn, day: date, month: int, free: set[date]) -> Choice:
        if day.month != month:
            return Choice(None, " ")
        if day in free:
            return Choice(choice_id(self.name, day.isoformat()), str(day.day), turn.texts.day(day))
        return Choice(None, str(day.day))

    def _month_moves(
        self, turn: Turn, days: list[date], year: int, month: int
    ) -> tuple[Choice, ...]:
        moves = []
        previous = date(year, month, 1) - timedelta(days=1)
        following = date(year, month, 28) + timedelta(days=7)
        if days and (previous.year, previous.month) >= (days[0].year, days[0].month):
            label = "‹ " + turn.texts.month(previous.year, previous.month)
            moves.append(Choice(choice_id(self.name, f"month:{previous:%Y-%m}"), label))
        if days and (following.year, following.month) <= (days[-1].year, days[-1].month):
            label = turn.texts.month(following.year, following.month) + " ›"
            moves.append(Choice(choice_id(self.name, f"month:{following:%Y-%m}"), label))
        return tuple(moves)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        value = chosen_value(chosen, self.name)
        if value and value.startswith("month:"):
            return self._move_to_month(turn, value.removeprefix("month:"))
        if value:
            wanted = _date_or_none(value)
            return await self._checked(turn, wanted) if wanted else Refused("day.invalid")
        typed = event.text or ""
        if simplified(typed) in EARLIEST:
            free = await self._free_days(turn)
            return Answered({self.name: free[0].isoformat()}) if free else Refused("day.invalid")
        both = split_day_and_time(typed)
        try:
            wanted = parse_day(both[0] if both else typed, turn.municipality.local_date(turn.now))
        except ImpossibleDate:
            return Refused("day.impossible", {"typed": typed.strip()[:20]})
        if wanted is None:
            return Refused("day.invalid")
        named = named_weekday(typed)
        if named is not None and named != wanted.weekday():  # «Παρασκευή 15», a Tuesday
            return await self._checked(turn, wanted, ask="day.meant")
        if both:
            return await self._with_time(turn, wanted, parse_time(both[1]))
        return await self._checked(turn, wanted)

    async def _checked(self, turn: Turn, wanted: date, ask: str | None = None) -> Outcome:
        """The day if it has free times; else the nearest that has, asked back."""
        if wanted < turn.municipality.local_date(turn.now):
            return Refused("day.past")
        free = await self._free_days(turn)
        if wanted not in free:
            later = [d for d in free if wanted < d <= wanted + NEAREST_DAY]
            if not later:
                return Refused("day.not_available", {"day": turn.texts.day(wanted)})
            return Ask(
                "day.nearest",
                {"day": turn.texts.day(wanted), "nearest": turn.texts.day(later[0])},
                (choice_id(self.name, later[0].isoformat()),),
            )
        if ask is not None:
            press = choice_id(self.name, wanted.isoformat())
            return Ask(ask, {"day": turn.texts.day(wanted)}, (press,))
        turn.state.month = f"{wanted:%Y-%m}"
        return Answered({self.name: wanted.isoformat()})

    async def _with_time(self, turn: Turn, wanted: date, times: tuple[time, ...]) -> Outcome:
        """ "Τετάρτη στις 10": both asked back in one question when both are free; the day
        alone, with a word about the hour, when only the day is."""
        outcome = await self._checked(turn, wanted)
        if not isinstance(outcome, Answered):
            return outcome
        slots = await find_available_times(
            turn.storage, turn.municipality, _query(turn), wanted, turn.now
        )
        hours = {(m.hour, m.minute) for m in times}
        fits = [s for s in slots if _hour(s.start.astimezone(turn.zone)) in hours]
        if len(fits) != 1:
            turn.say("day.time_not_free", time=f"{times[0]:%H:%M}", day=turn.texts.day(wanted))
            return outcome
        presses = (
            choice_id(self.name, wanted.isoformat()),
            choice_id("time", str(int(fits[0].start.timestamp()))),
        )
        clock = turn.texts.clock(fits[0].start, turn.zone)
        return Ask("day.meant_with_time", {"day": turn.texts.day(wanted), "time": clock}, presses)


NEAREST_DAY = timedelta(days=7)
"""A full or closed day typed: a free day up to this much later is offered instead."""


def _hour(moment: datetime) -> tuple[int, int]:
    return moment.hour, moment.minute


def _date_or_none(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


async def _slots(turn: Turn) -> list[Slot]:
    day = date.fromisoformat(turn.answers["day"])
    return await find_available_times(turn.storage, turn.municipality, _query(turn), day, turn.now)


class TimeStep(Step):
    name = "time"
    title = "Time: free times, the citizen's zone + Greek time"
    reads = ("day",)
    writes = ("time",)
    numbered = False  # "10" is ten o'clock

    def _label(self, turn: Turn, slot: Slot) -> str:
        office = turn.municipality.time_zone
        mine = turn.texts.clock(slot.start, turn.zone)
        if turn.zone.key == office.key:
            return mine
        return turn.texts(
            "time.with_office_time", time=mine, office_time=turn.texts.clock(slot.start, office)
        )

    async def screen(self, turn: Turn) -> Screen:
        slots = await _slots(turn)
        day = turn.texts.day(date.fromisoformat(turn.answers["day"]))
        if not slots:
            return screen(turn, self, turn.texts("time.none", day=day))
        choices = [
            Choice(choice_id(self.name, str(int(s.start.timestamp()))), self._label(turn, s))
            for s in slots
        ]
        rows = [
            tuple(choices[i : i + TIMES_PER_ROW]) for i in range(0, len(choices), TIMES_PER_ROW)
        ]
        text = turn.texts("time.prompt", day=day, zone=turn.texts.zone_name(turn.state.time_zone))
        return screen(turn, self, text, rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        slots = await _slots(turn)
        value = chosen_value(chosen, self.name)
        if value is not None:
            if not value.isdigit():
                return Refused("time.invalid")
            start = datetime.fromtimestamp(int(value), UTC)
            if any(s.start == start for s in slots):
                return Answered({self.name: int(value)})
            return Refused("slot_taken")
        if simplified(event.text or "") in EARLIEST and slots:
            return Answered({self.name: int(slots[0].start.timestamp())})
        part = PARTS_OF_DAY.get(simplified(event.text or ""))
        if part is not None:
            return self._part_of_day(turn, slots, *part)
        meanings = parse_time(event.text or "")
        if not meanings:
            return Refused("time.invalid")
        free = {
            (local.hour, local.minute): slot
            for slot in slots
            for local in (slot.start.astimezone(turn.zone),)
        }
        fits = [free[(m.hour, m.minute)] for m in meanings if (m.hour, m.minute) in free]
        if len(fits) == 1:
            return Answered({self.name: int(fits[0].start.timestamp())})
        if fits:  # "8" where both 08:00 and 20:00 are free
            return self._ask(turn, "time.meant", fits[0])
        nearest = _nearest(slots, meanings[0], turn)
        if nearest is not None:
            return self._ask(turn, "time.nearest", nearest, typed=f"{meanings[0]:%H:%M}")
        return Refused("time.not_available", {"time": f"{meanings[0]:%H:%M}"})

    def _ask(self, turn: Turn, key: str, slot: Slot, **params: str) -> Ask:
        """«Εννοείτε 10:00;» / «Η 10:00 δεν είναι ελεύθερη· θέλετε την 10:15;»"""
        press = choice_id(self.name, str(int(slot.start.timestamp())))
        return Ask(key, {"time": self._label(turn, slot), **params}, (press,))

    def _part_of_day(self, turn: Turn, slots: list[Slot], start: int, end: int) -> Outcome:
        """ "το πρωί": the free times of the morning, to pick from."""
        times = [
            turn.texts.clock(s.start, turn.zone)
            for s in slots
            if start <= s.start.astimezone(turn.zone).hour < end
        ]
        if not times:
            return Refused("time.part_of_day_none")
        turn.say("time.part_of_day", times=", ".join(times))
        return Stay()


NEAR_ENOUGH = timedelta(minutes=60)
"""A free time this close to the one asked for is offered instead of a plain no."""


def _nearest(slots: list[Slot], wanted: time, turn: Turn) -> Slot | None:
    day = date.fromisoformat(turn.answers["day"])
    meant = datetime.combine(day, wanted, turn.zone)
    near = [s for s in slots if abs(s.start - meant) <= NEAR_ENOUGH]
    return min(near, key=lambda s: (abs(s.start - meant), s.start), default=None)


async def selected_slot(turn: Turn) -> Slot | None:
    start = datetime.fromtimestamp(turn.answers["time"], UTC)
    return next((s for s in await _slots(turn) if s.start == start), None)


class StaffStep(Step):
    name = "staff"
    title = "Staff: Anyone first, only those free then"
    reads = ("time",)
    writes = ("staff",)
    changeable_in = ("book", "reschedule")
    exits = (("time just taken", "time"),)

    async def screen(self, turn: Turn) -> Screen:
        slot = await selected_slot(turn)
        rows = [(Choice(choice_id(self.name, "any"), turn.texts("staff.anyone")),)]
        for staff_id in slot.staff_ids if slot else ():
            member = turn.municipality.staff_member(staff_id)
            if member:
                rows.append(
                    (Choice(choice_id(self.name, staff_id), member.name_in(turn.state.language)),)
                )
        return screen(turn, self, turn.texts("staff.prompt"), rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        value = chosen_value(chosen, self.name)
        if value is None and simplified(event.text or "") in YES:
            return Refused("staff.which")  # «ναι» to «a particular member of staff?»
        if value is None:
            return Refused("choose_from_list")
        slot = await selected_slot(turn)
        if slot is None:
            turn.say("slot_taken")
            turn.answers.pop("time", None)
            return GoTo("time")
        if value != "any" and value not in slot.staff_ids:
            return Refused("choose_from_list")
        return Answered({self.name: "" if value == "any" else value})


class SavedContactStep(Step):
    """A returning citizen: their details from last time, in one tap."""

    name = "contact"
    title = "Use the saved details?"
    when = ("saved details",)
    writes = ("contact", "name", "email", "phone")
    exits = (("use them", "subject"),)

    def applies(self, turn: Turn) -> bool:
        return bool(turn.answers.get("has_saved_contact"))

    async def _saved(self, turn: Turn) -> tuple[str, str, str] | None:
        async with turn.storage.reading() as uow:
            citizen = await uow.citizens.get(turn.event.identity)
        if citizen is None or citizen.contact is None:
            return None
        contact = citizen.contact
        return contact.full_name, contact.email, contact.phone

    async def screen(self, turn: Turn) -> Screen:
        saved = await self._saved(turn) or ("", "", "")
        text = turn.texts("contact.saved_prompt", name=saved[0], email=saved[1], phone=saved[2])
        rows = [yes_no_row(turn, self.name, "contact.use_saved", "contact.change")]
        return screen(turn, self, text, rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        use = yes_or_no(event, chosen, self.name)
        if use is None:
            return Refused("choose_from_list")
        saved = await self._saved(turn)
        if use and saved:
            return Answered(
                {self.name: "saved", "name": saved[0], "email": saved[1], "phone": saved[2]}
            )
        return Answered({self.name: "new"})


class TextStep(Step):
    """A typed answer, cleaned by a validator; optionally skippable."""

    prompt = ""
    skip_label = ""
    free_text = True

    @abstractmethod
    def clean(self, text: str) -> str:
        """The answer as it will be kept; raises validation.Invalid with the reason's key."""

    async def screen(self, turn: Turn) -> Screen:
        text = turn.texts(self.prompt)
        current = turn.answers.get(self.name)
        if current:
            text += "\n" + turn.texts("text.current", value=current)
        rows = []
        if current:  # back here: one tap keeps it
            keep = turn.texts("text.keep", value=_shortened(str(current)))
            rows.append((Choice(choice_id(self.name, "keep"), keep),))
        if self.skip_label:
            rows.append((Choice(choice_id(self.name, "skip"), turn.texts(self.skip_label)),))
        return screen(turn, self, text, rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        if self.skip_label and chosen_value(chosen, self.name) == "skip":
            return Answered({self.name: None})
        if chosen_value(chosen, self.name) == "keep" and turn.answers.get(self.name):
            return Answered({self.name: turn.answers[self.name]})
        if chosen is not None or not (event.text or "").strip():
            return Refused("text.expected")
        words = simplified(event.text or "")
        if words in NOTHING or words in NO:
            if self.skip_label:  # «όχι», «δεν έχω» to an optional answer: left out
                return Answered({self.name: None})
            return Refused("text.required")
        if words in YES:
            return Refused("text.not_yes_no")
        try:
            return Answered({self.name: self.clean(event.text or "")})
        except validation.Invalid as invalid:
            return Refused(invalid.key)


def _shortened(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class NameStep(TextStep):
    name, prompt = "name", "name.prompt"
    title = "Full name"
    writes = ("name",)
    changeable_in = ("book", "reschedule")

    def clean(self, text: str) -> str:
        return validation.full_name(text)


class EmailStep(TextStep):
    name, prompt = "email", "email.prompt"
    title = "E-mail"
    writes = ("email",)
    changeable_in = ("book", "reschedule")

    def clean(self, text: str) -> str:
        return validation.email(text)


class PhoneStep(TextStep):
    name, prompt = "phone", "phone.prompt"
    title = "Mobile"
    writes = ("phone",)
    changeable_in = ("book", "reschedule")

    def clean(self, text: str) -> str:
        return validation.mobile(text)


class SubjectStep(TextStep):
    name, prompt = "subject", "subject.prompt"
    title = "Subject"
    writes = ("subject",)
    changeable_in = ("book", "reschedule")

    def clean(self, text: str) -> str:
        return validation.subject(text)


class ApplicationNumberStep(TextStep):
    name, prompt, skip_label = "appno", "appno.prompt", "appno.skip"
    title = "Application number · I don't have one"
    writes = ("appno",)
    changeable_in = ("book", "reschedule")

    def clean(self, text: str) -> str:
        return validation.application_number(text)


def is_video_call(turn: Turn) -> bool:
    return turn.answers.get("mode") == Mode.VIDEO_CALL.value


class ThirdPersonStep(Step):
    name = "third"
    title = "Third person? yes / no"
    when = ("video call",)
    reads = ("mode",)
    writes = ("third",)
    changeable_in = ("book", "reschedule")

    def applies(self, turn: Turn) -> bool:
        return is_video_call(turn)

    async def screen(self, turn: Turn) -> Screen:
        rows = [yes_no_row(turn, self.name)]
        return screen(turn, self, turn.texts("third.prompt"), rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        wanted = yes_or_no(event, chosen, self.name)
        if wanted is None:
            return Refused("choose_yes_no")
        return Answered({self.name: wanted})


class ThirdNameStep(TextStep):
    name, prompt, skip_label = "third_name", "third_name.prompt", "skip"
    title = "Their name · skip"
    when = ("video call", "a third person")
    reads = ("third",)
    writes = ("third_name",)

    def applies(self, turn: Turn) -> bool:
        return is_video_call(turn) and bool(turn.answers.get("third"))

    def clean(self, text: str) -> str:
        return validation.full_name(text)


class ThirdEmailStep(ThirdNameStep):
    name, prompt = "third_email", "third_email.prompt"
    title = "Their e-mail · skip"
    writes = ("third_email",)

    def clean(self, text: str) -> str:
        return validation.email(text)


class DocumentsStep(Step):
    """Only ΝΑΙ lets a video-call booking go on: staff need the documents beforehand."""

    name = "docs"
    title = "Documents acknowledgement: only ΝΑΙ goes on"
    when = ("video call",)
    reads = ("mode",)
    writes = ("docs",)

    def applies(self, turn: Turn) -> bool:
        return is_video_call(turn)

    async def screen(self, turn: Turn) -> Screen:
        rows = [yes_no_row(turn, self.name, "docs.yes", "docs.no")]
        return screen(turn, self, turn.texts("docs.prompt"), rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        agreed = yes_or_no(event, chosen, self.name)
        if agreed is None:
            return Refused("choose_yes_no")
        if not agreed:
            return Refused("docs.why")
        return Answered({self.name: True})


class ConsentStep(Step):
    """The declaration of the booking's mode; its version (language and the texts' hash) is
    the answer, and the texts are kept with the booking."""

    name = "consent"
    title = "Declaration and privacy: I agree"
    reads = ("mode",)
    writes = ("consent",)

    async def screen(self, turn: Turn) -> Screen:
        rows = [
            (Choice(choice_id(self.name, "accept"), turn.texts("consent.accept")),),
            (Choice(choice_id(self.name, "privacy"), turn.texts("consent.privacy")),),
        ]
        mode = Mode(turn.answers["mode"])
        text = declaration(mode).in_language(turn.state.language)
        return screen(turn, self, text + privacy_link(turn.texts, turn.privacy_url), rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        value = chosen_value(chosen, self.name)
        if value == "privacy":
            turn.notes.append(privacy_notice(turn.texts, turn.municipality))
            return Stay()
        if value != "accept" and simplified(event.text or "") not in YES:
            return Refused("consent.required")
        mode = Mode(turn.answers["mode"])
        return Answered({self.name: declaration(mode).version(turn.state.language)})

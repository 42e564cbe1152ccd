"""The order of the booking steps, and how a booking or a reschedule starts.

The next step is always the first step of the flow that applies and is not answered yet: going
back keeps answers, changing one clears only what depended on it, and "change something" on
the summary returns to the summary once the changed answer is given again.
"""

from __future__ import annotations

from dialogs.answers import AnswerModel
from dialogs.booking_steps import (
    ApplicationNumberStep,
    ConsentStep,
    DayStep,
    DocumentsStep,
    EmailStep,
    ModeStep,
    MunicipalityStep,
    NameStep,
    PhoneStep,
    SavedContactStep,
    ServiceStep,
    StaffStep,
    SubjectStep,
    ThirdEmailStep,
    ThirdNameStep,
    ThirdPersonStep,
    TimeStep,
)
from dialogs.parsing import choice_from_text
from dialogs.screens import Choice
from dialogs.summary_steps import SummaryStep
from dialogs.turn import (
    REQUEST_KEY,
    Step,
    Turn,
    choice_id,
    new_request_key,
    synonyms,
    value_of,
)
from domain.model import Booking, Mode

BOOKING_FLOW: tuple[Step, ...] = (
    MunicipalityStep(),
    ModeStep(),
    ServiceStep(),
    DayStep(),
    TimeStep(),
    StaffStep(),
    SavedContactStep(),
    NameStep(),
    EmailStep(),
    PhoneStep(),
    SubjectStep(),
    ApplicationNumberStep(),
    ThirdPersonStep(),
    ThirdNameStep(),
    ThirdEmailStep(),
    DocumentsStep(),
    ConsentStep(),
    SummaryStep(),
)

ANSWER_MODEL = AnswerModel.of(BOOKING_FLOW)
"""What clears what, what the summary can change and what a reschedule keeps, derived from
the steps' declarations (dialogs/answers.py)."""


def advance(turn: Turn, after: str | None = None) -> None:
    """Moves to the first step of the flow that still needs an answer; with `after` (the
    citizen went back and answered that step again), to the step that follows it, answered or
    not, so that they see each screen again on the way forward."""
    passed = False
    for step in BOOKING_FLOW:
        if not step.applies(turn):
            continue
        unanswered = not step.answered(turn)
        if unanswered or passed:
            turn.state.go_to(step.name)
            if unanswered:
                turn.state.revisiting = False
            return
        passed = step.name == after


def reachable(turn: Turn, step_name: str) -> bool:
    """Whether a step of the flow can be shown: every step before it that applies is answered.
    A step the citizen passed may no longer be (the time they chose was taken meanwhile)."""
    for step in BOOKING_FLOW:
        if step.name == step_name:
            return True
        if step.applies(turn) and not step.answered(turn):
            return False
    return True


def take_answers(turn: Turn, values: dict[str, object]) -> None:
    for key, value in values.items():
        if key in turn.answers and turn.answers[key] != value:
            turn.answer_model.forget(turn.answers, key)
        turn.answers[key] = value


async def start_booking(
    turn: Turn, like: tuple[str, str] | None = None, sentence: str | None = None
) -> None:
    """`like`: (service id, mode) of an appointment the office called off, so that the
    citizen lands on the days with free times for the same service. `sentence`: what the
    citizen typed to start («ραντεβού με τηλεδιάσκεψη για αυθαίρετα»), which may name the mode
    and the service."""
    turn.state.end_flow()
    turn.state.flow = "book"
    turn.answers[REQUEST_KEY] = new_request_key()
    if len(turn.configuration.municipalities) == 1:
        turn.answers["municipality"] = turn.configuration.municipalities[0].id
    if like is not None and len(turn.configuration.municipalities) == 1:
        service_id, mode = like
        service = turn.configuration.municipalities[0].service(service_id)
        if service is not None and mode in {m.value for m in service.modes}:
            turn.answers.update({"mode": mode, "service": service_id})
    async with turn.storage.reading() as uow:
        citizen = await uow.citizens.get(turn.event.identity)
    turn.answers["has_saved_contact"] = bool(citizen and citizen.contact)
    named = await named_in(turn, sentence) if sentence else {}
    if named:
        turn.answers.update(named)
        _say_understood(turn, named)
    advance(turn)
    skipped = [name for name in ("mode", "service") if name in turn.answers]
    if skipped:  # Back from the next screen goes to the service, then the mode
        turn.state.history = [*turn.state.history, *skipped]


async def named_in(turn: Turn, sentence: str) -> dict[str, str]:
    """The mode and the service a sentence names by words only one of their labels has
    («ραντεβού με τηλεδιάσκεψη για αυθαίρετα»); the service only once it is known to be
    offered in the mode. Empty with several municipalities, whose services differ."""
    if len(turn.configuration.municipalities) != 1:
        return {}
    mode_step, texts, named = ModeStep(), turn.texts, {}
    modes = (await mode_step.screen(turn)).choices()
    found = choice_from_text(sentence, modes, by_number=False, synonyms=synonyms(texts, modes))
    mode = value_of(found, mode_step.name)
    if mode is not None:
        named[mode_step.name] = mode
    offered = {Mode(c.id.split(":", 1)[1]) for c in modes if c.id and not c.id.startswith("nav:")}
    language = turn.state.language
    services = [
        Choice(choice_id("service", s.id), s.name.in_language(language))
        for s in turn.configuration.municipalities[0].services
        if (Mode(mode) in s.modes if mode else offered <= s.modes)
    ]
    service = value_of(choice_from_text(sentence, services, by_number=False), "service")
    if service is not None:
        named["service"] = service
    return named


def _say_understood(turn: Turn, named: dict[str, str]) -> None:
    """«Κατάλαβα: Ραντεβού με τηλεδιάσκεψη · Υπηρεσία Δόμησης – Αυθαίρετα.»"""
    parts = [turn.texts(f"mode.{named['mode']}")] if "mode" in named else []
    service = turn.municipality.service(named.get("service", ""))
    if service is not None:
        parts.append(service.name.in_language(turn.state.language))
    turn.say("book.understood", named=" · ".join(parts))


def start_reschedule(turn: Turn, booking: Booking) -> None:
    """The booking's answers, without its day and time: the citizen picks new ones, and may
    change any detail from the summary."""
    turn.state.end_flow()
    turn.state.flow = "reschedule"
    turn.answers[REQUEST_KEY] = new_request_key()
    turn.state.reference = booking.reference
    turn.answers.update(turn.answer_model.reschedule_answers(booking))
    advance(turn)

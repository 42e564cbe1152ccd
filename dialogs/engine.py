"""The dialog: an event in, the screens to show out, the conversation saved in between.

Every event is handled on the citizen's saved state and the new state is saved after it; a
failure anywhere leaves the saved state as it was and tells the citizen, without details.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import astuple, replace
from datetime import UTC, datetime

from dialogs import parsing
from dialogs.answers import FlowDeclarationError
from dialogs.ask_back import ASK_BACK, AskBackStep, ask, reply
from dialogs.conversation import ATHENS, Conversation
from dialogs.flow import (
    ANSWER_MODEL,
    BOOKING_FLOW,
    advance,
    reachable,
    start_booking,
    take_answers,
)
from dialogs.manage_link import manage_token, open_from_link
from dialogs.menu_steps import (
    BookingStep,
    CancelStep,
    LanguageStep,
    MenuStep,
    MineStep,
    TimeZoneStep,
)
from dialogs.one_at_a_time import PerCitizen, TurnLock
from dialogs.ports import ConversationStore, JoinLinks, ManageLinks, Preferences
from dialogs.privacy_steps import ForgetStep, PrivacyStep, show_kept_data
from dialogs.screens import REBOOK, Choice, Event, Screen
from dialogs.summary_steps import ChangeStep
from dialogs.turn import Answered, Ask, GoTo, Refused, Step, Turn, synonyms
from domain.model import Configuration
from domain.ports import Storage
from locales.texts import Texts

log = logging.getLogger(__name__)

STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        *BOOKING_FLOW,
        ChangeStep(),
        MenuStep(),
        LanguageStep(),
        TimeZoneStep(),
        MineStep(),
        BookingStep(),
        CancelStep(),
        PrivacyStep(),
        ForgetStep(),
        AskBackStep(),
    )
}
MAX_TEXT = 2000
REFUSALS_BEFORE_A_PERSON = 3
DEFAULT_PREFERENCES = Preferences("el", ATHENS)
"""What a citizen without a record reads in: the citizens table's defaults."""

COMMANDS = {
    "/book": "book",
    "/mybookings": "mine",
    "/language": "language",
    "/timezone": "timezone",
    "/privacy": "privacy",
    "/mydata": "mydata",
    "/forgetme": "forgetme",
}


def _nav(event: Event) -> str | None:
    """Back, cancel, help and menu work at every step, pressed or typed."""
    if event.choice and event.choice.startswith("nav:"):
        return event.choice.removeprefix("nav:")
    words = parsing.simplified(event.text or "")
    if words.startswith("/"):  # "/start m_token", "/book@rantevou_bot"
        words = words.split()[0].split("@")[0]
    for action, vocabulary in (
        ("back", parsing.BACK),
        ("cancel", parsing.CANCEL),
        ("help", parsing.HELP),
        ("menu", parsing.MENU),
    ):
        if words in vocabulary:
            return action
    return COMMANDS.get(words)


class Dialog:
    def __init__(
        self,
        configuration: Configuration,
        storage: Storage,
        conversations: ConversationStore,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        manage_links: ManageLinks | None = None,
        one_at_a_time: TurnLock | None = None,
        privacy_url: str | None = None,
        meeting_links: bool = True,
        join_links: JoinLinks | None = None,
        on_failure: Callable[[], None] = lambda: None,
    ) -> None:
        """`one_at_a_time`: a lock shared by the instances (integrations.turns); by default this
        process's. `privacy_url`: the privacy notice's page, linked from the consent.
        `on_failure`: told of each turn that failed (the metrics count them)."""
        self._on_failure = on_failure
        self._privacy_url = privacy_url
        self._meeting_links = meeting_links
        self._join_links = join_links
        self._manage_links = manage_links
        self._configuration = configuration
        self._storage = storage
        self._conversations = conversations
        self._clock = clock
        self._one_at_a_time: TurnLock = one_at_a_time or PerCitizen()

    async def handle(self, event: Event) -> list[Screen]:
        if event.text is not None:
            event = replace(event, text=parsing.showable(event.text))
        async with self._one_at_a_time.turn(event.identity):
            language = "el"
            for _ in range(2):  # another instance may save first; then answer on its state
                found = await self._conversations.load(event.identity)
                stored, home = found.conversation, found.preferences
                loaded = Conversation.from_json(stored.data) if stored else None
                state = loaded or Conversation.new(event.language_hint)
                if home is not None:  # the citizen's record is where these live
                    state.language, state.time_zone = home.language, home.time_zone
                language = state.language
                turn = Turn(
                    event, state, self._configuration, self._storage, self._clock(), ANSWER_MODEL
                )
                turn.privacy_url = self._privacy_url
                turn.meeting_links, turn.join_links = self._meeting_links, self._join_links
                if stored is None:
                    turn.greet()
                screens = await self._respond(turn)
                if turn.forgotten:  # saving now would keep what was just erased
                    return screens
                await self._keep_preferences(event, state, home)
                version = stored.version if stored else None
                if await self._conversations.save(event.identity, state.to_json(), version):
                    return screens
            return [Screen(Texts(language)("error.busy"))]

    async def _keep_preferences(
        self, event: Event, state: Conversation, home: Preferences | None
    ) -> None:
        """Writes the language and time zone to the citizen's record when they chose them now,
        or when the channel told us a language other than the default on their first visit."""
        current = Preferences(state.language, state.time_zone)
        if current == (home or DEFAULT_PREFERENCES):
            return
        async with self._storage.writing() as uow:
            await uow.citizens.save_preferences(event.identity, *astuple(current))
            await uow.commit()

    async def _respond(self, turn: Turn) -> list[Screen]:
        before = turn.state.to_json()
        preferences = turn.state.language, turn.state.time_zone
        try:
            await self._act(turn)
            if turn.state.step != ASK_BACK:  # answered, or left by Back, Cancel, the menu
                turn.state.asking = None
            return [await self._current_screen(turn)]
        except Exception:
            log.exception("the dialog failed at step %s", turn.state.step)
            self._on_failure()
            restored = Conversation.from_json(before) or Conversation.new(None)
            restored.language, restored.time_zone = preferences
            turn.state.__dict__.update(restored.__dict__)
            turn.notes = [turn.texts("error.general")]
            try:
                return [await self._current_screen(turn)]
            except Exception:
                log.exception("the dialog could not show step %s", turn.state.step)
                return [Screen(turn.texts("error.general"))]

    async def _current_screen(self, turn: Turn) -> Screen:
        step = STEPS.get(turn.state.step) or STEPS["menu"]
        screen = await step.screen(turn)
        text = "\n\n".join([*turn.notes, screen.text])
        return replace(screen, text=text, toast=turn.toast, attachment=turn.attachment)

    async def _act(self, turn: Turn) -> None:
        event, state = turn.event, turn.state
        if state.step not in STEPS:
            state.step = "menu"
        if event.unreadable:
            turn.say("input.unreadable")
            return
        if event.text is None and event.choice is None:  # back in the chat: show where they are
            return
        if event.text and len(event.text) > MAX_TEXT:
            turn.say("input.too_long")
            return
        token = manage_token(event.text)
        if token is not None and self._manage_links is not None:
            await open_from_link(turn, token, self._manage_links)
            return
        step = STEPS[state.step]
        action = _nav(event)
        if action and event.text and action in step.typed_nav:
            event = replace(event, text=None, choice=f"{step.name}:{step.typed_nav[action]}")
            turn.event = event
            action = None
        if action:
            await self._navigate(turn, action)
            return
        if state.step == ASK_BACK:
            await self._answer_asked(turn)
        else:
            await self._take(turn, step)

    async def _take(self, turn: Turn, step: Step) -> None:
        """The event as an answer to `step`: taken, refused (with a reason), or asked back."""
        event, state = turn.event, turn.state
        chosen = await self._chosen(turn, step)
        if event.choice and chosen is None:
            turn.say("stale_button")
            turn.toast = turn.texts("stale_button_short")
            return
        if chosen and chosen.id and chosen.id.startswith("nav:"):  # "4" typed for « Back
            await self._navigate(turn, chosen.id.removeprefix("nav:"))
            return
        outcome = await step.take(turn, event, chosen)
        if isinstance(outcome, Refused) and event.text and not step.free_text:
            outcome = await self._misspelt(turn, step) or outcome
        state.refusals = state.refusals + 1 if isinstance(outcome, Refused) else 0
        if isinstance(outcome, Refused):
            turn.say(outcome.key, **outcome.params)
            if state.refusals >= REFUSALS_BEFORE_A_PERSON:
                turn.say("fallback.call")
                state.refusals = 0
        elif isinstance(outcome, Answered):
            undeclared = set(outcome.values) - set(step.writes)
            if undeclared:  # a programming error: the derived model would not know them
                raise FlowDeclarationError(f"{step.name} wrote {sorted(undeclared)} undeclared")
            take_answers(turn, outcome.values)
            if state.flow:  # after Back, forward one screen at a time, answers kept
                advance(turn, after=step.name if state.revisiting else None)
        elif isinstance(outcome, GoTo):
            state.go_to(outcome.step)
            if state.flow and outcome.step in {s.name for s in BOOKING_FLOW}:
                advance(turn)
        elif isinstance(outcome, Ask):
            ask(turn, step.name, outcome)

    async def _misspelt(self, turn: Turn, step: Step) -> Ask | None:
        """A refused answer that is one choice misspelt («αυθερετα»): asked back."""
        choices = (await step.screen(turn)).choices()
        near = parsing.closest_choice(turn.event.text or "", choices, synonyms(turn.texts, choices))
        if near is None or near.id is None:
            return None
        return Ask("ask.meant", {"answer": near.label}, (near.id,))

    async def _answer_asked(self, turn: Turn) -> None:
        """A yes makes the asked presses at the step that asked, one after the other while
        each moves on; a no shows that step again; anything else is an answer to it."""
        state = turn.state
        asking = state.asking or {}
        answer = reply(turn)
        state.back()
        state.step = asking.get("step", state.step)
        if state.step not in STEPS or state.step == ASK_BACK:
            state.step = "menu"
        if answer is None:
            await self._take(turn, STEPS[state.step])
            return
        if not answer:
            turn.say("ask.then")
            return
        for press in asking.get("presses", ()):
            if press.split(":", 1)[0] != state.step:
                break
            turn.event = replace(turn.event, text=None, choice=press)
            await self._take(turn, STEPS[state.step])

    async def _chosen(self, turn: Turn, step: Step) -> Choice | None:
        """A pressed button of this step is taken as it is (the step checks its value), so a
        press costs no second look at availability; typed text is matched against the
        choices on screen, by number or label."""
        if turn.event.choice:
            belongs = turn.event.choice.split(":", 1)[0] == step.name
            return Choice(turn.event.choice, "") if belongs else None
        if turn.event.text:
            screen = await step.screen(turn)
            return parsing.choice_from_text(
                turn.event.text,
                screen.choices(),
                by_number=step.numbered,
                by_words=not step.free_text,
                synonyms=synonyms(turn.texts, screen.choices()),
            )
        return None

    async def _navigate(self, turn: Turn, action: str) -> None:
        state = turn.state
        if action == "back":
            leaving = state.step
            while state.back() is not None:
                same_or_unknown = state.step == leaving or state.step not in STEPS
                if not same_or_unknown and reachable(turn, state.step):
                    state.revisiting = bool(state.flow)
                    return
            state.end_flow()
        elif action == "cancel":
            if state.flow:
                turn.say("cancelled")
            state.end_flow()
            state.reference = None
        elif action == "help":
            turn.say("help.text")
        elif action == "menu":
            state.end_flow()
            state.reference = None
            turn.greet()
        elif action == "book":
            await start_booking(turn)
        elif action == "mydata":
            state.end_flow()
            state.go_to("privacy")
            await show_kept_data(turn)
        elif action.startswith(REBOOK):  # the button of an office cancellation's message
            service_id, _, mode = action.removeprefix(REBOOK).partition(":")
            await start_booking(turn, like=(service_id, mode))
        else:
            state.end_flow()
            state.go_to(action)

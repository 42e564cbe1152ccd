"""The citizen's personal data from the chat: the privacy notice, what is kept (a message and
a JSON file), and erasing it after an "are you sure"."""

from __future__ import annotations

from dialogs.booking_steps import yes_no_row, yes_or_no
from dialogs.privacy import kept_file, kept_summary, privacy_link, privacy_notice
from dialogs.screens import Attachment, Choice, Event, Screen
from dialogs.turn import GoTo, Outcome, Refused, Stay, Step, Turn, choice_id, screen
from dialogs.turn import value_of as chosen_value
from domain.personal_data import forget_citizen, kept_about
from domain.use_cases import upcoming_bookings


def notice_with_link(turn: Turn) -> str:
    text = privacy_notice(turn.texts, turn.municipality)
    return text + privacy_link(turn.texts, turn.privacy_url)


async def show_kept_data(turn: Turn) -> None:
    """The summary as a note before the screen; everything as a file after it."""
    kept = await kept_about(turn.event.identity, turn.storage)
    if kept.citizen is None:
        days = turn.municipality.privacy.keep_idle_conversations_days
        turn.say("mydata.nothing", days=days)
    else:
        turn.notes.append(kept_summary(turn.texts, kept, turn.now, turn.municipality))
        turn.brief = True
        name = f"rantevou-{turn.now:%Y-%m-%d}.json"
        turn.attachment = Attachment(name, kept_file(kept, turn.municipality, turn.now))


class PrivacyStep(Step):
    name = "privacy"
    title = "Privacy: what is kept, my data, erase"
    exits = (("Erase my data", "forgetme"),)
    nav = ("back", "menu", "help")
    actions = ("mydata", "forgetme")

    async def screen(self, turn: Turn) -> Screen:
        rows = [
            (Choice(choice_id(self.name, a), turn.texts(f"privacy.{a}")),) for a in self.actions
        ]
        prompt = turn.texts("privacy.prompt")
        text = prompt if turn.brief else f"{notice_with_link(turn)}\n\n{prompt}"
        return screen(turn, self, text, rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        value = chosen_value(chosen, self.name)
        if value == "mydata":
            await show_kept_data(turn)
            return Stay()
        if value == "forgetme":
            return GoTo("forgetme")
        return Refused("choose_from_list")


class ForgetStep(Step):
    name = "forgetme"
    title = "Erase everything? yes / no"
    exits = (("no", "privacy"), ("yes: erased", "menu"))
    nav = ("back", "help")

    async def screen(self, turn: Turn) -> Screen:
        upcoming = await upcoming_bookings(turn.event.identity, turn.storage, turn.now)
        rows = [yes_no_row(turn, self.name, "forgetme.yes", "forgetme.no")]
        return screen(turn, self, turn.texts("forgetme.confirm", count=len(upcoming)), rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        sure = yes_or_no(event, chosen, self.name)
        if sure is None:
            return Refused("choose_yes_no")
        if not sure:
            turn.say("forgetme.kept")
            return GoTo("privacy")
        forgotten = await forget_citizen(turn.event.identity, turn.storage, turn.now)
        texts = turn.texts
        lines = []
        if forgotten.cancelled:
            references = ", ".join(b.reference for b in forgotten.cancelled)
            lines.append(texts("forgetme.cancelled", references=references))
        if forgotten.erased:
            lines.append(texts("forgetme.erased", count=forgotten.erased))
        if forgotten.had_saved_details:
            lines.append(texts("forgetme.details"))
        lines.append(texts("forgetme.rest"))
        turn.notes.append("\n".join([texts("forgetme.done"), *lines]))
        turn.forgotten = True
        turn.state.end_flow()
        turn.state.reference = None
        return GoTo("menu")

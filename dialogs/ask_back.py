"""The short question that asks back an answer the dialog is not sure of («Εννοείτε 10:00;»).

The step that was not sure returns `Ask`; the engine keeps the question and the presses a yes
makes in the conversation and shows this screen. A yes makes the presses at the step that
asked, a no shows that step again, anything else typed is an answer to that step.
"""

from __future__ import annotations

from dialogs.parsing import NO, YES, simplified
from dialogs.screens import Choice, Event, Screen
from dialogs.turn import Ask, Outcome, Stay, Step, Turn, choice_id, screen

ASK_BACK = "ask"


class AskBackStep(Step):
    name = ASK_BACK
    nav = ("back", "help")

    async def screen(self, turn: Turn) -> Screen:
        asking = turn.state.asking or {}
        question = turn.texts(asking.get("key", "ask.unknown"), **asking.get("params", {}))
        row = (
            Choice(choice_id(self.name, "yes"), turn.texts("ask.yes")),
            Choice(choice_id(self.name, "no"), turn.texts("ask.no")),
        )
        return screen(turn, self, question, [row])

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        """Not used: the engine answers this screen (`reply`), since a yes acts at the step
        that asked."""
        return Stay()


def ask(turn: Turn, asker: str, question: Ask) -> None:
    turn.state.asking = {
        "step": asker,
        "key": question.key,
        "params": question.params,
        "presses": list(question.presses),
    }
    turn.state.go_to(ASK_BACK)


def reply(turn: Turn) -> bool | None:
    """True for a yes (pressed or typed), False for a no, None for anything else."""
    event = turn.event
    if event.choice is not None:
        return {choice_id(ASK_BACK, "yes"): True, choice_id(ASK_BACK, "no"): False}.get(
            event.choice
        )
    typed = simplified(event.text or "")
    if typed in YES or typed in {simplified(turn.texts("ask.yes"))}:
        return True
    if typed in NO or typed in {simplified(turn.texts("ask.no"))}:
        return False
    return None

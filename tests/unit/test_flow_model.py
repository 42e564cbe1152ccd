"""The conversation's structure is data the steps declare: what depends on what, what the
summary can change and what a reschedule keeps are derived from it, and dialogs/booking.mmd is
drawn from it. These tests keep the declarations honest against the code."""

from __future__ import annotations

import ast
import inspect
import textwrap
from dataclasses import dataclass
from typing import Any

import pytest

from dialogs.answers import ANSWER_KEYS, AnswerModel, FlowDeclarationError
from dialogs.diagram import DIAGRAM, diagram
from dialogs.engine import STEPS
from dialogs.flow import ANSWER_MODEL, BOOKING_FLOW
from dialogs.turn import FLOW_START, Step


def test_the_diagram_is_the_one_the_steps_draw():
    assert DIAGRAM.read_text(encoding="utf-8") == diagram(), (
        "dialogs/booking.mmd is stale: run python -m dialogs.diagram"
    )


def _go_to_targets(step: Step) -> set[str]:
    """The step names of every GoTo("…") literal in the step's class and its bases."""
    targets = set()
    for cls in type(step).__mro__:
        if cls in (Step, object) or not cls.__module__.startswith("dialogs"):
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "GoTo"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                targets.add(str(node.args[0].value))
    return targets


@pytest.mark.parametrize("name", sorted(STEPS))
def test_every_jump_a_step_makes_is_in_the_diagram(name: str):
    step = STEPS[name]
    declared = {target for _, target in step.exits}
    assert _go_to_targets(step) <= declared, f"{name}: declare the jump in `exits`"
    assert declared <= {*STEPS, FLOW_START}, f"{name}: an exit to no step"


@pytest.mark.parametrize("step", BOOKING_FLOW, ids=lambda s: s.name)
def test_a_step_that_does_not_always_apply_says_when(step: Step):
    conditional = type(step).applies is not Step.applies
    assert conditional == bool(step.when), f"{step.name}: `when` and `applies` disagree"
    assert set(step.reads) <= ANSWER_KEYS
    assert set(step.writes) <= ANSWER_KEYS


def test_what_a_changed_answer_clears_follows_from_what_the_steps_read():
    clears = ANSWER_MODEL.dependents
    assert clears["service"] == ("day", "time", "staff")
    assert clears["day"] == ("time", "staff")
    assert clears["mode"] == (
        "service",
        "day",
        "time",
        "staff",
        "third",
        "third_name",
        "third_email",
        "docs",
        "consent",
    )
    assert clears["contact"] == ("name", "email", "phone")
    assert clears["name"] == ()  # a new name keeps the e-mail and the phone
    assert clears["subject"] == ()


def test_the_summary_offers_in_the_flows_order_and_a_reschedule_keeps_the_service():
    assert ANSWER_MODEL.changeable["book"] == (
        "mode",
        "service",
        "day",
        "staff",
        "name",
        "email",
        "phone",
        "subject",
        "appno",
        "third",
    )
    assert "mode" not in ANSWER_MODEL.changeable["reschedule"]
    assert "service" not in ANSWER_MODEL.changeable["reschedule"]
    assert not {"day", "time", "staff"} & set(ANSWER_MODEL.kept_on_reschedule)


@dataclass(frozen=True)
class Declared:
    name: str
    writes: tuple[str, ...]
    reads: tuple[str, ...] = ()
    changeable_in: tuple[str, ...] = ()

    def applies(self, turn: Any) -> bool:
        return True


def test_a_declaration_that_does_not_add_up_is_refused_at_import():
    with pytest.raises(FlowDeclarationError, match="'colour' is not an answer"):
        AnswerModel.of([Declared("colour", ("colour",))])
    steps = [Declared(s.name, s.writes, s.reads, s.changeable_in) for s in BOOKING_FLOW]
    AnswerModel.of(steps)  # the real declarations add up
    # A new answer a reschedule would keep, with no word on how the booking fills it:
    with pytest.raises(FlowDeclarationError, match="FROM_BOOKING"):
        AnswerModel.of([*steps, Declared("request_key", ("request_key",))])

"""The dialog in a terminal: each screen's text and its choices numbered, one per line; a
number, a label or free text back. Anyone can try the bot this way, without a token."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from pathlib import Path
from typing import TextIO

from dialogs.engine import Dialog
from dialogs.screens import Attachment, Event, Screen
from domain.model import ChannelIdentity

PROMPT = "> "


def render(screen: Screen) -> str:
    lines = [screen.text]
    for number, choice in enumerate(screen.choices(), start=1):
        mark = f"{number}." if screen.numbered else "•"
        lines.append(f"  {mark} {choice.description or choice.label}")
    return "\n".join(lines)


def save(attachment: Attachment) -> str:
    """The terminal has no files to send: the attachment goes into the current directory."""
    path = Path(attachment.file_name).resolve()
    path.write_bytes(attachment.content)
    return str(path)


def language_of_terminal() -> str | None:
    """ "el_GR.UTF-8" → "el"; a C or POSIX locale says nothing about the person."""
    value = os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    code = value.split(".")[0].split("_")[0].lower()
    return code if len(code) == 2 and code.isalpha() else None


async def run_console(
    dialog: Dialog, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> None:
    identity = ChannelIdentity("console", os.environ.get("CONSOLE_USER") or getpass.getuser())
    hint = language_of_terminal()

    async def show(event: Event) -> None:
        for screen in await dialog.handle(event):
            stdout.write(render(screen) + "\n")
            if screen.attachment is not None:
                stdout.write(f"[{save(screen.attachment)}]\n")
        stdout.write(PROMPT)
        stdout.flush()

    await show(Event(identity, language_hint=hint))  # where they were; a newcomer is greeted
    while True:
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            stdout.write("\n")
            return
        text = line.rstrip("\n")
        if text.strip():
            await show(Event(identity, text=text, language_hint=hint))
        else:
            stdout.write(PROMPT)
            stdout.flush()

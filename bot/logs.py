"""Log lines that never carry what a citizen typed. A traceback shows where it failed (the
frames and the exception's type) but not the exception's message, which may quote the input
that caused it (a file path built from a typed time zone, a value that did not parse)."""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

FORMAT = "%(levelname)s %(name)s: %(message)s"


class WithoutExceptionMessages(logging.Formatter):
    def formatException(self, ei: ExcInfo | tuple[None, None, None]) -> str:
        _, error, _ = ei
        if error is None:
            return ""
        parts = []
        seen: set[int] = set()
        while error is not None and id(error) not in seen:
            seen.add(id(error))
            frames = "".join(traceback.format_tb(error.__traceback__))
            parts.append(f"Traceback (most recent call last):\n{frames}{type(error).__name__}")
            error = error.__cause__ or error.__context__
        return "\n\nwhile handling an earlier exception:\n".join(reversed(parts))


NEVER_BELOW_INFO = ("aiosqlite",)
"""Libraries whose DEBUG lines quote values: aiosqlite logs every statement with its
parameters (a citizen's name and e-mail). LOG_LEVEL=DEBUG leaves them at INFO."""


def configure(level: int = logging.WARNING) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(WithoutExceptionMessages(FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    for name in NEVER_BELOW_INFO:
        logging.getLogger(name).setLevel(logging.INFO)

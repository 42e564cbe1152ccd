"""Log lines that never carry what a citizen typed: as text for a terminal, or as one JSON object a
line (LOG_FORMAT=json) for a log collector. A traceback shows where it failed (the
frames and the exception's type) but not the exception's message, which may quote the input
that caused it (a file path built from a typed time zone, a value that did not parse)."""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

from pythonjsonlogger.json import JsonFormatter

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

FORMAT = "%(levelname)s %(name)s: %(message)s"
JSON_FIELDS = ("asctime", "levelname", "name", "message")
JSON_NAMES = {"asctime": "time", "levelname": "level", "name": "logger"}


def traceback_without_messages(ei: ExcInfo | tuple[None, None, None]) -> str:
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


class WithoutExceptionMessages(logging.Formatter):
    def formatException(self, ei: ExcInfo | tuple[None, None, None]) -> str:
        return traceback_without_messages(ei)


class JsonWithoutExceptionMessages(JsonFormatter):
    """{"time": …, "level": …, "logger": …, "message": …, "exc_info": …}: the traceback, when
    there is one, without the exception's message, as in the text lines."""

    def formatException(self, ei: ExcInfo | tuple[None, None, None]) -> str:
        return traceback_without_messages(ei)


NEVER_BELOW_INFO = ("aiosqlite",)
"""Libraries whose DEBUG lines quote values: aiosqlite logs every statement with its
parameters (a citizen's name and e-mail). LOG_LEVEL=DEBUG leaves them at INFO."""


def configure(level: int | str = logging.WARNING, log_format: str = "text") -> None:
    """On standard error. Called again once the settings are read, it replaces the handler."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(
            JsonWithoutExceptionMessages(
                list(JSON_FIELDS), rename_fields=JSON_NAMES, json_ensure_ascii=False
            )
        )
    else:
        handler.setFormatter(WithoutExceptionMessages(FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for name in NEVER_BELOW_INFO:
        logging.getLogger(name).setLevel(logging.INFO)

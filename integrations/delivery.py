"""How a delivery to the outside failed, raised by the clients (SMTP, Graph, Viber, Telegram)
and read by the outbox worker: one neutral module, so that no client depends on the worker."""

from __future__ import annotations

from datetime import timedelta


class DeliveryFailed(Exception):
    """Worth trying again later. The message must not carry personal data: it is logged and
    stored."""


class RetryLater(DeliveryFailed):
    """The receiver asked us to come back after a while (HTTP 429 with Retry-After): not a
    failed attempt, and not sooner."""

    def __init__(self, message: str, delay: timedelta) -> None:
        super().__init__(message)
        self.delay = delay


class Undeliverable(Exception):
    """Trying again cannot help (an address the mail server refuses): parked at once."""

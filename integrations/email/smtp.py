"""Sending through the municipality's SMTP server, with STARTTLS and AUTH when configured.

Errors become the outbox's: a refused recipient or message cannot be helped by trying again;
anything else can (server down, timeouts, 4xx, and a refused login, which someone will mend).
Messages name the SMTP code, never an address.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from integrations.delivery import DeliveryFailed, Undeliverable
from integrations.metrics import outside_failure

_IMPLICIT_TLS_PORT = 465


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    username: str = ""
    password: str = ""
    starttls: bool = True
    mail_from: str = ""
    timeout_s: float = 30.0
    tls_context: ssl.SSLContext | None = None
    """None: the system's trusted authorities (SSL_CERT_FILE adds one)."""


class SmtpSender:
    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings

    async def send(self, message: EmailMessage) -> None:
        try:
            await self._send(message)
        except DeliveryFailed:
            outside_failure("smtp", retried=True)
            raise
        except Undeliverable:
            outside_failure("smtp", retried=False)
            raise

    async def _send(self, message: EmailMessage) -> None:
        settings = self._settings
        implicit_tls = settings.port == _IMPLICIT_TLS_PORT
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.host,
                port=settings.port,
                username=settings.username or None,
                password=settings.password or None,
                use_tls=implicit_tls,
                start_tls=settings.starttls and not implicit_tls,
                tls_context=settings.tls_context,
                timeout=settings.timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise Undeliverable(f"recipient refused ({len(error.recipients)})") from None
        except aiosmtplib.SMTPDataError as error:
            if error.code >= 500:  # the server will never take this message
                raise Undeliverable(f"message refused: SMTP {error.code}") from None
            raise DeliveryFailed(f"SMTP {error.code}") from None
        except aiosmtplib.SMTPResponseException as error:  # login, sender: settings to mend
            raise DeliveryFailed(f"SMTP {error.code} ({type(error).__name__})") from None
        except (aiosmtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(f"SMTP server unreachable ({type(error).__name__})") from None

"""A real SMTP server for the tests (aiosmtpd) that insists on STARTTLS and AUTH, with a
certificate from a test authority (trustme) that the client is told to trust."""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.e2e.telegram_citizen import free_port

USERNAME = "rantevou"
PASSWORD = "test-smtp-password"


@dataclass
class Mailbox:
    """What the server accepted, in order."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    """Recipients answered with 550."""
    stall_after: int | None = None
    """Once this many messages arrived, further sessions hang before their recipient is
    accepted (a server gone slow), until `resume` is set."""
    stalled: int = 0
    resume: threading.Event = field(default_factory=threading.Event)
    accepting: set[int] = field(default_factory=set)
    """Sessions whose recipient was accepted and whose message has not arrived yet."""

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, _: Any):
        if address in self.refuse:
            return "550 5.1.1 No such user"
        if self.stall_after is not None and len(self.messages) >= self.stall_after:
            self.stalled += 1
            await asyncio.to_thread(self.resume.wait, 60)
        envelope.rcpt_tos.append(address)
        self.accepting.add(id(envelope))
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.accepting.discard(id(envelope))
        return "250 Message accepted for delivery"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any):
    good = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USERNAME.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=good, handled=False)


class SmtpServer:
    def __init__(self) -> None:
        self.authority = trustme.CA()
        certificate = self.authority.issue_cert("127.0.0.1", "localhost")
        self._server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(self._server_context)
        self.mailbox = Mailbox()
        self.port = free_port()
        self._controller: Controller | None = None

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.authority.configure_trust(context)
        return context

    def write_authority(self, path: str) -> None:
        """For a process: SSL_CERT_FILE=path makes it trust the test authority."""
        self.authority.cert_pem.write_to_path(path)

    def start(self) -> None:
        """Listens on the same port each time: it can be stopped and started again."""
        self._controller = Controller(
            self.mailbox,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=self._server_context,
            require_starttls=True,
            authenticator=_authenticate,
            auth_required=True,
            auth_require_tls=True,
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

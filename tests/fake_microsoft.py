"""A local HTTPS stand-in for the Microsoft identity platform and Microsoft Graph, as far as
the bot uses them: OpenID discovery, the client-credentials token, and online meetings
(create, update, delete). Its certificate comes from a test authority (trustme)."""

from __future__ import annotations

import itertools
import ssl
from dataclasses import dataclass, field
from typing import Any

import requests
import trustme
from aiohttp import web

from tests.e2e.telegram_citizen import free_port

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "rantevou-app"
CLIENT_SECRET = "test-client-secret"
TOKEN = "test-graph-token"


@dataclass
class GraphCall:
    method: str
    path: str
    body: dict[str, Any] | None


@dataclass
class FakeMicrosoft:
    authority: trustme.CA = field(default_factory=trustme.CA)
    port: int = field(default_factory=free_port)
    calls: list[GraphCall] = field(default_factory=list)
    meetings: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: int = 0
    fail_next: int = 0
    """Answer the next this many Graph calls with 500."""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def graph_url(self) -> str:
        return f"{self.base_url}/v1.0"

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.authority.configure_trust(context)
        return context

    def requests_session(self, folder: str) -> requests.Session:
        """What msal sends its requests with, trusting the test authority."""
        path = f"{folder}/microsoft-test-authority.pem"
        self.authority.cert_pem.write_to_path(path)
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise replace `verify`
        session.verify = path
        return session

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(f"/{TENANT}/v2.0/.well-known/openid-configuration", self._discovery)
        app.router.add_post(f"/{TENANT}/oauth2/v2.0/token", self._token)
        app.router.add_post("/v1.0/users/{user}/onlineMeetings", self._create)
        app.router.add_patch("/v1.0/users/{user}/onlineMeetings/{id}", self._update)
        app.router.add_delete("/v1.0/users/{user}/onlineMeetings/{id}", self._delete)
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.authority.issue_cert("127.0.0.1").configure_cert(server_context)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, ssl_context=server_context).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _discovery(self, request: web.Request) -> web.Response:
        root = f"{self.base_url}/{TENANT}"
        return web.json_response(
            {
                "issuer": f"{root}/v2.0",
                "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                "token_endpoint": f"{root}/oauth2/v2.0/token",
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
        ):
            return web.json_response(
                {"error": "invalid_client", "error_description": "AADSTS7000215"}, status=401
            )
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN}
        )

    async def _graph(self, request: web.Request) -> tuple[Any, web.Response | None]:
        """The call's body, and the refusal to answer instead, if any."""
        body = await request.json() if request.can_read_body else None
        self.calls.append(GraphCall(request.method, request.path, body))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return body, _graph_error("InvalidAuthenticationToken", 401)
        if self.fail_next > 0:
            self.fail_next -= 1
            return body, _graph_error("InternalServerError", 500)
        return body, None

    async def _create(self, request: web.Request) -> web.Response:
        body, refused = await self._graph(request)
        if refused:
            return refused
        assert body is not None
        meeting_id = f"meeting-{next(self._ids)}"
        meeting = {
            **body,
            "id": meeting_id,
            "organizer": request.match_info["user"],
            "joinWebUrl": f"https://teams.microsoft.com/l/meetup-join/{meeting_id}",
        }
        self.meetings[meeting_id] = meeting
        return web.json_response(meeting, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        body, refused = await self._graph(request)
        if refused:
            return refused
        meeting = self.meetings.get(request.match_info["id"])
        if meeting is None:
            return _graph_error("NotFound", 404)
        meeting.update(body or {})
        return web.json_response(meeting)

    async def _delete(self, request: web.Request) -> web.Response:
        _, refused = await self._graph(request)
        if refused:
            return refused
        if self.meetings.pop(request.match_info["id"], None) is None:
            return _graph_error("NotFound", 404)
        return web.Response(status=204)


def _graph_error(code: str, status: int) -> web.Response:
    return web.json_response({"error": {"code": code}}, status=status)

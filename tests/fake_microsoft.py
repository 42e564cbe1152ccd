"""A local HTTPS stand-in for the Microsoft identity platform and Microsoft Graph, as far as
the bot uses them: OpenID discovery, the client-credentials token, calendar events (create,
with `transactionId` and an online meeting; update; cancel; delete), online meetings (found by
`JoinWebUrl` and patched; the older create, update and delete), and the failures operators meet:
500, 429 with Retry-After, and 403 for a mailbox the access policy leaves out. Its certificate
comes from a test authority (trustme)."""

from __future__ import annotations

import itertools
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Every event made, by id; a cancelled one stays, with "isCancelled": True."""
    token_requests: int = 0
    fail_next: int = 0
    """Answer the next this many Graph calls with 500."""
    fail_next_method: dict[str, int] = field(default_factory=dict)
    """Answer the next this many calls of one method ("GET", say) with 500."""
    throttle_next: int = 0
    """Answer the next this many Graph calls with 429 and `Retry-After: retry_after_s`."""
    retry_after_s: int = 120
    schedule_items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Per user, items of their calendar besides the events made through this server (whose
    getSchedule items come from the events themselves)."""
    denied_users: set[str] = field(default_factory=set)
    """Mailboxes the application access policy does not cover: 403."""
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
        app.router.add_post("/v1.0/users/{user}/events", self._create_event)
        app.router.add_patch("/v1.0/users/{user}/events/{id}", self._update_event)
        app.router.add_post("/v1.0/users/{user}/events/{id}/cancel", self._cancel_event)
        app.router.add_get("/v1.0/users/{user}/onlineMeetings", self._find_meeting)
        app.router.add_post("/v1.0/users/{user}/calendar/getSchedule", self._get_schedule)
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
        if self.fail_next_method.get(request.method, 0) > 0:
            self.fail_next_method[request.method] -= 1
            return body, _graph_error("ServiceUnavailable", 502)
        if self.throttle_next > 0:
            self.throttle_next -= 1
            refusal = _graph_error("TooManyRequests", 429)
            refusal.headers["Retry-After"] = str(self.retry_after_s)
            return body, refusal
        if request.match_info.get("user") in self.denied_users:
            return body, _graph_error("ErrorAccessDenied", 403)
        return body, None

    def user_events(self, user: str) -> list[dict[str, Any]]:
        """The user's calendar as Outlook shows it: events not cancelled."""
        return [e for e in self.events.values() if e["organizer"] == user and not e["isCancelled"]]

    async def _create_event(self, request: web.Request) -> web.Response:
        body, refused = await self._graph(request)
        if refused:
            return refused
        assert body is not None
        user = request.match_info["user"]
        transaction = body.get("transactionId")
        for event in self.events.values():
            if transaction and event.get("transactionId") == transaction:
                return web.json_response(event, status=201)  # a retried create: the same
        event_id = f"event-{next(self._ids)}"
        event = {**body, "id": event_id, "organizer": user, "isCancelled": False}
        if body.get("isOnlineMeeting"):
            assert body.get("onlineMeetingProvider") == "teamsForBusiness"
            meeting_id = f"meeting-{next(self._ids)}"
            join_url = f"https://teams.microsoft.com/l/meetup-join/{meeting_id}"
            self.meetings[meeting_id] = {
                "id": meeting_id,
                "organizer": user,
                "joinWebUrl": join_url,
                "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": True},
            }
            event["onlineMeeting"] = {"joinUrl": join_url}
        self.events[event_id] = event
        return web.json_response(event, status=201)

    async def _update_event(self, request: web.Request) -> web.Response:
        body, refused = await self._graph(request)
        if refused:
            return refused
        event = self.events.get(request.match_info["id"])
        if event is None or event["organizer"] != request.match_info["user"]:
            return _graph_error("ErrorItemNotFound", 404)
        event.update(body or {})
        return web.json_response(event)

    async def _cancel_event(self, request: web.Request) -> web.Response:
        body, refused = await self._graph(request)
        if refused:
            return refused
        event = self.events.get(request.match_info["id"])
        if event is None or event["isCancelled"]:
            return _graph_error("ErrorItemNotFound", 404)
        if not (body or {}).get("comment"):
            return _graph_error("ErrorInvalidRequest", 400)
        event["isCancelled"] = True
        event["cancelComment"] = body["comment"]
        return web.Response(status=202)

    async def _get_schedule(self, request: web.Request) -> web.Response:
        """As Graph documents it: at most 20 schedules, a window under 62 days, times in the
        zone asked for, each item with status, subject and start/end."""
        body, refused = await self._graph(request)
        if refused:
            return refused
        assert body is not None
        start, end = _when(body["startTime"]), _when(body["endTime"])
        if len(body["schedules"]) > 20 or end - start >= timedelta(days=62) or end <= start:
            return _graph_error("ErrorInvalidRequest", 400)
        value = []
        for user in body["schedules"]:
            items = [
                {
                    "status": "busy",
                    "subject": event["subject"],
                    "start": event["start"],
                    "end": event["end"],
                }
                for event in self.user_events(user)
            ] + self.schedule_items.get(user, [])
            inside = [i for i in items if _when(i["start"]) < end and _when(i["end"]) > start]
            value.append(
                {
                    "scheduleId": user,
                    "availabilityView": _availability_view(inside, start, end),
                    "scheduleItems": [
                        {**i, "start": _graph_time(i["start"]), "end": _graph_time(i["end"])}
                        for i in inside
                    ],
                }
            )
        return web.json_response({"value": value})

    async def _find_meeting(self, request: web.Request) -> web.Response:
        _, refused = await self._graph(request)
        if refused:
            return refused
        wanted = request.query.get("$filter", "")
        prefix = "JoinWebUrl eq '"
        if not wanted.startswith(prefix) or not wanted.endswith("'"):
            return _graph_error("BadRequest", 400)
        join_url = wanted[len(prefix) : -1].replace("''", "'")
        found = [
            m
            for m in self.meetings.values()
            if m["joinWebUrl"] == join_url and m["organizer"] == request.match_info["user"]
        ]
        return web.json_response({"value": found})

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


def schedule_item(status: str, start: datetime, end: datetime, subject: str = "") -> dict[str, Any]:
    return {
        "status": status,
        "subject": subject,
        "isPrivate": not subject,
        "start": {
            "dateTime": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "timeZone": "UTC",
        },
        "end": {"dateTime": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
    }


def _when(value: dict[str, str]) -> datetime:
    assert value["timeZone"] == "UTC"
    return datetime.fromisoformat(value["dateTime"].split(".")[0]).replace(tzinfo=UTC)


def _graph_time(value: dict[str, str]) -> dict[str, str]:
    """Graph writes seven decimal places."""
    return {"dateTime": value["dateTime"].split(".")[0] + ".0000000", "timeZone": "UTC"}


_VIEW = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4"}


def _availability_view(items: list[dict[str, Any]], start: datetime, end: datetime) -> str:
    view = []
    at = start
    while at < end:
        codes = [
            _VIEW.get(i["status"], "0")
            for i in items
            if _when(i["start"]) < at + timedelta(minutes=15) and _when(i["end"]) > at
        ]
        view.append(max(codes, default="0"))
        at += timedelta(minutes=15)
    return "".join(view)


def _graph_error(code: str, status: int) -> web.Response:
    return web.json_response({"error": {"code": code}}, status=status)

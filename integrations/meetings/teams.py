"""Microsoft Teams meetings through Microsoft Graph, as the municipality's application.

The application signs in with its own credentials (msal, client credentials; msal is blocking,
so it runs off the event loop) and creates each meeting on behalf of the staff member who takes
the call (`POST /users/{organizer}/onlineMeetings`). The lobby admits only the organiser
directly: the citizen waits until the staff member lets them in, as the seed describes.

Needs the application permission OnlineMeetings.ReadWrite.All and a Teams application access
policy that allows the application to act for the staff members (see the README).
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import aiohttp
import msal

from domain.model import Booking, StaffMember
from integrations.meetings.provider import Meeting
from integrations.outbox.worker import DeliveryFailed, Undeliverable

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
_TIMEOUT = aiohttp.ClientTimeout(total=30)


class TeamsMeetings:
    name = "teams"

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        authority_url: str,
        graph_url: str,
        http_client: Any = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """`http_client` (a requests.Session) and `ssl_context` let tests trust their own
        certificate authority; by default the system's are used."""
        self._authority = f"{authority_url.rstrip('/')}/{tenant_id}"
        self._client_id = client_id
        self._client_secret = client_secret
        self._graph_url = graph_url.rstrip("/")
        self._http_client = http_client
        self._ssl: ssl.SSLContext | bool = ssl_context or True
        self._application: msal.ConfidentialClientApplication | None = None
        self._session: aiohttp.ClientSession | None = None

    async def create(self, booking: Booking, organizer: StaffMember, subject: str) -> Meeting:
        body = {
            **_times(booking),
            "subject": subject,
            "lobbyBypassSettings": {"scope": "organizer", "isDialInBypassEnabled": False},
        }
        created = await self._call("POST", _meetings_path(organizer), body)
        join_url = created.get("joinWebUrl") or created.get("joinUrl")
        if not created.get("id") or not join_url:
            raise DeliveryFailed("Graph: the meeting came back without an id or join link")
        return Meeting(str(created["id"]), str(join_url))

    async def update(
        self, meeting: Meeting, booking: Booking, organizer: StaffMember, subject: str
    ) -> None:
        path = f"{_meetings_path(organizer)}/{meeting.meeting_id}"
        await self._call("PATCH", path, {**_times(booking), "subject": subject})

    async def delete(self, meeting: Meeting, organizer: StaffMember) -> None:
        path = f"{_meetings_path(organizer)}/{meeting.meeting_id}"
        await self._call("DELETE", path, None, gone_is_fine=True)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None, *, gone_is_fine: bool = False
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {await self._token()}"}
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=_TIMEOUT)
        try:
            async with self._session.request(
                method, self._graph_url + path, json=body, headers=headers, ssl=self._ssl
            ) as response:
                if response.status == 404 and gone_is_fine:
                    return {}
                if response.status in (429, 401, 403) or response.status >= 500:
                    # 401/403: the permission or the access policy is missing; someone will
                    # mend it, so keep trying (the staff group hears after the last attempt).
                    raise DeliveryFailed(f"Graph {method} answered {response.status}")
                if response.status >= 400:
                    raise Undeliverable(f"Graph {method} answered {response.status}")
                if response.status == 204:
                    return {}
                result: dict[str, Any] = await response.json()
                return result
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryFailed(f"Graph unreachable ({type(error).__name__})") from None

    async def _token(self) -> str:
        """msal keeps the token until it is about to expire."""
        try:
            result = await asyncio.to_thread(self._acquire_token)
        except (ValueError, OSError) as error:  # discovery failed, network
            raise DeliveryFailed(
                f"Microsoft sign-in unreachable ({type(error).__name__})"
            ) from None
        token = result.get("access_token")
        if not token:
            raise DeliveryFailed(f"Microsoft sign-in refused: {result.get('error', 'unknown')}")
        return str(token)

    def _acquire_token(self) -> dict[str, Any]:
        if self._application is None:
            self._application = msal.ConfidentialClientApplication(
                self._client_id,
                client_credential=self._client_secret,
                authority=self._authority,
                instance_discovery=False,
                http_client=self._http_client,
            )
        result: dict[str, Any] = self._application.acquire_token_for_client(scopes=[GRAPH_SCOPE])
        return result


def _meetings_path(organizer: StaffMember) -> str:
    if not organizer.teams_user_id:
        raise Undeliverable(f"staff member {organizer.id} has no teams_user_id")
    return f"/users/{organizer.teams_user_id}/onlineMeetings"


def _times(booking: Booking) -> dict[str, str]:
    return {
        "startDateTime": booking.starts_at.isoformat(),
        "endDateTime": booking.ends_at.isoformat(),
    }

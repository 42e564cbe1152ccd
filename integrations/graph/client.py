"""Microsoft Graph as the municipality's application: one signed-in HTTP client shared by the
Teams meetings, the staff members' Outlook calendars and their free/busy.

The application signs in with its own credentials (msal, client credentials; msal is blocking,
so it runs off the event loop). Graph's answers become the outbox's errors: 429 and 503 with
Retry-After wait as long as Graph asks, other 5xx and 401 are tried again later, 403 says which
permission or access policy is missing, other 4xx cannot be helped by trying again.
"""

from __future__ import annotations

import asyncio
import ssl
from datetime import timedelta
from typing import Any

import aiohttp
import msal

from integrations.delivery import DeliveryFailed, RetryLater, Undeliverable
from integrations.metrics import outside_failure

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
_TIMEOUT = aiohttp.ClientTimeout(total=30)
_DEFAULT_RETRY_AFTER = timedelta(seconds=60)
_LONGEST_RETRY_AFTER = timedelta(hours=1)

ACCESS_DENIED = (
    "Graph {method} answered 403: the application may not act for this staff member's "
    "mailbox (the Exchange or Teams application access policy, or admin consent for "
    "Calendars.ReadWrite / OnlineMeetings.ReadWrite.All, is missing)"
)


def retry_after(value: str | None) -> timedelta:
    """Graph gives Retry-After in seconds."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        seconds = None
    if seconds is None or seconds < 0:
        return _DEFAULT_RETRY_AFTER
    return min(timedelta(seconds=seconds), _LONGEST_RETRY_AFTER)


class GraphClient:
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

    async def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, str] | None = None,
        gone_is_fine: bool = False,
    ) -> dict[str, Any]:
        try:
            return await self._call(method, path, body, params, gone_is_fine)
        except DeliveryFailed:  # RetryLater included: Graph's 429 is a failure an operator sees
            outside_failure("graph", retried=True)
            raise
        except Undeliverable:
            outside_failure("graph", retried=False)
            raise

    async def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        params: dict[str, str] | None,
        gone_is_fine: bool,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {await self._token()}"}
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=_TIMEOUT)
        try:
            async with self._session.request(
                method,
                self._graph_url + path,
                json=body,
                params=params,
                headers=headers,
                ssl=self._ssl,
            ) as response:
                return await _answer(method, response, gone_is_fine)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryFailed(f"Graph unreachable ({type(error).__name__})") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

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


async def _answer(
    method: str, response: aiohttp.ClientResponse, gone_is_fine: bool
) -> dict[str, Any]:
    status = response.status
    if status == 404 and gone_is_fine:
        return {}
    if status == 429 or (status == 503 and "Retry-After" in response.headers):
        raise RetryLater(
            f"Graph {method} answered {status}", retry_after(response.headers.get("Retry-After"))
        )
    if status == 403:
        # Someone will mend the policy; keep trying (the staff group hears after the last).
        raise DeliveryFailed(ACCESS_DENIED.format(method=method))
    if status == 401 or status >= 500:
        raise DeliveryFailed(f"Graph {method} answered {status}")
    if status >= 400:
        raise Undeliverable(f"Graph {method} answered {status}")
    if status in (202, 204) or response.content_length == 0:
        return {}
    result: dict[str, Any] = await response.json()
    return result

"""The outbox's Viber deliverer: reminders in the citizen's Viber chat, with a button to their
bookings; and the manage link of the e-mails, which opens the booking in Viber.

Viber lets a bot send up to 100 messages within an hour to a user who has not answered, and
answers status 12 past that (or when the bot goes too fast overall). Reminders are the only
messages nobody asked for (two per booking by default), so the limit is far; when Viber says 12
anyway, the reminder waits and goes later.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlencode

from bot.viber.render import keyboard
from dialogs.screens import Choice, Screen
from domain.model import ChannelIdentity
from integrations.db.viber_subscribers import SqlViberSubscribers
from integrations.delivery import DeliveryFailed, Undeliverable
from integrations.outbox.emails import ManageUrl
from integrations.outbox.worker import DONE, Clock, Drop, Later, Outcome
from integrations.viber.client import (
    NotReachable,
    TooManyRequests,
    ViberClient,
    ViberError,
    ViberUnavailable,
)
from locales.texts import Texts

log = logging.getLogger(__name__)

VIBER = "viber"
WAIT_WHEN_TOO_MANY = timedelta(minutes=5)


class ViberChat:
    def __init__(self, client: ViberClient, subscribers: SqlViberSubscribers, clock: Clock) -> None:
        self._client = client
        self._subscribers = subscribers
        self._clock = clock

    async def __call__(
        self, user_id: str, text: str, language: str, button: Choice | None = None
    ) -> Outcome:
        if await self._subscribers.unsubscribed(user_id):
            return Drop()
        button = button or Choice("nav:mine", Texts(language)("menu.mine"))
        body = self._client.message_body(text, keyboard(Screen(text, ((button,),))))
        try:
            await self._client.send_message(user_id, body)
        except NotReachable:
            await self._subscribers.set(user_id, subscribed=False)
            return Drop()  # the e-mail reminder still goes
        except TooManyRequests:
            return Later(self._clock() + WAIT_WHEN_TOO_MANY)
        except ViberUnavailable as error:
            raise DeliveryFailed(str(error)) from None
        except ViberError as error:
            raise Undeliverable(str(error)) from None
        return DONE


def viber_manage_url(client: ViberClient) -> ManageUrl:
    """viber://pa?chatURI=<bot>&context=m_<token>: Viber opens the chat with the bot and tells
    it the context in `conversation_started`."""
    uri: list[str] = []

    async def manage_url(identity: ChannelIdentity, token: str) -> str | None:
        if identity.channel != VIBER:
            return None
        if not uri:
            try:
                uri.append((await client.get_account_info()).uri)
            except (ViberError, ViberUnavailable) as error:
                log.warning("no Viber link in this e-mail: %s", error)
                return None
        return "viber://pa?" + urlencode({"chatURI": uri[0], "context": f"m_{token}"})

    return manage_url

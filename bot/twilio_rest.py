"""Twilio's REST API for one outgoing SMS, asynchronous (httpx): the Messages resource.

`POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json` with basic auth (Account SID, auth
token) and the form fields `To`, `From`, `Body`; Twilio answers 201 with the Message's `sid` and
`status` (queued, accepted…), or 4xx/5xx with `{"code", "message", "status"}`. The twilio package's
own client is blocking (requests); this is the one call the conversation waits for, so it goes on the
event loop with a timeout. The base URL is a setting (TWILIO_API_BASE) so that tests post to a
local stand-in of the API.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

API_BASE = "https://api.twilio.com"
TIMEOUT_SECONDS = 6.0  # inside the turn's 10 s deadline, with the search and the save around it


class TwilioError(Exception):
    """The message was not created. `reason` is for the operator and the audit: Twilio's error code
    (21211 invalid To, 21610 the person sent STOP to our number…), an HTTP status, or "timeout"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Created:
    sid: str
    status: str


class TwilioMessages:
    """Creates messages on one account from one sender (a number or a Messaging Service SID)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        sender: str,
        *,
        base_url: str = API_BASE,
        timeout: float = TIMEOUT_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        import httpx  # here: only a process that sends loads it (not the console, nor most starts)

        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = httpx.BasicAuth(account_sid, auth_token)
        self._sender = sender
        self._timeout = timeout
        self._transport = transport

    async def create(self, to: str, body: str) -> Created:
        import httpx  # loaded by __init__ already

        sender = "MessagingServiceSid" if self._sender.startswith("MG") else "From"
        form = {"To": to, sender: self._sender, "Body": body}
        try:
            async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as client:
                response = await client.post(self._url, data=form, auth=self._auth)
        except httpx.TimeoutException as exc:
            raise TwilioError("timeout") from exc
        except httpx.HTTPError as exc:
            raise TwilioError(exc.__class__.__name__) from exc
        try:
            found = response.json()
        except ValueError:
            found = {}
        data = found if isinstance(found, dict) else {}
        if response.status_code >= 400 or not data.get("sid"):
            code = data.get("code")
            reason = f"Twilio {code}" if code else f"HTTP {response.status_code}"
            log.warning("twilio refused a message: %s", reason)
            raise TwilioError(reason)
        return Created(str(data["sid"]), str(data.get("status") or "queued"))

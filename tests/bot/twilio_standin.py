"""A stand-in for Twilio's REST API Messages resource, served over loopback by uvicorn: it records each
`POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (basic auth and form), answers 201 with a Message
as Twilio does, and fails on demand (an error status with Twilio's error body, or no answer at all)."""

from __future__ import annotations

import asyncio
import base64
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.bot.standin_server import serving_app

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "twilio-rest-token-for-tests"  # noqa: S105 - the stand-in's own, public
FROM_NUMBER = "+33700000001"


@dataclass(frozen=True, slots=True)
class Recorded:
    account: str
    user: str
    password: str
    form: dict[str, str]


@dataclass
class TwilioStandIn:
    requests: list[Recorded] = field(default_factory=list)
    fail_status: int | None = None  # answer this status with Twilio's error body
    fail_code: int = 21211
    hang_seconds: float = 0.0  # wait this long before answering (a timeout on the caller's side)

    async def messages(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        user, _, password = base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")
        form = {k: str(v) for k, v in (await request.form()).items()}
        account = request.path_params["account"]
        self.requests.append(Recorded(account, user, password, form))
        if self.hang_seconds:
            await asyncio.sleep(self.hang_seconds)
        if user != account or password != AUTH_TOKEN:
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, status_code=401)
        if self.fail_status is not None:
            body = {"code": self.fail_code, "message": "refused by the stand-in", "status": self.fail_status}
            return JSONResponse(body, status_code=self.fail_status)
        sid = f"SM{len(self.requests):032x}"
        return JSONResponse(
            {
                "sid": sid,
                "status": "queued",
                "to": form.get("To"),
                "from": form.get("From"),
                "body": form.get("Body"),
            },
            status_code=201,
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[Route("/2010-04-01/Accounts/{account}/Messages.json", self.messages, methods=["POST"])]
        )


def serving(standin: TwilioStandIn) -> AbstractContextManager[str]:
    """The stand-in on a free loopback port, in a thread; its base URL."""
    return serving_app(standin.app(), "the Twilio stand-in")

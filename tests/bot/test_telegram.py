"""Telegram updates through the ASGI app and PTB's real Application, the Bot API replaced by a recorder."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pydantic import SecretStr
from telegram.request import BaseRequest, RequestData

from bot.app import create_app
from bot.telegram import command_text
from tests.e2e.support import NOW, make_settings, running

SECRET = "hook-secret-0123456789"
HOOK_URL = "https://bot.example.org/telegram/webhook"
BOT_ID = 123456
CHAT = 4242
STAMP = int(NOW.timestamp())


class RecordingRequest(BaseRequest):
    """After PTB's OfflineRequest: answers the Bot API methods we use with plausible JSON, records every
    call, and remembers anything unexpected so the test fails on it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.unexpected: list[str] = []
        self._message_id = 1000

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        self._message_id += 1
        chat = {"id": int(params["chat_id"]), "type": "private", "first_name": "Test"}
        return {"message_id": self._message_id, "date": STAMP, "chat": chat, **extra}

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = json.loads(json.dumps(request_data.parameters)) if request_data else {}
        self.calls.append((endpoint, params))
        result: Any
        if endpoint == "getMe":
            result = {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Solibot",
                "username": "solibot_test_bot",
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        elif endpoint == "sendMessage":
            result = self._message(params, text=params["text"])
        elif endpoint == "sendVenue":
            location = {"latitude": params["latitude"], "longitude": params["longitude"]}
            venue = {"location": location, "title": params["title"], "address": params["address"]}
            result = self._message(params, venue=venue, location=location)
        elif endpoint in ("answerCallbackQuery", "setWebhook", "deleteWebhook"):
            result = True
        else:
            self.unexpected.append(endpoint)
            return 400, json.dumps({"ok": False, "error_code": 400, "description": "unexpected"}).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def sent(self, endpoint: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == endpoint]

    def clear(self) -> None:
        self.calls.clear()


def _user(lang: str = "fr") -> dict[str, Any]:
    return {"id": CHAT, "is_bot": False, "first_name": "Test", "language_code": lang}


def _message(update_id: int, **content: Any) -> dict[str, Any]:
    chat = {"id": CHAT, "type": "private", "first_name": "Test"}
    return {
        "update_id": update_id,
        "message": {"message_id": update_id, "date": STAMP, "chat": chat, "from": _user(), **content},
    }


def _callback(update_id: int, data: str) -> dict[str, Any]:
    chat = {"id": CHAT, "type": "private", "first_name": "Test"}
    shown = {"message_id": 1, "date": STAMP, "chat": chat, "text": "menu"}
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": _user(),
            "chat_instance": "ci",
            "data": data,
            "message": shown,
        },
    }


@pytest.fixture
def database_url(sample_database_url: str) -> str:
    return sample_database_url


def _settings(database_url: str, **overrides: Any) -> Any:
    return make_settings(
        database_url,
        telegram_bot_token=SecretStr(f"{BOT_ID}:TEST-TOKEN"),
        telegram_webhook_secret=SecretStr(SECRET),
        telegram_webhook_url=HOOK_URL,
        **overrides,
    )


async def _post(client: Any, update: dict[str, Any], secret: str = SECRET) -> Any:
    return await client.post(
        "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
    )


def test_command_text() -> None:
    assert command_text("/start") == "start"
    assert command_text("/start@solibot_bot payload") == "start payload"
    assert command_text("/aide") == "aide"
    assert command_text("manger") == "manger"


async def test_start_up_registers_the_webhook_with_its_secret(database_url: str) -> None:
    recorder = RecordingRequest()
    async with running(create_app(_settings(database_url), clock=lambda: NOW, telegram_request=recorder)):
        (hook,) = recorder.sent("setWebhook")
        assert hook["url"] == HOOK_URL and hook["secret_token"] == SECRET
        assert recorder.sent("getMe")
    assert recorder.unexpected == []


async def test_text_search_sends_html_results_then_one_map_for_the_chosen_result(database_url: str) -> None:
    recorder = RecordingRequest()
    async with running(
        create_app(_settings(database_url), clock=lambda: NOW, telegram_request=recorder)
    ) as client:
        recorder.clear()
        response = await _post(client, _message(1, text="manger Strasbourg"))
        assert response.status_code == 200
        (results,) = recorder.sent("sendMessage")
        assert results["chat_id"] == CHAT and results["parse_mode"] == "HTML"
        assert "1." in results["text"] and "Strasbourg" in results["text"]
        assert "<" not in results["text"].replace("&lt;", "")
        assert recorder.sent("sendVenue") == [], "a list is one message: no pin per result"
        shown = re.findall(r"^(\d+)\. ", results["text"], flags=re.MULTILINE)
        assert 1 <= len(shown) <= 5
        markup = results["reply_markup"]
        if isinstance(markup, str):
            markup = json.loads(markup)
        buttons = [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]
        assert buttons[: len(shown)] == [(n, n) for n in shown], "one button per result, for its details"
        assert buttons[len(shown) :] in ([], [("+", "plus")]), "and one for more"

        recorder.clear()
        assert (await _post(client, _message(1, text="manger Strasbourg"))).status_code == 200
        assert recorder.calls == [], "a repeated update_id is processed once"

        await _post(client, _callback(2, "1"))
        (details,) = recorder.sent("sendMessage")
        assert "openstreetmap.org" in details["text"] or "orientation" in details["text"]
        venues = recorder.sent("sendVenue")
        assert len(venues) <= 1, "one map, for the chosen result (none for a place reached on referral)"
        for venue in venues:
            assert venue["chat_id"] == CHAT and venue["title"] and venue["address"]
            assert 47.0 < venue["latitude"] < 49.5 and 6.5 < venue["longitude"] < 8.5
    assert recorder.unexpected == []


async def test_location_question_keyboard_then_location_message(database_url: str) -> None:
    recorder = RecordingRequest()
    async with running(
        create_app(_settings(database_url), clock=lambda: NOW, telegram_request=recorder)
    ) as client:
        recorder.clear()
        await _post(client, _message(10, text="douche"))
        (question,) = recorder.sent("sendMessage")
        keyboard = question["reply_markup"]["keyboard"]
        assert keyboard[0][0]["request_location"] is True
        assert keyboard[0][0]["text"] == "Envoyer ma position"

        recorder.clear()
        await _post(client, _message(11, location={"latitude": 48.5734, "longitude": 7.7521}))
        assert recorder.sent("sendMessage"), "the location answered the question"
        assert recorder.sent("sendVenue") == [], "results come as one message, without map pins"
    assert recorder.unexpected == []


async def test_inline_choices_and_callback_query(database_url: str) -> None:
    recorder = RecordingRequest()
    async with running(
        create_app(_settings(database_url), clock=lambda: NOW, telegram_request=recorder)
    ) as client:
        recorder.clear()
        await _post(client, _message(20, text="Colmar"))
        (menu,) = recorder.sent("sendMessage")
        buttons = [b for row in menu["reply_markup"]["inline_keyboard"] for b in row]
        assert [b["callback_data"] for b in buttons][:3] == ["1", "2", "3"]

        recorder.clear()
        await _post(client, _callback(21, "1"))
        (answered,) = recorder.sent("answerCallbackQuery")
        assert answered["callback_query_id"] == "cb21"
        (results,) = recorder.sent("sendMessage")
        assert "Colmar" in results["text"] and "1." in results["text"]
    assert recorder.unexpected == []


async def test_sticker_gets_a_short_help_and_unknown_updates_are_ignored(database_url: str) -> None:
    recorder = RecordingRequest()
    async with running(
        create_app(_settings(database_url), clock=lambda: NOW, telegram_request=recorder)
    ) as client:
        recorder.clear()
        sticker = {
            "file_id": "CAAD",
            "file_unique_id": "AQAD",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        assert (await _post(client, _message(30, sticker=sticker))).status_code == 200
        (help_,) = recorder.sent("sendMessage")
        assert "texte" in help_["text"] and len(help_["text"]) < 200

        recorder.clear()
        edited = _message(31, text="manger")
        edited["edited_message"] = edited.pop("message")
        future = {"update_id": 32, "some_future_update_type": {"id": 1}}  # a Bot API newer than PTB
        for update in (edited, future, {"update_id": 33}):
            assert (await _post(client, update)).status_code == 200
        assert recorder.calls == []
    assert recorder.unexpected == []


async def test_html_in_user_text_and_emoji_never_break(database_url: str) -> None:
    recorder = RecordingRequest()
    async with running(
        create_app(_settings(database_url), clock=lambda: NOW, telegram_request=recorder)
    ) as client:
        for index, text in enumerate(("<b>manger</b> & Strasbourg", "😀🍞", "x" * 10_000)):
            recorder.clear()
            assert (await _post(client, _message(40 + index, text=text))).status_code == 200
            for sent in recorder.sent("sendMessage"):
                assert "<b>" not in sent["text"]
    assert recorder.unexpected == []


async def test_secret_header_and_malformed_json(database_url: str) -> None:
    recorder = RecordingRequest()
    async with running(
        create_app(_settings(database_url), clock=lambda: NOW, telegram_request=recorder)
    ) as client:
        recorder.clear()
        assert (await _post(client, _message(50, text="aide"), secret="wrong")).status_code == 403
        no_header = await client.post("/telegram/webhook", json=_message(51, text="aide"))
        assert no_header.status_code == 403
        bad = await client.post(
            "/telegram/webhook", content=b"{not json", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert bad.status_code == 400
        assert (await _post(client, [1, 2])).status_code == 400  # type: ignore[arg-type]
        broken: dict[str, Any]
        for broken in (
            {"update_id": 52, "message": "x"},
            {"update_id": 53, "message": {"chat": 5}},
            {"update_id": 54, "callback_query": [1]},
            {"message": {}},
        ):
            assert (await _post(client, broken)).status_code == 400, broken
        assert recorder.calls == []
        # The refused update was not marked as seen.
        assert (await _post(client, _message(50, text="aide"))).status_code == 200
        assert recorder.sent("sendMessage")
    assert recorder.unexpected == []


async def test_without_a_token_the_route_is_absent(database_url: str) -> None:
    async with running(create_app(make_settings(database_url), clock=lambda: NOW)) as client:
        assert (await _post(client, _message(60, text="aide"))).status_code == 404


async def test_a_location_with_its_need_searches_at_once(database_url: str) -> None:
    """A location with a caption, or a text sent as a reply to the person's own location: position and
    need in one message, no "where are you?"."""
    recorder = RecordingRequest()
    async with running(
        create_app(_settings(database_url), clock=lambda: NOW, telegram_request=recorder)
    ) as client:
        recorder.clear()
        here = {"latitude": 48.5839, "longitude": 7.7455}
        await _post(client, _message(40, location=here, caption="manger"))
        (results,) = recorder.sent("sendMessage")
        assert re.search(r"^1\. ", results["text"], flags=re.MULTILINE), results["text"]
        assert recorder.sent("sendVenue") == []

        recorder.clear()
        own = {"message_id": 41, "date": STAMP, "chat": {"id": CHAT, "type": "private"}, "from": _user()}
        await _post(client, _message(42, text="une douche", reply_to_message={**own, "location": here}))
        (showers,) = recorder.sent("sendMessage")
        assert "Douche" in showers["text"] and "votre position" in showers["text"], showers["text"]
    assert recorder.unexpected == []

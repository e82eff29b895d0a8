"""`solibot chat` on a real SQLite file: one-shot, REPL, SMS rendering, a session kept across calls."""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.console import decode, render, run_chat, sms_transcript
from bot.gsm import is_gsm, segments
from bot.settings import Settings
from bot.sms_render import bodies
from handlers import Channel, Reply, ReplyKind

AT = datetime(2026, 11, 17, 10, 15, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('console') / 'solibot.db'}")


def chat(settings: Settings, text: str | None, *, stdin: str = "", **kw: object) -> tuple[int, str]:
    out = io.StringIO()
    options: dict[str, object] = {"channel": "console", "user": None, "at": AT, "lang": None} | kw
    code = run_chat(once=text, settings=settings, stdin=io.StringIO(stdin), stdout=out, **options)  # type: ignore[arg-type]
    return code, out.getvalue()


def test_once_prints_results(settings: Settings) -> None:
    code, out = chat(settings, "manger Mulhouse")
    assert code == 0
    assert out.startswith("Alimentation près de Mulhouse (68) :")
    assert re.findall(r"^\d+\. ", out, re.M) == ["1. ", "2. ", "3. ", "4. ", "5. "]


def test_the_console_has_no_turn_deadline(settings: Settings) -> None:
    """The deadline is Twilio's (15 s); a person at the console waits for a slow first turn."""
    code, out = chat(settings.model_copy(update={"turn_deadline_seconds": 0.000001}), "manger Mulhouse")
    assert code == 0 and out.startswith("Alimentation près de Mulhouse (68) :")


def test_sms_renders_three_plain_results_without_location_hint(settings: Settings) -> None:
    _, out = chat(settings, "manger Mulhouse", channel="sms")
    assert len(re.findall(r"^\d+\. ", out, re.M)) == 3
    _, ask = chat(settings, "douche", channel="sms")
    assert "Où etes-vous" in ask and "@LAT,LON" not in ask, "what the phone receives: GSM-7"
    _, ask_console = chat(settings, "douche")
    assert "@LAT,LON" in ask_console


def test_sms_prints_the_webhook_bodies_with_their_cost(settings: Settings) -> None:
    _, out = chat(settings, "manger Strasbourg", channel="sms")
    markers = re.findall(r"^--- SMS (\d+)/(\d+) \((GSM-7|UCS-2), (\d+) segments?\) ---$", out, re.M)
    assert markers and all(total == str(len(markers)) for _, total, _, _ in markers)
    assert [number for number, _, _, _ in markers] == [str(i) for i in range(1, len(markers) + 1)]
    shown = re.split(r"^--- SMS .* ---\n", out.rstrip("\n"), flags=re.M)[1:]
    assert all(is_gsm(body) for body in shown)
    assert [int(count) for *_, count in markers] == [segments(body).count for body in shown]
    assert "Alimentation près de Strasbourg" in shown[0] and "—" not in out

    _, menu = chat(settings, "langue", channel="sms")
    assert re.match(r"--- SMS 1/1 \(UCS-2, \d segments?\) ---\n", menu)
    assert "Русский" in menu and "ქართული" in menu and "???" not in menu


def test_sms_render_is_the_webhook_rendering() -> None:
    replies = (
        Reply(
            ReplyKind.RESULTS,
            "fr",
            "Titre\n" + "\n".join(f"{i}. Lieu numéro {i} — ouvert" for i in range(60)),
        ),
        Reply(ReplyKind.QUESTION, "fr", "Où ?", ask_location=True),
    )
    sent = bodies(replies, 2)
    assert render(replies, Channel.SMS, 2) == sms_transcript(sent)
    assert render(replies, Channel.SMS, 2).count("--- SMS ") == len(sent) == 4
    assert sms_transcript(("Où ?",)) == "--- SMS 1/1 (GSM-7, 1 segment) ---\nOù ?"


def test_user_keeps_a_session_across_calls(settings: Settings) -> None:
    assert "Où êtes-vous" in chat(settings, "je cherche une douche", user="alice")[1]
    assert "Douche près de Colmar (68)" in chat(settings, "Colmar", user="alice")[1]
    details = chat(settings, "1", user="alice")[1]
    assert details.startswith("Foyer Le Sillon – Douche\nAdresse communiquée sur orientation (68000 Colmar)")
    # without --user each call starts afresh
    assert "Pas encore de recherche" in chat(settings, "plus")[1]
    # another user does not see alice's search
    assert "Pas encore de recherche" in chat(settings, "plus", user="bob")[1]


def test_stop_is_remembered_across_calls(settings: Settings) -> None:
    assert "START" in chat(settings, "STOP", user="carol")[1]
    assert chat(settings, "manger Colmar", user="carol")[1] == ""
    assert "Bon retour" in chat(settings, "START", user="carol")[1]


def test_repl_reads_until_end_of_input(settings: Settings) -> None:
    code, out = chat(settings, None, stdin="douche\nStrasbourg\nplus\n2\n")
    assert code == 0
    assert "Douche près de Strasbourg (67)" in out
    assert "Itinéraire : " in out


def test_lang_option_and_location_syntax(settings: Settings) -> None:
    _, out = chat(settings, "@47.7508,7.3359", lang="en")
    assert "your location: what do you need?" in out


def test_bad_arguments(settings: Settings) -> None:
    assert chat(settings, "x", channel="fax")[0] == 2
    assert chat(settings, "x", lang="xx")[0] == 2


def test_decode_and_render() -> None:
    assert decode("@48.5,7.7", Channel.CONSOLE, "k").location is not None
    assert decode("@48.5,7.7", Channel.SMS, "k").location is None
    assert decode("@200,7", Channel.CONSOLE, "k").text == "@200,7"
    replies = (
        Reply(ReplyKind.SAFETY, "fr", "115"),
        Reply(ReplyKind.QUESTION, "fr", "Où ?", ask_location=True),
    )
    assert render(replies, Channel.SMS) == (
        "--- SMS 1/2 (GSM-7, 1 segment) ---\n115\n--- SMS 2/2 (GSM-7, 1 segment) ---\nOù ?"
    )
    assert render(replies, Channel.CONSOLE).startswith("115\n\nOù ?\n(")

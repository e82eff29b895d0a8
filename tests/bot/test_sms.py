"""The SMS adapter's parts: form parsing, public URL, signature, decoding, rendering, the REST slow path."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any
from urllib.parse import urlparse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import Headers, ImmutableMultiDict
from starlette.requests import Request
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator, add_port, get_signature_algorithm, remove_port

import locales
from bot.gsm import Encoding, is_gsm, segments
from bot.sms import BadRequest, decode, parse_form, public_url, twiml, verify
from bot.sms_render import bodies, unavailable
from bot.surfaces import travels_in_ucs2
from handlers import Channel, Reply, ReplyKind
from tests.e2e.support import (
    ACCOUNT_SID,
    NOW,
    TWILIO_TOKEN,
    make_settings,
    messages,
    post_sms,
    running,
    twilio_form,
)

FORM = "application/x-www-form-urlencoded"


def _request(
    path: str = "/sms/twilio",
    query: str = "",
    headers: dict[str, str] | None = None,
    scheme: str = "http",
    server: tuple[str, int] = ("10.0.0.5", 8000),
) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {"host": "10.0.0.5:8000"}).items()]
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": query.encode(),
        "headers": raw,
        "scheme": scheme,
        "server": server,
        "root_path": "",
    }
    return Request(scope)


def test_parse_form_accepts_twilio_forms_only() -> None:
    form = parse_form(b"Body=caf%C3%A9+Strasbourg&From=%2B33612345678&Empty=", FORM + "; charset=utf-8")
    assert form["Body"] == "café Strasbourg" and form["From"] == "+33612345678" and form["Empty"] == ""
    assert len(parse_form(b"", FORM)) == 0
    for body, content_type in (
        (b"\xff\xfe", FORM),
        (b"a=1", "application/json"),
        (b"a=1", None),
        (b"x" * 70_000, FORM),
    ):
        with pytest.raises(BadRequest):
            parse_form(body, content_type)


def test_public_url_rebuilt_from_the_proxy_headers() -> None:
    assert public_url(_request(), None) == "http://10.0.0.5:8000/sms/twilio"
    behind = _request(
        query="a=1",
        headers={
            "host": "10.0.0.5:8000",
            "x-forwarded-proto": "https, http",
            "x-forwarded-host": "sms.example.org",
        },
    )
    assert public_url(behind, None) == "https://sms.example.org/sms/twilio?a=1"
    assert public_url(behind, "https://public.example.org/") == "https://public.example.org/sms/twilio?a=1"


def test_verify_uses_the_url_and_every_field() -> None:
    validator = RequestValidator(TWILIO_TOKEN)
    url = "https://sms.example.org/sms/twilio"
    form = ImmutableMultiDict([("Body", "aide"), ("From", "+33600000000"), ("MessageSid", "SM1")])
    good = validator.compute_signature(url, dict(form))
    assert verify(validator, url, form, Headers({"x-twilio-signature": good}))
    assert not verify(validator, url + "?x=1", form, Headers({"x-twilio-signature": good}))
    extra = ImmutableMultiDict([*form.multi_items(), ("Injected", "1")])
    assert not verify(validator, url, extra, Headers({"x-twilio-signature": good}))
    assert not verify(validator, url, form, Headers({}))
    sha256 = validator.compute_signature(url, dict(form), algorithm="HMAC_SHA256")
    settings = {
        "x-twilio-signature": sha256,
        "x-twilio-webhooks-signature-settings": "key=k,algorithm=HMAC_SHA256",
    }
    assert verify(validator, url, form, Headers(settings))


_FIELD = st.text(st.characters(codec="utf-8"), max_size=8)


@settings(max_examples=300, deadline=None)
@given(
    url=st.sampled_from(
        [
            "https://sms.example.org/sms/twilio",
            "https://sms.example.org:443/sms/twilio?x=1",
            "http://127.0.0.1:8000/sms/twilio",
            "http://sms.example.org/sms/twilio?a=1&b=2",
        ]
    ),
    pairs=st.lists(st.tuples(st.sampled_from(["Body", "From", "MessageSid", "X"]), _FIELD), max_size=6),
    signed_url=st.sampled_from(["as given", "with port", "without port", "other"]),
    algorithm=st.sampled_from([None, "HMAC_SHA1", "HMAC_SHA256", "hmac_sha256", "HMAC_MD5"]),
    tamper=st.sampled_from([None, "", "x", "é", "flip"]),
)
def test_verify_answers_as_twilios_validator(
    url: str, pairs: list[tuple[str, str]], signed_url: str, algorithm: str | None, tamper: str | None
) -> None:
    """The fast path accepts exactly what RequestValidator.validate accepts: either form of the URL,
    repeated fields, both algorithms; an unknown algorithm, another URL or a changed signature refused."""
    validator = RequestValidator(TWILIO_TOKEN)
    form = ImmutableMultiDict(pairs)
    parsed = urlparse(url)
    target = {"as given": url, "with port": add_port(parsed), "without port": remove_port(parsed)}.get(
        signed_url, url + "/other"
    )
    known = algorithm is None or algorithm.upper() in ("HMAC_SHA1", "HMAC_SHA256")
    signature = validator.compute_signature(target, form, algorithm=algorithm if known else None)
    if tamper == "flip":
        signature = signature[::-1]
    elif tamper is not None:
        signature = tamper + signature[len(tamper) :]
    headers = {"x-twilio-signature": signature}
    if algorithm is not None:
        headers["x-twilio-webhooks-signature-settings"] = f"key=k,algorithm={algorithm}"
    expected = bool(
        validator.validate(
            url,
            form,
            signature,
            algorithm=get_signature_algorithm(headers.get("x-twilio-webhooks-signature-settings")),
        )
    )
    assert verify(validator, url, form, Headers(headers)) == expected
    if signed_url != "other" and known and tamper in (None, "") and signature:
        assert expected


def test_decode_hides_the_phone_number() -> None:
    msg = decode({"From": "+33612345678", "Body": "manger"}, b"secret")
    assert msg.channel is Channel.SMS and msg.text == "manger"
    assert "33612345678" not in msg.user_key and len(msg.user_key) == 64
    assert decode({"From": "+33612345678"}, b"secret").user_key == msg.user_key
    assert decode({"From": "+33612345678"}, b"other").user_key != msg.user_key


def test_twiml_escapes_and_keeps_one_message_per_page() -> None:
    reply = Reply(ReplyKind.NOTICE, "fr", "Café <Les Amis> & co\n\n   Adresse : 1 rue «\u00a0Haute\u00a0»")
    out = bodies([reply], 3)
    assert out == ('Café <Les Amis> & co\nAdresse : 1 rue "Haute"',)
    assert messages(twiml(out)) == list(out)
    assert messages(twiml(())) == []


@pytest.mark.parametrize(
    "out",
    [(), ("a",), ("a & b <c> \"q\" 's' \r\n é ]]> &amp;", "Страсбург 😀", ""), ("x" * 459, "y")],
)
def test_twiml_is_what_twilios_messaging_response_writes(out: tuple[str, ...]) -> None:
    from twilio.twiml.messaging_response import MessagingResponse

    response = MessagingResponse()
    for body in out:
        response.message(body)
    assert twiml(out) == str(response)


def test_long_reply_is_paged_then_cut_cleanly() -> None:
    lines = "\n".join(
        f"{i}. Une ligne de résultat assez longue pour remplir un SMS, numéro {i}" for i in range(60)
    )
    out = bodies([Reply(ReplyKind.RESULTS, "fr", lines)], 3)
    assert len(out) == 3
    assert all(segments(body).count <= 3 and is_gsm(body) for body in out)
    assert out[-1].endswith("...")


LANGUAGE_MENU = (
    "Choisissez votre langue, envoyez son numéro :\n1. Français\n2. English\n3. العربية\n4. Español\n"
    "5. Русский\n6. پښتو\n7. فارسی\n8. Українська\n9. Català\n10. ქართული\n11. Română\n12. Português"
)


def test_language_menu_keeps_every_script_in_ucs2() -> None:
    (body,) = bodies([Reply(ReplyKind.QUESTION, "fr", LANGUAGE_MENU)], 3)
    assert body == LANGUAGE_MENU, "sent unchanged, not transliterated to ?????"
    assert "?" not in body
    cost = segments(body)
    assert cost.encoding is Encoding.UCS2 and cost.count == 3


def test_latin_reply_stays_gsm7_exactly_as_before() -> None:
    text = "Où êtes-vous ? Envoyez une ville, un code postal ou une adresse.\n« Noël » — 9h–12h"
    (body,) = bodies([Reply(ReplyKind.QUESTION, "fr", text)], 3)
    assert body == 'Où etes-vous ? Envoyez une ville, un code postal ou une adresse.\n"Noel" - 9h-12h'
    assert segments(body).encoding is Encoding.GSM7


FOOTER = "PLUS pour la suite, un numéro pour le détail."
FULL_LIST = (
    "Santé près de Mulhouse (68) :\n"
    "1. Accueil de jour pour femmes La Ruche (180 m) – ouvert jusqu’à 12h\n"
    "   35 Rue Hansi, Mulhouse · 03 53 01 66 97\n"
    "2. Permanence médicale solidaire L’Escale (320 m) – ouvert jusqu’à 12h30\n"
    "   31 Rue Gambetta, Mulhouse · 03 53 01 96 83\n"
    "   Infos de plus de 6 mois, appelez avant.\n"
    "3. Maison de la petite enfance de Mulhouse (380 m) – ouvert jusqu’à 12h\n"
    "   15 Place de l’Hôtel de Ville, Mulhouse · 03 53 01 25 40\n" + FOOTER
)


def test_footer_shares_the_last_page_instead_of_an_sms_of_its_own() -> None:
    out = bodies([Reply(ReplyKind.RESULTS, "fr", FULL_LIST)], 3)
    assert len(out) == 1, out
    (body,) = out
    assert body.endswith("\n" + FOOTER)
    assert segments(body).count == 3 and is_gsm(body)
    for number in (1, 2, 3):
        assert f"\n{number}. " in body
    assert "15 Place de l'Hotel de Ville" in body and "...." not in body


def test_cut_reply_keeps_its_instructions_and_one_ellipsis() -> None:
    lines = "\n".join(
        f"{i}. Une ligne de résultat assez longue pour remplir un SMS, numéro {i}.\n   Appelez avant."
        for i in range(1, 40)
    )
    text = f"Titre :\n{lines}\nPLUS pour la suite…"
    out = bodies([Reply(ReplyKind.RESULTS, "fr", text)], 3)
    assert len(out) == 3
    assert all(segments(body).count <= 3 and is_gsm(body) for body in out)
    *rest, last = out[-1].split("\n")
    assert last == "PLUS pour la suite..."
    assert rest[-1].endswith("...") and not rest[-1].endswith("....")
    assert not any("...." in body for body in out)


@pytest.mark.parametrize(
    ("lang", "link_label"), [("ru", "Маршрут: "), ("ar", "الطريق: "), ("fr", "Itinéraire : ")]
)
def test_directions_link_always_arrives(lang: str, link_label: str) -> None:
    link = link_label + "https://www.openstreetmap.org/directions?to=48.57103,7.77011"
    middle = "\n".join(
        f"{'Строка' if lang == 'ru' else 'سطر' if lang == 'ar' else 'Ligne'} {i} " * 6 for i in range(40)
    )
    out = bodies([Reply(ReplyKind.DETAILS, lang, f"Secours populaire\n{middle}\n{link}")], 3)
    assert len(out) == 3
    expected = link.replace("é", "e") if lang == "fr" else link
    assert out[-1].endswith("\n" + expected.replace("Itineraire", "Itinéraire"))
    assert all(segments(body).count <= 3 for body in out)
    assert not any("...." in body or "?" in body.replace("?to=", "") for body in out)


@pytest.mark.parametrize("lang", locales.LANGUAGES)
def test_unavailable_is_short_in_every_language(lang: str) -> None:
    body = unavailable(lang, 3)
    assert "115" in body
    assert segments(body).count <= 2
    if not travels_in_ucs2(lang):
        assert is_gsm(body)


class RecordingTwilioHttp(HttpClient):  # type: ignore[misc]  # twilio ships no py.typed: HttpClient is Any
    """The Twilio REST API at the network boundary: records each call, answers like Twilio's Messages API."""

    def __init__(self) -> None:
        super().__init__(logging.getLogger("twilio.http_client"), is_async=False)
        self.calls: list[dict[str, Any]] = []
        self.sent = threading.Event()

    def request(
        self,
        method: str,
        uri: str,
        params: Any = None,
        data: Any = None,
        headers: Any = None,
        auth: Any = None,
        timeout: Any = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        assert method == "POST" and uri.endswith("/Messages.json"), (method, uri)
        self.calls.append(dict(data or {}))
        self.sent.set()
        body = {"sid": f"SM{len(self.calls):032d}", "status": "queued", "body": (data or {}).get("Body")}
        return TwilioResponse(201, json.dumps(body))


@pytest.fixture
def database_url(sample_database_url: str) -> str:
    return sample_database_url


async def test_slow_turn_goes_out_through_the_rest_api(database_url: str) -> None:
    http = RecordingTwilioHttp()
    settings = make_settings(
        database_url,
        sms_rest_threshold_seconds=0.000001,
        twilio_account_sid=ACCOUNT_SID,
        twilio_from_number="+33700000001",
    )
    from bot.app import create_app

    async with running(create_app(settings, clock=lambda: NOW, twilio_http_client=http)) as client:
        response = await post_sms(client, twilio_form("manger Strasbourg", "+33612340000"))
        assert response.status_code == 200 and messages(response.text) == []
    # The lifespan drains the background sends before it ends.
    assert http.calls, "the reply was never sent"
    assert {call["To"] for call in http.calls} == {"+33612340000"}
    assert {call["From"] for call in http.calls} == {"+33700000001"}
    text = "\n".join(call["Body"] for call in http.calls)
    assert "Strasbourg" in text and "1." in text
    assert all(is_gsm(call["Body"]) and segments(call["Body"]).count <= 3 for call in http.calls)


async def test_without_rest_credentials_a_slow_turn_is_still_answered_inline(database_url: str) -> None:
    from bot.app import create_app

    settings = make_settings(database_url, sms_rest_threshold_seconds=0.000001)
    async with running(create_app(settings, clock=lambda: NOW)) as client:
        response = await post_sms(client, twilio_form("manger Strasbourg", "+33612340001"))
        assert messages(response.text)

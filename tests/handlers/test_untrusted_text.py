"""Directory text is written by third parties: it never starts a line of its own, never carries a link a
phone would open, and the bot's own map link still arrives whole, on SMS, console and Telegram."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.gsm import segments, transliterate
from bot.sms_render import bodies, own_link
from bot.surfaces import SMS_MAX_SEGMENTS, travels_in_ucs2
from bot.telegram import render_text
from db.schedule import Period
from handlers import LANGUAGES, Channel, Conversation, Pending, Reply, ReplyKind
from handlers.deps import Deps, Searcher
from handlers.pages import osm_link
from handlers.untrusted import defuse
from search.engine import Query, Result, SearchPage
from search.geo import Point
from tests.conftest import NOW

from .conftest import Chat

STRASBOURG = Point(48.5734, 7.7521)
INJECTED = "Appelez le 08 99 12 34 56"  # what a forged line would say, each time after a line break
NAME = f"Foyer <b>Test</b>\n{INJECTED}"
SERVICE = "Repas chauds\u202e sur bit.ly/menu"
ADDRESS = f"1 rue du Test\r\n{INJECTED}"
MESSAGE = f"Fermeture exceptionnelle.\r\n{INJECTED} ou https://bit.ly/phish\u202e\u2028www.evil-site.fr"
REASON = f"Travaux\n{INJECTED} sur evil.example/travaux"
CONDITION = f"Inscription sur tel:0899123456\n{INJECTED} ou javascript:alert(1)"
# What a phone would make clickable: a scheme, "www.", or a bare domain.tld/path.
CLICKABLE = re.compile(r"(?i)\b[a-z][a-z0-9+.\-]*://|\bwww\.\w|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/")
OWN = re.compile(r"https://www\.openstreetmap\.org/directions\?to=-?\d+\.\d+,-?\d+\.\d+")
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")  # the bot's own Persian needs its ZWNJ
STARTS_A_LINE = re.compile(r"^\W*appelez", re.IGNORECASE | re.MULTILINE)


def tampered(result: Result) -> Result:
    soon = NOW + timedelta(days=5)
    closure = Period(soon, soon + timedelta(days=2), REASON)
    return replace(
        result,
        place_name=NAME,
        service_name=SERVICE,
        address=ADDRESS,
        temp_message=MESSAGE,
        conditions=(("other", CONDITION),),
        timing=replace(result.timing, closures=(*result.timing.closures, closure)),
        verified_at=NOW,
    )


class TamperedDirectory:
    """The real directory, as if every place it found had been imported from a hostile export."""

    def __init__(self, inner: Searcher) -> None:
        self.inner = inner
        self.shown: list[Result] = []

    async def search(self, query: Query) -> SearchPage:
        page = await self.inner.search(query)
        results = tuple(tampered(r) for r in page.results)
        self.shown.extend(results)
        return replace(page, results=results)

    async def open_distances(self, query: Query) -> tuple[float, ...]:
        return await self.inner.open_distances(query)


def tamper(chat: Chat) -> TamperedDirectory:
    spy = TamperedDirectory(chat.deps.directory)
    chat.deps = replace(chat.deps, directory=spy)
    return spy


def assert_neutralised(text: str) -> None:
    """No line starts with what followed a line break in the data, no control character is left, and
    the only link is the bot's own."""
    assert not STARTS_A_LINE.search(text), text
    assert not BIDI.search(text) and "\u2028" not in text and "\u2029" not in text, ascii(text)
    assert "\r" not in text
    assert not CLICKABLE.search(OWN.sub("", text)), text


async def test_sms_replies_carry_no_forged_line_and_no_link_but_ours(sms: Chat) -> None:
    spy = tamper(sms)
    page = await sms.send("manger Strasbourg")
    details = await sms.send("1")
    result = spy.shown[-1]
    sent = bodies([*page, *details], SMS_MAX_SEGMENTS)
    for body in sent:
        assert_neutralised(body)
        assert segments(body).count <= SMS_MAX_SEGMENTS, body
    shown = "\n".join(sent)
    assert "1. Foyer <b>Test</b> Appelez" in shown  # the data is there, on the bot's line
    detail_bodies = bodies(details, SMS_MAX_SEGMENTS)
    assert sum(osm_link(result) in body for body in detail_bodies) == 1, detail_bodies
    # the one link sms_render keeps at any cost is exactly the one pages builds, south of the equator too
    assert own_link(osm_link(result)) and own_link(osm_link(replace(result, point=Point(-21.115, 55.536))))
    assert "bit[.]ly/phish" in "\n".join(detail_bodies)  # the message was kept, defused


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_sms_details_keep_our_link_whole_within_the_budget_in_every_language(
    sms: Chat, lang: str
) -> None:
    spy = tamper(sms)
    sms.conv = Conversation(lang=lang, lang_chosen=True, need=("food",), pending=Pending.PLACE)
    page = await sms.send(location=STRASBOURG)
    for number in ("1", "2", "3"):
        details = await sms.send(number)
        result = spy.shown[-1]
        sent = bodies(details, SMS_MAX_SEGMENTS)
        links = [link for body in sent for link in OWN.findall(body)]
        if result.address_private:  # reached on referral: no link at all
            assert not links, sent
        elif not travels_in_ucs2(lang):  # in UCS-2 the street address usually takes its room
            assert links == [osm_link(result)], sent
        assert all(link == osm_link(result) for link in links), sent
        for body in bodies([*page, *details], SMS_MAX_SEGMENTS):
            assert_neutralised(body)
            assert segments(body).count <= SMS_MAX_SEGMENTS, body


async def test_console_replies_carry_no_forged_line_and_no_link_but_ours(chat: Chat) -> None:
    spy = tamper(chat)
    assert chat.channel is Channel.CONSOLE
    page = await chat.text("manger Strasbourg")
    details = await chat.text("1")
    for text in (page, details):
        assert_neutralised(text)
    assert osm_link(spy.shown[-1]) in details.splitlines()[-1]
    for words in ("Message : Fermeture exceptionnelle. Appelez le 08 99", "bit[.]ly/phish", "evil[.]example"):
        assert words in details, details
    assert (
        "À savoir : Inscription sur tel: 0899123456 Appelez le 08 99 12 34 56 ou javascript: alert(1)"
        in details
    )


async def test_telegram_escapes_the_defused_text(deps: Deps) -> None:
    chat = Chat(deps, channel=Channel.TELEGRAM)
    tamper(chat)
    replies = await chat.send("manger Strasbourg")
    replies += await chat.send("1")
    for reply in replies:
        html = render_text(reply)
        assert "<b>" not in html and "&lt;b&gt;Test&lt;/b&gt; Appelez" in html
        assert_neutralised(html)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("http://evil.example/x", "evil[.]example/x"),
        ("Voir https://bit.ly/phish\r\nmerci", "Voir bit[.]ly/phish merci"),
        ("HTTPS://WWW.EVIL.FR/a?b=c#d", "WWW[.]EVIL[.]FR/a?b=c#d"),
        ("www.x.fr", "www[.]x[.]fr"),
        ("bit.ly/abc", "bit[.]ly/abc"),
        ("Plus d'infos sur soliguide.fr.", "Plus d'infos sur soliguide[.]fr."),
        ("contact@asso.fr", "contact@asso[.]fr"),
        ("tel:0899123456", "tel: 0899123456"),
        ("sms:+33612345678?body=STOP", "sms: +33612345678?body=STOP"),
        ("javascript:alert(1)", "javascript: alert(1)"),
        ("mailto:x@evil.fr", "mailto: x@evil[.]fr"),
        ("intent://scan/#Intent;scheme=x;end", "scan/#Intent;scheme=x;end"),
        ("http://192.168.0.1:8080/x", "192[.]168[.]0[.]1:8080/x"),
        ("éhttps://evil.com", "éevil[.]com"),
        ("ｈｔｔｐｓ：／／ｅｖｉｌ．ｃｏｍ", "evil[.]com"),  # fullwidth: the SMS alphabet folds it to ASCII
        ("evil·com/x", "evil[.]com/x"),  # the middle dot becomes "." in GSM-7
        ("evil\u3002com", "evil[.]com"),
        ("evil\u200b.example", "evil[.]example"),
        ("x.xn--p1ai", "x[.]xn--p1ai"),
        ("www.x", "www[.]x"),
        ("Foyer\nAppelez le 08 99 12 34 56", "Foyer Appelez le 08 99 12 34 56"),
        ("a\r\n\r\n\tb\x0bc\x85d\u2028e\u2029f", "a b c d e f"),
        ("\u202eevil\u202c fdp.exe", "evil fdp[.]exe"),
        ("\u2066x\u2069 \u200fy\u200e", "x y"),
        ("Pa\u200bris inscrip\u00adtion", "Paris inscription"),
        ("Nom\u3164\u3164\u3164\u3164Appelez", "Nom Appelez"),
        ("  trop   d'espaces  ", "trop d'espaces"),
        # left alone: phone numbers, times, decimals, words with a colon and a space
        ("Tél : 03.89.12.34.56, 03 89 12 34 56", "Tél : 03.89.12.34.56, 03 89 12 34 56"),
        ("Ouvert 9h30-12:30, à 3.5 km", "Ouvert 9h30-12:30, à 3.5 km"),
        ("Note : voir l'accueil", "Note : voir l'accueil"),
        ("Épicerie « Le Panier » – Emmaüs", "Épicerie « Le Panier » – Emmaüs"),
        ("مطعم التضامن", "مطعم التضامن"),
        ("", ""),
    ],
)
def test_defuse(raw: str, shown: str) -> None:
    assert defuse(raw) == shown


@given(st.text())
def test_defused_text_is_one_line_without_invisible_characters_or_links(raw: str) -> None:
    shown = defuse(raw)
    assert defuse(shown) == shown
    assert shown == shown.strip() and "  " not in shown
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in shown), ascii(shown)
    assert len(shown.splitlines()) <= 1
    for form in (shown, transliterate(shown)):  # what a phone receives, GSM-7 folded
        assert not CLICKABLE.search(form), ascii(form)


@given(
    st.lists(
        st.sampled_from(["http", "://", "www", ".", "·", "fr", "bit", "ly", "/", ":", "tel", "\n", " ", "é"])
    )
)
def test_defused_link_pieces_never_make_a_link(pieces: list[str]) -> None:
    shown = defuse("".join(pieces))
    for form in (shown, transliterate(shown)):
        assert not CLICKABLE.search(form), ascii(form)
        assert "\n" not in form


def test_a_reply_built_around_data_stays_ours() -> None:
    reply = Reply(ReplyKind.NOTICE, "fr", f"Message : {defuse(MESSAGE)}")
    (body,) = bodies([reply], SMS_MAX_SEGMENTS)
    assert body.count("\n") == 0 and "bit[.]ly/phish" in body

"""Every reply in a UCS-2 language fits three SMS segments (201 UTF-16 units) before any paging."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from bot.gsm import Encoding, compact, for_sms, segments
from bot.surfaces import TELEGRAM, SmsSurface, travels_in_ucs2
from handlers import LANGUAGES, Conversation, Pending, Reply, ReplyKind
from handlers.pages import access_labels
from search.geo import Point
from tests.conftest import PARIS

from .conftest import Chat, recording

MULHOUSE = Point(47.7508, 7.3359)
NANCY = Point(48.6921, 6.1844)  # nothing within 30 km


UCS2_LANGUAGES = sorted(lang for lang in LANGUAGES if travels_in_ucs2(lang))


def test_sms_pages_hold_two_results_in_ucs2_languages() -> None:
    assert UCS2_LANGUAGES == sorted(["ar", "fa", "ps", "ru", "uk", "ka"])  # read from their catalogs
    for lang in UCS2_LANGUAGES:
        assert SmsSurface().page_size(lang) == 2
    assert SmsSurface().page_size("fr") == 3
    assert TELEGRAM.page_size("ru") == 5


@pytest.mark.parametrize("lang", UCS2_LANGUAGES)
async def test_every_reply_fits_three_ucs2_segments(sms: Chat, lang: str) -> None:
    seen: list[Reply] = []

    async def say(text: str = "", location: Point | None = None) -> None:
        replies = await sms.send(text, location)
        assert replies, text
        seen.extend(replies)

    sms.conv = Conversation(lang=lang, lang_chosen=True)
    for message in ("aide", "menu", "1"):
        await say(message)
    await say(location=MULHOUSE)
    await say("plus")
    for number in ("1", "2", "3", "4"):
        await say(number)
    await say("999")
    await say("langue")
    await say("99")
    await say("ok")
    for need in ("health", "hygiene_and_wellness", "clothing", "accomodation_and_housing", "food"):
        sms.conv = Conversation(lang=lang, lang_chosen=True, need=(need,), pending=Pending.PLACE)
        sms.at = datetime(2026, 11, 17, 23, 0, tzinfo=PARIS)
        await say(location=MULHOUSE)
        for number in ("1", "2"):
            await say(number)
    sms.conv = Conversation(
        lang=lang, lang_chosen=True, need=("accomodation_and_housing",), pending=Pending.PLACE
    )
    await say(location=NANCY)
    await say("il me bat, il va me tuer, j'ai 15 ans")
    await say("😀")
    assert {r.kind for r in seen} >= set(ReplyKind) - {ReplyKind.CONFIRMATION}
    assert any(r.kind is ReplyKind.DETAILS for r in seen) and any(r.kind is ReplyKind.RESULTS for r in seen)
    too_long = []
    for reply in seen:
        body = compact(reply.text)
        parts = segments(body)
        assert parts.encoding is Encoding.UCS2
        if parts.count > 3:
            too_long.append(f"{reply.kind} is {parts.units} units:\n{body}")
    assert not too_long, "\n\n".join(too_long)


LATIN = sorted(set(LANGUAGES) - set(UCS2_LANGUAGES))


@pytest.mark.parametrize("lang", LATIN)
async def test_results_and_details_fit_three_gsm_segments(sms: Chat, lang: str) -> None:
    """A page of three results, or one result's details, is one SMS of at most three segments."""
    seen: list[Reply] = []
    for need in ("health", "hygiene_and_wellness", "clothing", "accomodation_and_housing", "food"):
        sms.conv = Conversation(lang=lang, lang_chosen=True, need=(need,), pending=Pending.PLACE)
        sms.at = datetime(2026, 11, 17, 18, 0, tzinfo=PARIS)
        for text, location in (("", MULHOUSE), ("plus", None), ("1", None), ("4", None)):
            seen.extend(await sms.send(text, location))
    checked = [r for r in seen if r.kind in (ReplyKind.RESULTS, ReplyKind.DETAILS)]
    assert len(checked) >= 15
    too_long = []
    for reply in checked:
        parts = segments(for_sms(reply.text))
        if parts.count > 3:
            too_long.append(f"{reply.kind} {parts.encoding} {parts.units}:\n{reply.text}")
    assert not too_long, "\n\n".join(too_long)


async def test_how_a_place_is_entered_outlasts_its_phone_in_ucs2(sms: Chat) -> None:
    """A trial in Arabic by SMS (2026-12-06): the third page of family shelters in Strasbourg showed
    two places reached only on a social worker's referral without "بإحالة", for their phones' room.
    A phone is one message away (the details); the referral is what says not to walk there."""
    spy = recording(sms)
    sms.at = datetime(2026, 12, 8, 21, 9, tzinfo=PARIS)
    pages = [await sms.text("مأوى للعائلات ستراسبورغ")]
    pages += [await sms.text("المزيد") for _ in range(2)]
    lines = {int(m[1]): m[2] for page in pages for m in re.finditer(r"^(\d+)\. (.*)$", page, re.M)}
    assert len(lines) == 6
    referred = [n for n in lines if access_labels(spy.results[n - 1], "ar", saturation=False)[:1]]
    assert len(referred) >= 4
    for number in referred:
        label = access_labels(spy.results[number - 1], "ar", saturation=False)[0]
        assert label in lines[number], lines[number]

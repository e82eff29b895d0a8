"""Whole conversations on the real directory (Alsace sample + Soliguide fixtures), fixed clock."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from datetime import datetime

import pytest

from bot.surfaces import CONSOLE, SMS
from handlers import Channel, Conversation, Deps, Incoming, Pending, ReplyKind, Role, respond
from handlers.generic_needs import SLEEP, searched_categories
from handlers.safety import read_alerts
from handlers.sessions import dump, load
from search import Filters, Result, taxonomy
from search.geo import Point
from tests.conftest import NOW, PARIS

from .conftest import Chat, recording

OSM = re.compile(r"https://www\.openstreetmap\.org/directions\?to=\d+\.\d+,\d+\.\d+")


def numbered(text: str) -> list[int]:
    return [int(m) for m in re.findall(r"^(\d+)\. ", text, re.M)]


async def test_french_need_then_place_then_pages_then_details(chat: Chat) -> None:
    replies = await chat.send("je cherche à manger")
    assert [r.kind for r in replies] == [ReplyKind.QUESTION]
    assert replies[0].ask_location
    assert "Où êtes-vous ? Envoyez une ville ou un code postal." in replies[0].text
    assert chat.conv.pending == "place"

    page1 = await chat.text("Mulhouse")
    assert page1.startswith("Alimentation près de Mulhouse (68) :")
    assert numbered(page1) == [1, 2, 3, 4, 5]
    assert page1.endswith("PLUS pour la suite, un numéro pour le détail.")
    assert re.search(r"\(\d+ m\)|\(\d+,\d km\)", page1)
    assert "STOP" not in page1

    page2 = await chat.text("plus")
    assert numbered(page2) == [6, 7, 8, 9, 10]

    details = await chat.send("7")
    assert details[0].kind is ReplyKind.DETAILS
    text = details[0].text
    assert "Adresse : " in text and "68" in text
    assert "Horaires :" in text and "Mardi : " in text
    assert OSM.search(text)
    assert "Infos vérifiées le " in text
    assert details[0].venues and 47 < details[0].venues[0].lat < 48
    # the same line of the page names the same place as the details
    line = next(line for line in page2.splitlines() if line.startswith("7. "))
    assert line[3:].split(" (")[0] in text


async def test_english_shower_in_colmar_sms_pages_of_three(sms: Chat) -> None:
    sms.hint = "en"
    first = await sms.send("I need a shower")
    assert "Where are you? Send a town or a postcode." in first[0].text
    page = await sms.text("Colmar")
    assert "near Colmar (68):" in page
    assert numbered(page) == [1, 2, 3]
    more = await sms.text("more")
    assert numbered(more) == [4, 5, 6] or "That was everything within" in more
    for number in ("1", "2", "3"):  # a street address and the way there, or (on referral) neither
        details = await sms.text(number)
        if "Address given on referral only (68000 Colmar)" in details:
            assert not OSM.search(details) and "Address: " not in details
        else:
            assert "Address: " in details and OSM.search(details)


async def test_shared_location_answers_the_place_question(chat: Chat) -> None:
    await chat.send("douche")
    page = await chat.text(location=Point(47.7508, 7.3359))  # Mulhouse centre
    assert "près de votre position :" in page
    assert numbered(page)[:1] == [1]


async def test_need_menu_and_number_choice(chat: Chat) -> None:
    menu = await chat.send("menu")
    assert menu[0].kind is ReplyKind.QUESTION
    assert [c.label for c in menu[0].choices][:2] == ["Manger", "Dormir"]
    asked = await chat.send("2")
    assert asked[0].ask_location and "Hébergement et logement" in asked[0].text
    page = await chat.text("Strasbourg")
    assert "Hébergement et logement près de Strasbourg (67) :" in page


async def test_place_first_then_need(chat: Chat) -> None:
    replies = await chat.send("Haguenau")
    assert "Haguenau (67) : de quoi avez-vous besoin ?" in replies[0].text
    page = await chat.text("1")
    assert "Alimentation près de Haguenau (67) :" in page


async def test_evening_window_searches_at_its_start_and_says_so(chat: Chat) -> None:
    page = await chat.text("ya un endroit pour manger ce soir vers illzach")
    head = page.splitlines()[0]
    assert re.fullmatch(r"Ce soir vers (\d+)h – Alimentation près de Illzach \(68\) :", head), head
    hour = int(head.split("vers ")[1].split("h")[0])
    assert chat.conv.when is not None and chat.conv.at == chat.conv.when[0]
    assert chat.conv.at.hour == hour >= 17


async def test_night_shelter_shows_115_first(chat: Chat) -> None:
    chat.at = datetime(2026, 11, 17, 22, 30, tzinfo=PARIS)
    replies = await chat.send("où dormir à Colmar")
    assert "115" in replies[0].alerts[0] and replies[0].text.startswith(replies[0].alerts[0])
    assert replies[0].kind is ReplyKind.RESULTS  # the 115 line heads the page, in the same message


async def test_morning_food_question_has_no_115(chat: Chat) -> None:
    replies = await chat.send("manger Colmar")
    assert all(r.kind is not ReplyKind.SAFETY and not r.alerts for r in replies)


async def test_stop_silence_start(chat: Chat) -> None:
    await chat.send("manger Mulhouse")
    stop = await chat.send("STOP")
    assert len(stop) == 1 and stop[0].kind is ReplyKind.CONFIRMATION
    assert "START" in stop[0].text
    assert chat.conv.opted_out and not chat.conv.need
    assert await chat.send("manger Mulhouse") == ()
    assert await chat.send("ARRÊT") == ()  # a second STOP is not confirmed again
    assert await chat.send("aide") == ()
    back = await chat.send("START")
    assert back[0].kind is ReplyKind.CONFIRMATION and not chat.conv.opted_out
    assert "Bon retour" in back[0].text
    assert "Alimentation" in await chat.text("manger Mulhouse")


async def test_unsubscribe_words(chat: Chat) -> None:
    for word in ("stop", "Arret", "ARRÊT", "STOPALL", "unsubscribe"):
        chat.conv = type(chat.conv)()
        replies = await chat.send(word)
        assert replies and replies[0].kind is ReplyKind.CONFIRMATION, word


async def test_language_menu_then_number_then_direct_switch(chat: Chat) -> None:
    menu = await chat.text("langue")
    for autonym in (
        "Français",
        "English",
        "العربية",
        "Español",
        "Русский",
        "پښتو",
        "فارسی",
        "Українська",
        "Català",
        "ქართული",
        "Română",
        "Português",
    ):
        assert autonym in menu
    arabic = await chat.send("3")
    assert arabic[0].lang == "ar" and "اللغة: العربية" in arabic[0].text
    assert chat.conv.lang == "ar" and chat.conv.lang_chosen
    english = await chat.send("english")
    assert english[0].text.startswith("OK. Language: English.")
    # an explicit choice is not overridden by detection
    page = await chat.text("je cherche à manger à Colmar")
    assert "near Colmar (68):" in page


async def test_detected_language_is_remembered(chat: Chat) -> None:
    page = await chat.text("де переночувати у Кольмарі?")
    assert chat.conv.lang == "uk"
    assert "Colmar (68)" in page and "поруч із" in page
    details = await chat.text("1")
    assert "Адреса:" in details or "Адресу повідомляють лише за направленням" in details
    assert chat.conv.lang == "uk"


async def test_violence_3919_in_several_languages(chat: Chat) -> None:
    for text, lang_word in (
        ("mon mari me frappe", "Violences"),
        ("my partner beats me", "Violence"),
        ("mi pareja me pega", "Violencia"),
        ("чоловік мене б'є", "Насильство"),
        ("زوجي يضربني", "العنف"),
    ):
        chat.conv = type(chat.conv)()
        replies = await chat.send(text)
        lines = "\n".join(replies[0].alerts)
        assert "3919" in lines and lang_word in lines, text
        assert replies[0].kind is ReplyKind.QUESTION  # and then: what can we find for you?


async def test_immediate_danger_17_112(chat: Chat) -> None:
    replies = await chat.send("il va me tuer, il me bat")
    text = "\n".join(replies[0].alerts)
    assert replies[0].text.startswith(text)
    assert "17" in text and "112" in text and "3919" in text and "114" in text
    assert text.index("112") < text.index("3919")  # danger first


async def test_minor_alone_119(chat: Chat) -> None:
    for text in (
        "j'ai 15 ans je dors dehors à Mulhouse",
        "I'm 16 and need a bed in Colmar",
        "je suis mineur",
    ):
        chat.conv = type(chat.conv)()
        replies = await chat.send(text)
        assert "119" in replies[0].alerts[0], text  # 119 first: adult shelters may turn a minor away


async def test_adult_age_is_not_a_minor(chat: Chat) -> None:
    replies = await chat.send("j'ai 45 ans, manger à Colmar")
    assert all("119" not in r.text for r in replies)


async def test_nothing_found_names_radius_nearest_town_and_115(chat: Chat) -> None:
    await chat.send("dormir")
    replies = await chat.send(location=Point(48.6921, 6.1844))  # Nancy: no data within 30 km
    text = replies[-1].text
    assert replies[-1].kind is ReplyKind.NOTICE
    assert "dans un rayon de 30 km autour de votre position" in text
    assert re.search(r"Le plus proche est à [A-ZÉ][\w' -]+ \(\d+ km\)", text)
    assert "115" in "\n".join(r.text for r in replies)


def _closed_now(url: str) -> tuple[str, str, Point]:
    """A place of the prepared directory whose temporary closure covers the test clock."""
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT p.name, p.temp_closure, p.lat, p.lon, s.category "
            "FROM place p JOIN service s ON s.place_id = p.id "
            "WHERE p.temp_closure IS NOT NULL AND p.temp_closure != 'null' "
            "AND p.department_code IN ('67', '68') "
            "ORDER BY p.name"
        ).fetchall()
    for name, closure, lat, lon, category in rows:
        period = json.loads(closure)
        start = datetime.fromisoformat(period["start"])
        end = datetime.fromisoformat(period["end"]) if period.get("end") else None
        if start <= NOW and (end is None or end > NOW):
            return name, category, Point(lat, lon)
    raise AssertionError("the sample has no temporary closure in effect")


async def test_temporary_closure_never_listed_as_open(chat: Chat, directory_url: str) -> None:
    name, category, point = _closed_now(directory_url)
    chat.conv = Conversation(need=(category,), pending=Pending.PLACE)
    seen = await chat.text(location=point)
    for _ in range(40):
        if name in seen:
            break
        seen = await chat.text("plus")
    line = next(line for line in seen.splitlines() if name in line)
    state = line.rsplit(") – ", 1)[1]
    assert "ouvert" not in state and "fermé temporairement" in state, line
    number = int(line.split(".")[0])
    details = await chat.text(str(number))
    assert "En ce moment : fermé temporairement" in details


async def test_stale_information_is_flagged_short_in_lists_in_full_in_details(chat: Chat) -> None:
    page = await chat.text("dormir Colmar")
    assert "Infos anciennes : appelez avant." in page
    assert "Infos de plus de 6 mois" not in page
    line = next(line for line in page.splitlines() if "Infos anciennes" in line)
    lines = page.splitlines()
    number = next(
        int(lines[i].split(".")[0]) for i in range(lines.index(line), -1, -1) if re.match(r"\d+\. ", lines[i])
    )
    assert "Infos de plus de 6 mois, appelez avant." in await chat.text(str(number))


async def test_filters_from_words_and_fallback_when_nothing_fits(chat: Chat) -> None:
    replies = await chat.send("Couple avec un chien, cherche où dormir vers Haguenau cette nuit")
    kinds = [r.kind for r in replies]
    assert "115" in replies[0].alerts[0]
    assert ReplyKind.RESULTS in kinds
    assert chat.conv.filters.family == "couple" and chat.conv.filters.animals is False  # nothing fits: all
    assert chat.conv.need == ("accomodation_and_housing",)


async def test_page_size_by_channel(sms: Chat, chat: Chat) -> None:
    assert numbered(await sms.text("manger Mulhouse")) == [1, 2, 3]
    assert numbered(await chat.text("manger Mulhouse")) == [1, 2, 3, 4, 5]


async def test_more_past_the_end(sms: Chat) -> None:
    await sms.send("douche Haguenau")
    for _ in range(30):
        text = await sms.text("plus")
        if "C'est tout dans un rayon de" in text:
            break
    else:
        raise AssertionError("never reached the end")


async def test_bad_input_always_gets_a_short_helpful_answer(chat: Chat, sms: Chat) -> None:
    for text in ("", "   ", "😀😀😀", "\x00\x07\x1b[2J", "a" * 10_000, "plus", "42", "+", "?", "0", "🤷‍♂️ 🙏"):
        for who in (chat, sms):
            who.conv = type(who.conv)()
            replies = await who.send(text)
            assert replies, repr(text)
            assert all(r.text.strip() for r in replies), repr(text)
            assert sum(len(r.text) for r in replies) < 1200, repr(text)
    chat.conv = type(chat.conv)()
    assert "Pas encore de recherche" in await chat.text("plus")
    await chat.send("manger Mulhouse")
    out_of_range = await chat.text("999")
    assert "Il n'y a pas de résultat 999" in out_of_range


async def test_help(chat: Chat) -> None:
    replies = await chat.send("aide")
    assert replies[0].kind is ReplyKind.HELP
    assert "115" in replies[0].text and "STOP" not in replies[0].text


async def test_telegram_place_question_mentions_location(deps: object) -> None:
    tg = Chat(deps, channel=Channel.TELEGRAM)  # type: ignore[arg-type]
    replies = await tg.send("douche")
    assert replies[0].ask_location and "partagez votre position" in replies[0].text


async def test_state_keeps_no_message_text(chat: Chat) -> None:
    await chat.send("mon mari me frappe, je cherche à dormir à Colmar")
    from handlers.sessions import dump

    stored = dump(chat.conv)
    assert "frappe" not in stored and "mari" not in stored


async def test_greetings_and_thanks(chat: Chat) -> None:
    hello = await chat.send("سلام")
    assert hello[0].kind is ReplyKind.HELP and hello[0].lang in ("fa", "ar", "ps")
    chat.conv = Conversation()
    assert (await chat.send("Bonjour"))[0].kind is ReplyKind.HELP
    await chat.send("manger Colmar")
    thanks = await chat.text("merci")
    assert thanks.startswith("Je vous en prie.")
    assert chat.conv.need  # the search is still there for a later "plus"


# --- fixes from the new-user trial ----------------------------------------------------------------


async def test_sleep_means_a_bed_tonight_and_always_shows_115(chat: Chat) -> None:
    spy = recording(chat)
    replies = await chat.send("dormir strasbourg")  # 10:15 in the morning
    assert "115" in replies[0].alerts[0] and replies[0].kind is ReplyKind.RESULTS
    assert chat.conv.need == ("accomodation_and_housing",)
    emergency = {"emergency_accommodation", "overnight_stop", "citizen_housing"}
    assert set(spy.queries[0].categories) == emergency
    assert spy.results and all(emergency & {r.category, *r.other_categories} for r in spy.results)


async def test_eat_means_a_meal_or_food_not_a_fountain_or_a_garden(chat: Chat) -> None:
    spy = recording(chat)
    await chat.send("manger strasbourg")
    categories = set(spy.queries[0].categories)
    assert "food_distribution" in categories and "social_grocery_stores" in categories
    assert not categories & {"fountain", "cooking_workshop", "community_garden", "food"}
    assert all(r.category != "fountain" for r in spy.results)


async def test_a_man_is_not_sent_to_women_only_places(chat: Chat) -> None:
    spy = recording(chat)
    await chat.send("je suis un homme, où dormir à Strasbourg")
    assert chat.conv.filters == Filters(gender="men", family="isolated")
    for _ in range(3):
        await chat.send("plus")
    assert spy.results
    assert not any(r.audience.welcome == 2 and r.audience.genders == ("women",) for r in spy.results)


async def test_violence_gets_its_lines_and_a_next_step(chat: Chat) -> None:
    for text in ("il me cogne", "il m'a tabassée"):  # at home: 3919, and 115 for a safe night
        chat.conv = Conversation()
        replies = await chat.send(text)
        safety = "\n".join(replies[0].alerts)
        assert "3919" in safety and "115" in safety, text
        assert replies[0].kind is ReplyKind.QUESTION and chat.conv.pending == "need", text
    chat.conv = Conversation()
    replies = await chat.send("il me menace avec un couteau")  # danger now: police, or a text to 114
    knife = "\n".join(replies[0].alerts)
    assert "17" in knife and "112" in knife and "114" in knife
    assert chat.conv.pending == "need"


async def test_health_at_night_with_nothing_open_points_to_15(chat: Chat) -> None:
    chat.at = datetime(2026, 11, 17, 23, 30, tzinfo=PARIS)
    replies = await chat.send("médecin Mulhouse")
    assert ReplyKind.RESULTS in [r.kind for r in replies]
    assert replies[-1].text == "Urgence médicale : 15 (SAMU), ou les urgences de l'hôpital."
    assert all("SAMU" not in r.text for r in await chat.send("plus"))  # said once, not with every page
    chat.conv = Conversation()
    chat.at = None
    day = await chat.send("manger Mulhouse")
    assert all("SAMU" not in r.text for r in day)


async def test_a_search_for_sunday_sent_on_tuesday_names_the_days(chat: Chat) -> None:
    page = await chat.text("vetements dimanche strasbourg")
    lines = page.splitlines()
    assert lines[0].startswith("Dimanche vers ")
    states = [line.rsplit(") – ", 1)[1] for line in lines if re.match(r"\d+\. ", line)]
    assert states and not any("demain" in s or "aujourd'hui" in s for s in states), states


async def test_ok_gets_a_kind_answer_not_a_misunderstanding(chat: Chat) -> None:
    for word in ("ok", "oui", "d'accord", "Yes", "OK merci"):
        chat.conv = Conversation(lang="fr")
        replies = await chat.send(word)
        assert len(replies) == 1 and replies[0].kind is ReplyKind.NOTICE, word
        assert "pas compris" not in replies[0].text and "manger Mulhouse" in replies[0].text, word


async def test_polite_stop_and_other_more_words(chat: Chat) -> None:
    for text in ("stop svp", "STOP STP", "arrêter les messages"):
        chat.conv = Conversation()
        replies = await chat.send(text)
        assert replies[0].kind is ReplyKind.CONFIRMATION and chat.conv.opted_out, text
    for word in ("дальше", "далее", "більше", "next"):
        chat.conv = Conversation(lang="fr")
        await chat.send("manger Mulhouse")
        assert numbered(await chat.text(word)) == [6, 7, 8, 9, 10], word


async def test_a_first_english_command_word_is_answered_in_english(chat: Chat) -> None:
    for word, expected in (
        ("unsubscribe", "Done: you will get no more messages"),
        ("help", "I help you"),
        ("language", "Choose your language"),
    ):
        chat.conv = Conversation()
        replies = await chat.send(word)
        assert replies[0].lang == "en" and expected in replies[0].text, word
    chat.conv = Conversation()
    assert (await chat.send("aide"))[0].lang == "fr"


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("halte de nuit mulhouse", "overnight_stop"),
        ("accueil de nuit strasbourg", "overnight_stop"),
        ("hébergement d'urgence homme seul mulhouse", "emergency_accommodation"),
        ("HU mulhouse", "emergency_accommodation"),
        ("CHRS colmar", "long_term_accomodation"),
        ("accueil de jour colmar", "day_hosting"),
        ("bagagerie strasbourg", "luggage_storage"),
    ],
)
async def test_operator_words_are_needs_before_times_and_places(chat: Chat, text: str, need: str) -> None:
    chat.at = datetime(2026, 11, 17, 23, 0, tzinfo=PARIS)
    replies = await chat.send(text)
    assert chat.conv.need == (need,), text
    assert chat.conv.when is None, "'de nuit', 'de jour' are part of the name, not a time"
    assert chat.conv.place is not None and chat.conv.place[2].endswith(")") and "(" in chat.conv.place[2]
    assert ReplyKind.RESULTS in [r.kind for r in replies]
    if need in ("overnight_stop", "emergency_accommodation"):
        assert any("115" in line for r in replies for line in r.alerts)
    if text.startswith("hébergement d'urgence homme"):
        assert chat.conv.filters.gender == "men" and chat.conv.place[2] == "Mulhouse (68)"


async def test_outside_in_the_cold_asking_for_warmth_gets_the_night_places_too(chat: Chat) -> None:
    chat.at = datetime(2026, 11, 17, 23, 0, tzinfo=PARIS)
    replies = await chat.send("il fait -5 ou aller au chaud ce soir mulhouse")
    assert "accomodation_and_housing" in chat.conv.need and "day_hosting" in chat.conv.need
    assert any("115" in line for r in replies for line in r.alerts)
    chat.conv = Conversation()
    replies = await chat.send("il fait froid ce soir, où manger à Colmar")  # another need: as asked
    assert chat.conv.need == ("food",)
    assert any("115" in line for r in replies for line in r.alerts)


async def test_violence_at_home_at_night_gets_police_3919_and_115_first(sms: Chat) -> None:
    sms.at = datetime(2026, 11, 17, 23, 0, tzinfo=PARIS)
    replies = await sms.send("mon mari me frappe je suis a colmar avec mon fils")
    alerts = "\n".join(line for r in replies for line in r.alerts)
    for number in ("17", "112", "114", "3919", "115"):
        assert number in alerts, number
    assert alerts.index("112") < alerts.index("3919") < alerts.index("115")
    assert replies[0].alerts, "the lines come first"
    assert all("SAMU" not in r.text for r in replies), "15 is not the emergency of violence"


async def test_a_lost_child_gets_the_police_first_then_119(sms: Chat) -> None:
    for text in ("I lost my son at Strasbourg station", "Я потеряла сына на вокзале в Страсбурге"):
        sms.conv = Conversation()
        alerts = "\n".join(line for r in await sms.send(text) for line in r.alerts)
        assert "112" in alerts and "119" in alerts, text
        assert alerts.index("112") < alerts.index("119"), text


async def test_a_crisis_at_the_end_of_a_long_message_is_read(chat: Chat) -> None:
    story = "Je vous écris parce que ma vie a beaucoup changé depuis que j'ai perdu mon travail. " * 20
    replies = await chat.send(story + "Et ce soir je veux en finir.")
    assert len(story) > 1000
    assert any("3114" in line for r in replies for line in r.alerts)


async def test_after_stop_a_crisis_still_gets_its_lines_once(sms: Chat) -> None:
    await sms.send("STOP")
    assert await sms.send("manger mulhouse") == ()
    replies = await sms.send("je veux mourir")
    assert len(replies) == 1 and "3114" in replies[0].text and "START" in replies[0].text
    assert sms.conv.opted_out


async def test_3114_heads_every_later_list_once_suicide_was_told(sms: Chat) -> None:
    first = await sms.send("je veux en finir, je dors dehors a mulhouse, ou manger")
    assert sum("3114" in line for r in first for line in r.alerts) == 1  # the message's own line, once
    for text in ("plus", "et demain midi ?", "douche colmar"):
        replies = await sms.send(text)
        assert any("3114" in r.text for r in replies), text
        assert sum(r.text.count("3114") for r in replies) == 1, text
    assert all("3114" not in r.text for r in await sms.send("1"))  # a place's details: the place only
    assert load(dump(sms.conv)).suicide  # a worker's store keeps it between messages
    # a medical emergency told later comes first, as ever (15 before 3114)
    told = "\n".join(
        line
        for r in await sms.send("mon pote fait un malaise, il respire plus, strasbourg")
        for line in r.alerts
    )
    assert "15" in told and told.index("15") < told.index("3114"), told


async def test_3114_is_not_kept_for_an_operator_nor_without_suicide_told(sms: Chat, deps: Deps) -> None:
    from tests.handlers.test_operator_mode import Desk  # noqa: PLC0415

    await sms.send("manger mulhouse")
    assert all("3114" not in r.text for r in await sms.send("plus"))
    # An operator speaks of callers: the next caller's lists are theirs alone.
    operator = Desk(deps, Role.OPERATOR)
    assert "3114" in await operator.text("il veut en finir, un lit a mulhouse")
    assert not operator.conv.suicide
    assert "3114" not in await operator.text("famille avec 3 enfants, dormir strasbourg")


async def test_the_words_of_a_medical_emergency_are_not_what_is_sought(sms: Chat) -> None:
    """A persona trial (2026-12-06): "my water broke colmar" listed drinking water and toilets, "je
    perds les eaux, je suis dans ma voiture" a job centre's car access."""
    spy = recording(sms)
    for text in ("my water broke colmar", "je perds les eaux je suis dans ma voiture colmar"):
        sms.conv = Conversation()
        replies = await sms.send(text)
        assert any("15" in line for r in replies for line in r.alerts), text
        assert not any(
            {"drinking_water", "personal_vehicle_access"} & set(q.categories) for q in spy.queries
        ), text


async def test_a_date_is_searched_on_that_day_and_said(sms: Chat) -> None:
    """A persona trial (2026-12-06): "ya quoi douvert le 1er janvier" on 20 December listed places
    open that day, one of them closed on public holidays."""
    spy = recording(sms)
    sms.at = datetime(2026, 12, 20, 10, 0, tzinfo=PARIS)
    told = await sms.text("ya quoi douvert le 1er janvier pr manger strasbourg")
    assert spy.queries[-1].at == datetime(2027, 1, 1, 8, 0, tzinfo=PARIS)
    assert told.startswith("Vendredi 1er janvier vers 8h"), told


async def test_the_nearest_beyond_the_radius_is_the_nearest(chat: Chat) -> None:
    """A persona trial (2026-12-06): on a Sunday morning "the nearest" vet was one open in Strasbourg
    (97 km), not the one closed then in Colmar (40 km)."""
    chat.at = datetime(2026, 12, 7, 10, 0, tzinfo=PARIS)
    told = await chat.text("vétérinaire solidaire mulhouse")
    assert "Colmar (40 km)" in told, told


async def test_a_bed_asked_beside_a_wish_to_die_is_still_searched(sms: Chat) -> None:
    """A review (2026-12-06): the words of a suicidal phrase read as no need dropped the bed of
    "je voudrais dormir à Mulhouse. dormir pour toujours"; only a body's words (medical) are no need."""
    spy = recording(sms)
    replies = await sms.send("je voudrais dormir a mulhouse. dormir pour toujours")
    assert any("3114" in line for r in replies for line in r.alerts)
    assert spy.queries and "emergency_accommodation" in spy.queries[-1].categories


async def test_an_overdose_gets_15_before_3114(chat: Chat) -> None:
    replies = await chat.send("j'ai avalé toute ma boîte de médocs, je veux plus vivre")
    alerts = "\n".join(line for r in replies for line in r.alerts)
    assert alerts.index("15") < alerts.index("3114")


def test_an_age_given_outweighs_runaway_words() -> None:
    assert not read_alerts("j'ai fugué de chez moi, j'ai 35 ans, où dormir mulhouse").minor
    assert read_alerts("j'ai fugué de chez moi, où dormir mulhouse").minor
    assert read_alerts("pas encore 18 ans, je peux aller au foyer ?").minor


@pytest.mark.parametrize(
    ("text", "lang", "says"),
    [("oublie-moi", "fr", "effacé"), ("forget me", "en", "deleted"), ("забудь меня", "ru", "удалил")],
)
async def test_forget_me_deletes_the_conversation_in_the_senders_language(
    chat: Chat, text: str, lang: str, says: str
) -> None:
    turn = await respond(Conversation(), Incoming(Channel.CONSOLE, "k", text, surface=CONSOLE), chat.deps)
    assert turn.forget and turn.conversation.need == ()
    (reply,) = turn.replies
    assert reply.lang == lang and says in reply.text
    await chat.send("manger strasbourg")
    turn = await respond(chat.conv, Incoming(Channel.CONSOLE, "k", text, surface=CONSOLE), chat.deps)
    assert turn.forget and turn.conversation.need == () and turn.conversation.place is None


async def test_forget_me_after_stop_keeps_the_opt_out_and_says_nothing(chat: Chat) -> None:
    await chat.send("STOP")
    turn = await respond(chat.conv, Incoming(Channel.SMS, "k", "oublie moi", surface=SMS), chat.deps)
    assert turn.forget and turn.conversation.opted_out and turn.replies == ()


async def test_a_shared_position_is_kept_to_about_100_m(chat: Chat) -> None:
    await chat.send("douche")
    await chat.send(location=Point(47.750812, 7.335947))
    assert chat.conv.place is not None and chat.conv.place[:2] == (47.751, 7.336)


@pytest.mark.parametrize("noise", ["<script>alert(1)</script> ' OR 1=1 --", "🙂🙂🙂", "ok ok", "lol"])
async def test_text_without_words_of_another_language_keeps_the_conversations_language(
    sms: Chat, noise: str
) -> None:
    await sms.send("manger colmar")
    replies = await sms.send(noise)
    assert {r.lang for r in replies} == {"fr"}, noise
    assert (await sms.send("🙂🙂🙂"))[0].lang == "fr"


async def test_a_web_chat_opened_in_french_stays_french_on_noise(deps: Deps) -> None:
    web = Chat(deps, channel=Channel.WEB, hint="fr")
    for noise in ("🙂🙂🙂", "<script>alert(1)</script> ' OR 1=1 --", "🙂🙂🙂"):
        assert {r.lang for r in await web.send(noise)} == {"fr"}, noise


@pytest.mark.parametrize(
    ("said", "lang"),
    [("I need a shower", "en"), ("I am at the station now", "en"), ("я на вокзале", "ru")],
)
async def test_real_words_of_another_language_still_switch_it(sms: Chat, said: str, lang: str) -> None:
    await sms.send("manger colmar")
    assert (await sms.send(said))[0].lang == lang


async def test_a_french_acronym_in_a_romanian_sentence_keeps_it_romanian(chat: Chat) -> None:
    """A trial on Telegram (2026-12-06): after a Romanian conversation, "aveți pediatru sau PMI?" was
    answered in French: the French acronym was a need understood, which alone moved the language."""
    first = await chat.send("copilul meu are febră, unde găsesc un medic pentru copii lângă gara Mulhouse?")
    assert first[0].lang == "ro"
    assert {r.lang for r in await chat.send("aveți pediatru sau PMI?")} == {"ro"}
    assert (await chat.send("douche strasbourg"))[0].lang == "fr"  # a need in French words alone: French


async def test_a_postcode_alone_asks_the_need_and_the_menu_answers(sms: Chat) -> None:
    """A new-user trial (2026-12-06): "68100" alone was read as a result's number ("no list yet"), and
    the menu shown then did not take its own numbers, so that "1" got the same answer again."""
    first = await sms.text("68100")
    assert "pas encore de liste" not in first and numbered(first)[:2] == [1, 2]
    assert sms.conv.pending == Pending.NEED
    page = await sms.text("1")
    assert page.startswith("Alimentation près de Mulhouse (68)"), page
    fresh = Chat(sms.deps, channel=Channel.SMS)
    assert "pas encore de liste" in await fresh.text("3")
    assert "c'est noté" in await fresh.text("1")  # the menu's 1: food, then where


async def test_an_age_said_after_a_list_keeps_the_list_for_that_age(chat: Chat) -> None:
    spy = recording(chat)
    await chat.text("je sais pas où dormir ce soir à Strasbourg")
    replies = await chat.send("jai 16 ans")
    assert "119" in replies[0].alerts[0]
    assert replies[-1].kind is not ReplyKind.QUESTION  # the list again, not the menu of needs
    assert spy.queries[-1].filters.age == 16 and spy.queries[-1].categories == spy.queries[0].categories


async def test_ce_soir_after_midnight_is_the_night_in_progress(chat: Chat) -> None:
    chat.at = datetime(2026, 11, 18, 1, 15, tzinfo=PARIS)
    spy = recording(chat)
    await chat.text("je sais pas où dormir ce soir à Strasbourg")
    assert spy.queries[-1].at == chat.at  # not 18:00, seventeen hours later


async def test_a_time_alone_after_a_list_searches_the_same_at_that_time(chat: Chat) -> None:
    """An operators' trial (2026-12-06): "open now" after a list for tomorrow 10:00 was not understood."""
    chat.at = datetime(2026, 11, 17, 15, 0, tzinfo=PARIS)
    spy = recording(chat)
    chat.hint = "en"
    await chat.text("legal aid in Colmar tomorrow 10am")
    assert spy.queries[-1].at == datetime(2026, 11, 18, 10, 0, tzinfo=PARIS)
    page = await chat.text("open now")
    assert spy.queries[-1].at == chat.at and spy.queries[-1].categories == spy.queries[0].categories
    assert "near Colmar (68):" in page and "Tomorrow" not in page
    await chat.text("and tomorrow morning?")
    assert spy.queries[-1].at == datetime(2026, 11, 18, 8, 0, tzinfo=PARIS)


async def test_not_understood_after_a_list_keeps_its_numbers(chat: Chat) -> None:
    """An operators' trial: "précédent" after a list of beds got the menu of needs, so that "7" then
    listed the 7th need (phones) instead of showing the 7th place."""
    await chat.text("hébergement d'urgence Strasbourg")
    shown = chat.conv.total
    sorry = await chat.text("précédent")
    assert "pas compris" in sorry and "PLUS" in sorry and chat.conv.pending is None
    details = await chat.send("2")
    assert details[0].kind is ReplyKind.DETAILS and chat.conv.total == shown
    # a crisis said there still brings its lines first
    replies = await chat.send("je suis mineur")
    assert "119" in replies[0].alerts[0]


async def test_plus_goes_on_past_the_radius_the_first_page_chose(chat: Chat) -> None:
    """An operators' trial (2026-12-06): 14 shelters within 2 km of Strasbourg, then "C'est tout dans un
    rayon de 2 km", with shelters in Illkirch and Hœnheim unseen. PLUS now goes on farther, the numbers
    already shown keeping their places; the list ends at 30 km."""
    chat.at = datetime(2026, 11, 17, 22, 0, tzinfo=PARIS)
    first = await chat.text("hébergement d'urgence Strasbourg")
    inner = chat.conv.total
    assert chat.conv.radius_km is not None and chat.conv.radius_km < 30 and "PLUS" in first
    pages = [first]
    while "PLUS" in pages[-1] and len(pages) < 20:
        pages.append(await chat.text("plus"))
    listed = [n for page in pages for n in numbered(page)]
    assert listed == list(range(1, len(listed) + 1)) and len(listed) > inner
    assert chat.conv.radius_km == 30 and chat.conv.total == len(listed)
    assert "30 km" in await chat.text("plus")
    # every number still names the line it was shown on, in whichever part it is
    lines = {int(line.split(". ")[0]): line for page in pages for line in page.splitlines() if numbered(line)}
    for number in (1, inner, inner + 1, len(listed)):
        details = await chat.send(str(number))
        assert details[0].kind is ReplyKind.DETAILS
        assert lines[number].split(". ", 1)[1].split(" (")[0] in details[0].text, number


async def test_a_crisis_is_never_answered_with_a_near_word(sms: Chat) -> None:
    """A trial by SMS: a minor asking whether 119 calls parents got "Vous cherchez l'un de ceux-ci ?
    1. Téléphone" ("appeler" is near a need's word); now the 119 line and the menu of needs."""
    sms.at = datetime(2026, 11, 18, 1, 21, tzinfo=PARIS)
    replies = await sms.send("c koi le 119 ils vont appeler mes parents?")
    assert "119" in replies[0].alerts[0]
    text = "\n".join(r.text for r in replies)
    assert "Téléphone" not in text and numbered(text)[:2] == [1, 2] and sms.conv.pending == Pending.NEED


async def test_a_pregnant_woman_asking_for_a_doctor_is_searched_for(sms: Chat) -> None:
    """A trial by SMS: "enceinte" says who is asking, so the need read from it was dropped, and with it
    the doctor it stood for: "je suis enceinte medecin mulhouse" got the menu of needs; in pain, no 15."""
    spy = recording(sms)
    sms.at = datetime(2026, 11, 17, 20, 30, tzinfo=PARIS)
    await sms.text("je suis enceinte medecin mulhouse")
    assert "pregnancy_care" in spy.queries[-1].categories
    fresh = Chat(sms.deps, channel=Channel.SMS, at=sms.at)
    replies = await fresh.send(
        "je suis enceinte 7 mois jai pas de papier jai mal au ventre ce soir a mulhouse"
    )
    assert "15" in replies[0].alerts[0]
    assert "pregnancy_care" in spy.queries[-1].categories


async def test_a_crisis_said_after_a_list_keeps_the_list(sms: Chat) -> None:
    """A trial by SMS: a woman shown shelters wrote "il ma suivi jai peur il est devant"; the danger
    line came, then the menu of needs, so that her "1" (the first shelter) listed food 26 km away."""
    sms.at = datetime(2026, 11, 18, 2, 5, tzinfo=PARIS)
    await sms.text("mon mari me frappe je suis dehors avec mes enfants a colmar")
    assert sms.conv.total
    replies = await sms.send("il ma suivi jai peur il est devant")
    assert "17" in replies[0].alerts[0] and sms.conv.pending is None
    details = await sms.send("1")
    assert details[0].kind is ReplyKind.DETAILS


async def test_a_number_past_the_places_shown_names_none(sms: Chat) -> None:
    """A trial by SMS: "6" after a page of three showed the details of a sixth place never listed."""
    await sms.text("manger Mulhouse")
    assert sms.conv.total > 3
    refused = await sms.text("5")
    assert "entre 1 et 3" in refused
    await sms.text("plus")
    details = await sms.send("5")
    assert details[0].kind is ReplyKind.DETAILS


async def test_call_first_only_where_there_is_a_number_to_call(chat: Chat) -> None:
    """A trial: "horaires inconnus, appelez avant" led nowhere for places with no phone."""
    chat.at = datetime(2026, 11, 17, 20, 30, tzinfo=PARIS)
    unknown: list[Result] = []
    for text in ("médecin Mulhouse", "santé sexuelle Mulhouse"):
        spy = recording(chat)
        pages = [await chat.text(text)]
        for _ in range(6):
            pages.append(await chat.text("plus"))
        lines = {int(m[1]): m[2] for page in pages for m in re.finditer(r"^(\d+)\. (.*)$", page, re.M)}
        assert all(q.beyond_km is None for q in spy.queries)  # one search a page: results in the list's order
        unknown += [r for r in spy.results if r.state.open is None]
        for number, line in lines.items():
            result = spy.results[number - 1]
            if result.state.open is None:
                assert ("appelez avant" in line) == bool(result.phone), line
        for number in (n for n, line in lines.items() if "horaires inconnus" in line):
            details = await chat.text(str(number))
            assert "appelez avant" not in details.split("Horaires")[0] or "Tél." in details, details
    assert any(not r.phone for r in unknown) and any(r.phone for r in unknown)  # both kinds checked


async def test_emergency_lines_never_cut_the_names_past_reading(sms: Chat) -> None:
    """A trial by SMS: with three emergency lines, the shelters of the same SMS read "1. Foyer Le Si…
    (Colmar)", and "sur orientation" was left out; the lines now go first in an SMS of their own."""
    sms.at = datetime(2026, 11, 18, 2, 5, tzinfo=PARIS)
    replies = await sms.send("mon mari me frappe je suis dehors avec mes enfants a colmar")
    assert "3919" in "\n".join(replies[0].alerts)
    listed = [r for r in replies if r.kind is ReplyKind.RESULTS][0].text
    names = [line.split(". ", 1)[1] for line in listed.splitlines() if numbered(line)]
    assert names
    for name in names:
        cut = name.split("…")[0].split("...")[0]
        assert "…" not in name and "..." not in name or len(cut) >= 24, name
    assert "orientation" in listed


async def test_what_a_review_found_in_the_new_branches(chat: Chat) -> None:
    """A review of this session's changes (2026-12-06), each case reproduced before its fix."""
    spy = recording(chat)
    chat.at = datetime(2026, 11, 17, 19, 0, tzinfo=PARIS)
    # A menu asked, then words not understood: "1" is the list's first place, not the menu's food.
    await chat.text("manger Strasbourg")
    await chat.text("menu")
    await chat.text("xyzzy blorp")
    assert (await chat.send("1"))[0].kind is ReplyKind.DETAILS
    # "je suis enceinte" after beds says who will come: the beds again, under 115.
    chat.conv = Conversation()
    await chat.text("dormir Strasbourg")
    beds = spy.queries[-1].categories
    replies = await chat.send("je suis enceinte")
    assert spy.queries[-1].categories == beds and spy.queries[-1].filters.family == "pregnant"
    assert any("115" in line for line in replies[0].alerts)
    # An age said before the need stays for it.
    chat.conv = Conversation()
    await chat.text("j'ai 16 ans")
    await chat.text("2")
    await chat.text("Mulhouse")
    assert spy.queries[-1].filters.age == 16
    # A walk and a time in one message: both.
    chat.conv = Conversation()
    await chat.text("manger Strasbourg")
    await chat.text("demain midi à pied")
    assert spy.queries[-1].at == datetime(2026, 11, 18, 12, 0, tzinfo=PARIS) and chat.conv.walk_km
    # A goodbye is no search for tomorrow.
    searched = len(spy.queries)
    assert "Prenez soin de vous" in await chat.text("ok merci a demain")
    assert len(spy.queries) == searched


async def test_an_operator_adding_a_dog_keeps_the_person_described(deps: Deps) -> None:
    from tests.handlers.test_operator_mode import Desk  # noqa: PLC0415

    operator = Desk(deps, Role.OPERATOR)
    await operator.text("homme 40 ans dormir Strasbourg")
    await operator.text("il a un chien, dormir Strasbourg")
    said = operator.spy.queries[-1].filters
    assert (said.gender, said.age, said.animals) == ("men", 40, True)


async def test_an_operators_next_caller_or_menu_drops_the_last_callers_filters(deps: Deps) -> None:
    """A persona trial (2026-12-06): after "CHU colmar monsieur en fauteuil", "nouvel appel : CHU
    mulhouse" and "menu" then "CHU mulhouse" listed only wheelchair-accessible places."""
    from tests.handlers.test_operator_mode import Desk  # noqa: PLC0415

    operator = Desk(deps, Role.OPERATOR)
    await operator.text("CHU colmar monsieur en fauteuil")
    assert operator.spy.queries[-1].filters.wheelchair
    await operator.text("nouvel appel : CHU mulhouse")
    assert operator.spy.queries[-1].filters == Filters()
    await operator.text("CHU colmar homme avec un chien")
    await operator.text("menu")
    await operator.text("CHU mulhouse")
    assert not operator.spy.queries[-1].filters.animals


async def test_a_minor_without_a_bed_is_told_of_119_every_time(sms: Chat) -> None:
    """Trials (2026-12-06): "hébergement ce soir pour un garçon de 16 ans à Mulhouse" brought only
    115 and adult, family and women-only places; a girl who said "jai 17 ans" first had 119 once, and
    none when she asked "dormir" again."""
    spy = recording(sms)
    sms.at = datetime(2026, 12, 11, 22, 40, tzinfo=PARIS)
    told = await sms.text("hébergement ce soir pour un garçon de 16 ans à Mulhouse")
    assert "119" in told.split("Hébergement")[0], told
    # a child the sender comes with is no child alone (a review of the change): no 119; a mother with
    # her son is a family, not a man
    for text in (
        "un lit ce soir pour moi et ma fille de 12 ans à Mulhouse",
        "on dort dehors avec mon fils de 15 ans à Mulhouse",
    ):
        sms.conv = Conversation()
        assert "119" not in await sms.text(text), text
        assert spy.queries[-1].filters.family == "family" and spy.queries[-1].filters.age is None, text
    for text in (
        "une femme avec un garçon de 5 ans, un lit ce soir à Strasbourg",
        "maman solo avec un garçon de 7 ans, dormir mulhouse",
    ):
        sms.conv = Conversation()
        await sms.text(text)
        said = spy.queries[-1].filters
        assert said.family == "family" and said.gender != "men", text
    # a minor alone, whatever family word comes with (a second review): 119; a boy is no woman
    for text in (
        "je suis une petite fille de 12 ans je dors dehors a colmar",
        "je suis une femme de 17 ans enceinte je dors dehors a mulhouse",
        "ma fille de 16 ans dort dehors a mulhouse",
        "hebergement ce soir pour un garcon de 16 ans a strasbourg",
    ):
        sms.conv = Conversation()
        assert "119" in await sms.text(text), text
    assert spy.queries[-1].filters.gender == "men"
    sms.conv = Conversation()
    first = await sms.text("jsuis a mulhouse jsp ou dormir jai quitté chez moi mon pere me frappe jai 17 ans")
    assert "119" in first
    again = await sms.text("dormir")
    assert "119" in again.split("Hébergement")[0] and spy.queries[-1].filters.age == 17, again
    # "pour une jeune fille" is her, not someone else: her age stays (a review of the change)
    await sms.text("un foyer pour une jeune fille a mulhouse")
    assert spy.queries[-1].filters.age == 17
    # an adult's age: no 119
    sms.conv = Conversation()
    assert "119" not in await sms.text("un lit ce soir pour un homme de 40 ans à Mulhouse")
    assert "119" not in await sms.text("dormir")


async def test_someone_else_does_not_bring_the_last_ones_dog(chat: Chat) -> None:
    """A trial (2026-12-06): after "un lit pour un homme avec un chien à Mulhouse", "et pour une femme
    avec un bébé à Strasbourg ?" searched places that take dogs only, and said there were no more."""
    spy = recording(chat)
    chat.at = datetime(2026, 12, 11, 22, 30, tzinfo=PARIS)
    await chat.text("un lit pour un homme avec un chien à Mulhouse")
    assert spy.queries[-1].filters.animals
    await chat.text("et pour une femme avec un bébé à Strasbourg ?")
    said = spy.queries[-1].filters
    assert (said.gender, said.family, said.animals) == ("women", "family", False)
    # Someone named without a gender said before (a second trial): their own search too.
    for first, then in (
        ("bed for me and my dog in strasbourg", "and for a woman with a baby in Colmar?"),
        ("un lit pour un homme avec un chien à Strasbourg", "et pour ma soeur à Strasbourg ?"),
    ):
        chat.conv = Conversation()
        await chat.text(first)
        assert spy.queries[-1].filters.animals, first
        await chat.text(then)
        said = spy.queries[-1].filters
        assert not said.animals and said.gender != "men", then
    # The same person saying more keeps the dog, and her age ("pour une femme": herself).
    chat.conv = Conversation()
    await chat.text("jai 17 ans, je dors dehors a mulhouse avec mon chien")
    await chat.text("un foyer pour une femme a mulhouse")
    assert spy.queries[-1].filters.age == 17 and spy.queries[-1].filters.animals
    for more in ("je suis une femme", "et pour demain ?", "et pour une douche ?"):
        chat.conv = Conversation()
        await chat.text("un lit avec mon chien à Mulhouse")
        await chat.text(more)
        assert spy.queries[-1].filters.animals, more


async def test_a_far_place_says_its_town_by_sms(sms: Chat) -> None:
    """A trial by SMS (2026-12-06): "nowhere to sleep in saint louis" at 01:00 listed "Foyer Le Phare
    (20 km)", "Abri de nuit La Source (22 km)" with no address (no room) and no town: nothing that
    told a person on foot at night that both were in or near Mulhouse."""
    spy = recording(sms)
    sms.at = datetime(2026, 12, 9, 1, 0, tzinfo=PARIS)
    page = await sms.text("nowhere to sleep in saint louis")
    rows = page.splitlines()
    listed = [(k, numbered(row)[0]) for k, row in enumerate(rows) if numbered(row)]
    far = [(k, n) for k, n in listed if spy.results[n - 1].distance_m > 3000]
    assert far, page
    for k, number in far:
        result = spy.results[number - 1]
        assert result.city in rows[k] or result.city in rows[k + 1], (result.city, page)
    assert any(spy.results[n - 1].city in rows[k] for k, n in far)  # no room for the addresses here


async def test_when_115_does_not_answer_the_beds_one_may_walk_into(sms: Chat) -> None:
    """A trial by SMS (2026-12-06): a man at 01:00 who wrote "called 115 no answer. what do i do" was
    told to call 115 and shown three shelters reached only on referral, by the 115 itself ("115" read
    as emergency shelters); the night stops open until 8:00 he had seen before were gone."""
    spy = recording(sms)
    sms.at = datetime(2026, 12, 9, 1, 0, tzinfo=PARIS)
    await sms.text("nowhere to sleep in mulhouse")
    for text in (
        "called 115 no answer. what do i do",
        "le 115 ne repond pas",
        "115 не отвечает",
        "jai appele le 115 personne decroche",  # "décrocher" is also to quit drugs: no addiction care
    ):
        await sms.text(text)
        query = spy.queries[-1]
        assert query.filters.no_referral, text
        assert set(query.categories) == set(searched_categories((SLEEP,))), text
        shown = spy.results[-3:]
        assert shown and not any(kind == "referral" for r in shown for kind, _ in r.conditions), text
        assert any(r.state.open for r in shown), text
        sms.conv = replace(sms.conv, filters=Filters())
    # Violence told later: the shelters reached through 3919 or the police are no longer hidden (a
    # review of the change: the walk-in filter outlived the 115's silence).
    sms.conv = Conversation()
    await sms.text("le 115 ne repond pas je suis a strasbourg avec mes enfants")
    assert spy.queries[-1].filters.no_referral
    await sms.text("mon mari me frappe, un hebergement pour femmes victimes de violence")
    assert not spy.queries[-1].filters.no_referral


async def test_a_doctor_is_a_doctor(sms: Chat) -> None:
    """A trial (2026-12-06): "medecin mulhouse" at 10:00 listed a women's day centre for victims of
    sexual violence first, then a children's clinic: "médecin" searched the whole of health."""
    spy = recording(sms)
    sms.at = datetime(2026, 12, 9, 10, 0, tzinfo=PARIS)
    for text in ("medecin mulhouse", "je suis malade mulhouse", "I need a doctor in Mulhouse"):
        await sms.text(text)
        assert spy.results, text
        shown = {r.category for r in spy.results}
        assert shown <= {"general_practitioner", "find_healthcare", "infirmary", "health_assessment"}, shown
        spy.results.clear()
    # A doctor for a child: the children's clinics take their turn on the first page.
    for text in (
        "medecin pour mon fils mulhouse",
        "copilul meu are febră, unde găsesc un medic la Mulhouse?",
    ):
        await sms.text(text)
        assert spy.results[1].category == "child_care", [r.category for r in spy.results]
        spy.results.clear()


async def test_two_needs_each_have_their_turn_on_the_page(sms: Chat) -> None:
    """A trial (2026-12-06): "manger et medecin mulhouse" by SMS at 10:00 listed three care places,
    the nearest of either need, and no food; five on Telegram, no food either. Each need now has its
    turn, and the numbers still name the lines shown across pages."""
    spy = recording(sms)
    sms.at = datetime(2026, 12, 8, 10, 0, tzinfo=PARIS)
    first = await sms.text("manger et medecin mulhouse")
    assert len(spy.queries[0].groups) == 2 and len(numbered(first)) == 3
    page = spy.results[:3]
    food, health = (taxonomy().expand(list(group)) for group in (("food",), ("health",)))
    assert page[0].category in food and page[1].category in health, [r.category for r in page]
    second = await sms.text("plus")
    assert numbered(second)[0] == 4
    line = next(line for line in second.splitlines() if line.startswith("4. "))
    details = await sms.send("4")
    assert details[0].kind is ReplyKind.DETAILS
    assert line.split(". ", 1)[1].split(" (")[0].rstrip("…") in details[0].text


async def test_without_papers_a_bed_is_said_to_be_for_everyone(sms: Chat) -> None:
    """A persona trial (2026-12-06): "je suis sans papiers est ce que je peux aller au 115 sans me faire
    arreter" had a shelter list and nothing of the fear; "j'ai pas de papiers" listed digital help."""
    spy = recording(sms)
    told = await sms.text(
        "je suis sans papiers est ce que je peux aller au 115 sans me faire arreter, mulhouse"
    )
    assert "pour tout le monde, avec ou sans papiers" in told, told
    # said, not searched on nor kept (a review: places for asylum seekers were hidden from them)
    assert spy.queries[-1].filters.administrative is None and "undocumented" not in dump(sms.conv)
    sms.conv = Conversation()
    assert "avec ou sans papiers" not in await sms.text("un lit a mulhouse")


async def test_leaving_prison_is_understood(sms: Chat) -> None:
    spy = recording(sms)
    await sms.text("je sors de prison aujourdhui jai rien, mulhouse")
    assert spy.queries and "social_accompaniment" in spy.queries[-1].categories


@pytest.mark.parametrize(
    "text",
    [
        "kocam beni dovuyor, cocuklarimla evden ciktim, mulhouse, nereye gidebilirim",  # Turkish
        "kocam beni dövüyor, çocuklarımla evden çıktım, mulhouse, nereye gidebilirim",  # its own letters
        "Wo kann ich heute essen in Strasbourg",  # German
    ],
)
async def test_a_message_in_a_language_we_do_not_read_gets_the_emergency_numbers_first(
    sms: Chat, text: str
) -> None:
    """A persona trial (2026-12-06): a woman writing in Turkish that her husband beats her had the
    French menu alone."""
    replies = await sms.send(text)
    first = replies[0].text.splitlines()[0]
    assert "112" in first and "3919" in first and "17" in first, first
    for ours in ("manger mulhouse", "bonjour", "je veux manger", "asdf"):
        sms.conv = Conversation()
        assert all("médical 15" not in r.text for r in await sms.send(ours)), ours


async def test_a_wheelchair_said_after_a_list_is_who_comes_not_a_need(sms: Chat) -> None:
    """A persona trial (2026-12-06): "je suis en fauteuil roulant" after "manger colmar" searched
    disability advice, "nothing within 200 km"."""
    spy = recording(sms)
    await sms.text("manger colmar")
    await sms.text("je suis en fauteuil roulant")
    later = spy.queries[1:]
    assert later and all(q.categories == spy.queries[0].categories for q in later)
    assert later[0].filters.wheelchair


async def test_syringes_at_night_cost_no_medical_emergency_sms(sms: Chat) -> None:
    """A persona trial (2026-12-06): "seringues" at 21:30, every place closed, had a second paid SMS,
    "Urgence médicale : 15"; a doctor asked then still has it."""
    sms.at = datetime(2026, 12, 29, 21, 30, tzinfo=PARIS)
    assert all("15 (SAMU)" not in r.text for r in await sms.send("seringues mulhouse"))
    sms.conv = Conversation()
    assert any("15 (SAMU)" in r.text for r in await sms.send("dentiste mulhouse"))


async def test_a_mother_alone_with_her_children_is_still_a_family(sms: Chat) -> None:
    """A review (2026-12-06): "je suis seule" after "moi et mes 2 enfants" turned the family into one
    person and hid the family shelters."""
    spy = recording(sms)
    await sms.text("un lit pour moi et mes 2 enfants a mulhouse")
    await sms.text("je suis seule")
    assert spy.queries[-1].filters.family == "family"


async def test_a_volunteers_next_person_does_not_keep_the_last_ones_dogs(sms: Chat) -> None:
    """A persona trial (2026-12-06): after "homme avec 2 chiens, dormir ce soir strasbourg", "maintenant
    une maman avec son bebe, dormir ce soir" got the dog man's list, then "C'est tout"."""
    spy = recording(sms)
    await sms.text("homme avec 2 chiens, dormir ce soir strasbourg")
    assert spy.queries[-1].filters.animals
    await sms.text("maintenant une maman avec son bebe, dormir ce soir")
    said = spy.queries[-1].filters
    assert not said.animals and said.gender == "women" and said.family == "family", said

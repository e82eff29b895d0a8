from datetime import UTC, datetime, timedelta

import pytest

from search.when import PARIS, find_when

NOW = datetime(2026, 11, 17, 10, 15, tzinfo=PARIS)  # a Tuesday


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


CASES = [
    # (text, an instant the window must contain, label or None)
    ("maintenant", NOW + timedelta(minutes=1), "now"),
    ("tout de suite", NOW + timedelta(minutes=1), "now"),
    ("now", NOW + timedelta(minutes=1), "now"),
    ("manger ce midi", at(17, 12, 30), "noon"),
    ("repas gratuit strasbourg ce soir", at(17, 19, 30), "evening"),
    ("dormir ce soir", at(17, 19, 30), "evening"),
    ("where can I sleep in Colmar tonight", at(17, 19, 30), "tonight"),
    ("where can I sleep in Colmar tonight", at(17, 23), "tonight"),
    ("hebergement d'urgence strasbourg cette nuit", at(17, 23), "night"),
    ("cette nuit", at(18, 7), "night"),
    ("cet nuit", at(17, 23), "night"),
    ("cette nui", at(17, 23), "night"),
    ("ce matin", at(17, 11), "morning"),
    ("cet aprem", at(17, 15), "afternoon"),
    ("cet après-midi", at(17, 15), "afternoon"),
    ("manger demain a haguenau", at(18, 12), "tomorrow"),
    ("2main", at(18, 12), "tomorrow"),
    ("dem1", at(18, 12), "tomorrow"),
    ("demain matin", at(18, 9), "morning"),
    ("demain soir", at(18, 19, 30), "evening"),
    ("après-demain", at(19, 12), "after_tomorrow"),
    ("apres demain", at(19, 12), "after_tomorrow"),
    ("prendre une douche mulhouse samedi", at(21, 11), "day"),
    ("saturday", at(21, 11), "day"),
    ("dimanche", at(22, 11), "day"),
    ("lundi prochain", at(23, 11), "day"),
    ("mardi prochain", at(24, 11), "day"),
    ("samedi soir", at(21, 19, 30), "evening"),
    ("ce week-end", at(21, 1), "weekend"),
    ("ce w-e", at(22, 22), "weekend"),
    ("this weekend", at(22, 12), "weekend"),
    ("à 18h", at(17, 18, 30), "time"),
    ("18h30", at(17, 18, 45), "time"),
    ("vers 20h", at(17, 20, 10), "time"),
    ("at 6pm", at(17, 18, 5), "time"),
    ("a 9h", at(18, 9, 30), "time"),  # 9h has passed today: tomorrow morning
    ("demain à 9h", at(18, 9, 30), "time"),
    ("ce soir à 8h", at(17, 20, 30), "time"),
    ("18:30", at(17, 18, 40), "time"),
    ("aujourd'hui", NOW + timedelta(hours=1), "today"),
    # other languages
    ("this evening", at(17, 19, 30), "evening"),
    ("today", NOW + timedelta(hours=1), "today"),
    ("tomorrow", at(18, 12), "tomorrow"),
    ("esta noche", at(17, 23), "tonight"),
    ("mañana", at(18, 12), "tomorrow"),
    ("hoy", NOW + timedelta(hours=1), "today"),
    ("сегодня вечером", at(17, 19, 30), "evening"),
    ("где поспать ночью", at(17, 23), "night"),
    ("завтра", at(18, 12), "tomorrow"),
    ("сьогодні ввечері", at(17, 19, 30), "evening"),
    ("вночі", at(17, 23), "night"),
    ("الليلة", at(17, 23), "tonight"),
    ("غدا", at(18, 12), "tomorrow"),
    ("اليوم", NOW + timedelta(hours=1), "today"),
    ("امشب", at(17, 23), "tonight"),
    ("فردا", at(18, 12), "tomorrow"),
    ("امروز", NOW + timedelta(hours=1), "today"),
    ("نن شپه", at(17, 23), "tonight"),
    ("سبا", at(18, 12), "tomorrow"),
    ("aquesta nit", at(17, 23), "tonight"),
    ("demà", at(18, 12), "tomorrow"),
    ("avui", NOW + timedelta(hours=1), "today"),
    ("ამაღამ", at(17, 23), "tonight"),
    ("ხვალ", at(18, 12), "tomorrow"),
    ("დღეს", NOW + timedelta(hours=1), "today"),
    ("diseară", at(17, 19, 30), "evening"),
    ("mâine", at(18, 12), "tomorrow"),
    ("azi", NOW + timedelta(hours=1), "today"),
    ("esta noite", at(17, 23), "tonight"),
    ("amanhã", at(18, 12), "tomorrow"),
    ("hoje", NOW + timedelta(hours=1), "today"),
    ("ساعت ۶ عصر", at(17, 18, 30), "time"),
]


@pytest.mark.parametrize(("text", "instant", "label"), CASES)
def test_window_contains_the_meant_instant(text: str, instant: datetime, label: str) -> None:
    w = find_when(text, NOW)
    assert w is not None, text
    assert w.start <= instant <= w.end, (w.start, w.end)
    assert w.label == label
    assert w.start < w.end
    assert w.start.utcoffset() == timedelta(hours=1)


def test_span_covers_the_time_words() -> None:
    text = "repas gratuit strasbourg ce soir"
    w = find_when(text, NOW)
    assert w is not None and w.span is not None and text[w.span[0] : w.span[1]] == "ce soir"
    text = "manger demain à 9h svp"
    w = find_when(text, NOW)
    assert w is not None and w.span is not None and text[w.span[0] : w.span[1]] == "demain à 9h"


def test_weekday_today_is_today_while_it_is_daytime() -> None:
    w = find_when("mardi", NOW)
    assert w is not None and w.start == NOW and w.end >= at(17, 20)


def test_ce_soir_late_is_still_tonight_and_night_after_midnight_is_the_current_one() -> None:
    late = datetime(2026, 11, 17, 21, 0, tzinfo=PARIS)
    w = find_when("ce soir", late)
    assert w is not None and w.start == late and w.end.day == 17
    small_hours = datetime(2026, 11, 18, 2, 0, tzinfo=PARIS)
    w = find_when("cette nuit", small_hours)
    assert w is not None and w.start <= small_hours + timedelta(minutes=1) <= w.end


def test_sunday_weekend_and_daylight_saving() -> None:
    sunday = datetime(2026, 11, 22, 15, 0, tzinfo=PARIS)
    w = find_when("ce week-end", sunday)
    assert w is not None and w.start <= sunday + timedelta(hours=1) <= w.end
    summer = datetime(2026, 7, 1, 10, 0, tzinfo=PARIS)
    w = find_when("ce soir", summer)
    assert w is not None and w.start.utcoffset() == timedelta(hours=2)


def test_utc_now_is_read_in_paris_time() -> None:
    utc_now = datetime(2026, 11, 17, 9, 15, tzinfo=UTC)
    w = find_when("ce soir", utc_now)
    assert w is not None and w.start == at(17, 18)


@pytest.mark.parametrize(
    "text",
    [
        "manger paris 18",
        "douche 68100",
        "67000",
        "2",
        "2 enfants",
        "j'ai 25 ans",
        "ouvert 24h/24",
        "7j/7",
        "manger mulhouse",
        "hello",
        "salut",
        "je dors dans la rue",
        "paris 18e",
        "lyon 3e",
        "appelle le 115",
        "06 12 34 56 78",
        "version 1.2",
        "score 3:0 ce match",
    ],
)
def test_numbers_that_are_not_times(text: str) -> None:
    w = find_when(text, NOW)
    assert w is None, (text, w)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "🙂🙂🙂",
        "\x00\x01\u202e\u200b",
        "'; DROP TABLE t; --",
        "x" * 10_000,
        "\ud800",
        bytes(range(256)).decode("latin-1"),
        "ce soir " * 2000,
    ],
)
def test_bad_input_never_raises(text: str) -> None:
    w = find_when(text, NOW)
    assert w is None or w.start <= w.end


def test_naive_now_is_taken_as_paris_time() -> None:
    w = find_when("demain", datetime(2026, 11, 17, 10, 15))  # noqa: DTZ001
    assert w is not None and w.start == at(18, 8)


def test_for_the_night_runs_a_day_into_the_next_morning() -> None:
    from search.when import for_the_night

    today = find_when("aujourd'hui", NOW)
    assert today is not None
    night = for_the_night(today)
    assert night.start == today.start and night.end == at(18, 8)
    samedi = find_when("samedi", NOW)
    assert samedi is not None
    saturday = for_the_night(samedi)
    assert saturday.start == at(21, 8) and saturday.end == at(22, 8)


@pytest.mark.parametrize("text", ["ce soir", "à 18h", "ce matin", "maintenant", "ce week-end"])
def test_for_the_night_keeps_parts_of_the_day_and_clock_times(text: str) -> None:
    from search.when import for_the_night

    window = find_when(text, NOW)
    assert window is not None
    assert for_the_night(window) == window


EVE = datetime(2026, 12, 24, 16, 0, tzinfo=PARIS)
JUNE = datetime(2026, 6, 15, 10, 0, tzinfo=PARIS)
END_OF_JANUARY = datetime(2027, 1, 31, 10, 0, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("text", "now", "day", "hour"),
    [  # a persona trial (2026-12-06): every one of these was answered for the day it was sent
        ("c ouvert le 25 ? restau du coeur mulhouse", EVE, (2026, 12, 25), 8),
        ("ya quoi douvert le 1er janvier pr manger strasbourg", EVE, (2027, 1, 1), 8),
        ("is the day centre open on christmas day? strasbourg", EVE, (2026, 12, 25), 8),
        ("manger le 31 au soir a mulhouse", EVE, (2026, 12, 31), 18),
        ("nouvel an dormir colmar", EVE, (2027, 1, 1), 8),
        ("jour de noel manger", EVE, (2026, 12, 25), 8),
        ("le 25/12 a midi", EVE, (2026, 12, 25), 12),
        ("25 décembre à 12h", EVE, (2026, 12, 25), 12),
        ("december 25th at noon", EVE, (2026, 12, 25), 12),
        ("ouvert le 05/01 ?", EVE, (2027, 1, 5), 8),
        ("25 de diciembre comer", EVE, (2026, 12, 25), 8),
        ("25 декабря поесть", EVE, (2026, 12, 25), 8),
        ("25 грудня поїсти", EVE, (2026, 12, 25), 8),
        # a second reading (review, 2026-12-06): eves, a year said, a day the month lacks
        ("le soir du nouvel an", EVE, (2026, 12, 31), 18),
        ("on new year's eve", EVE, (2026, 12, 31), 8),
        ("la nuit de noel", datetime(2026, 12, 20, 10, 0, tzinfo=PARIS), (2026, 12, 24), 20),
        ("25 décembre 2026", EVE, (2026, 12, 25), 8),
        ("manger le 14 juillet", JUNE, (2026, 7, 14), 8),
        ("ouvert le 30 ?", END_OF_JANUARY, (2027, 3, 30), 8),
    ],
)
def test_a_calendar_date_is_that_day(text: str, now: datetime, day: tuple[int, int, int], hour: int) -> None:
    found = find_when(text, now)
    assert found is not None, text
    start = found.start.astimezone(PARIS)
    assert (start.year, start.month, start.day, start.hour) == (*day, hour), text


@pytest.mark.parametrize("now", [EVE, JUNE, END_OF_JANUARY])
@pytest.mark.parametrize(
    "text",
    [
        "le 3 est fermé",  # a result of the list
        "le 3 a un mauvais numéro",
        "le 2 le soir ?",
        "ouvert 7/7",
        "ouvert 24h/24",
        "un repas à strasbourg ouvert 24/7",
        "on est 3/4 a dormir",
        "manger au 3 rue de la paix",
        "je suis a la rue depuis le 15 novembre",  # a day gone by
        "je suis à la rue depuis le 2 mai",
        "expulsé le 12/05",
        "né le 12/03/90",
        "né le 12 mars 1990",
        "à la rue depuis le 3 janvier 2025",
        "je suis avenue du 4 septembre strasbourg, où manger ?",  # a street's name
        "4 rue du 14 juillet 68100 mulhouse",
        "place du 8 mai 1945",
        "we need a bed for the 3 of us in strasbourg",  # counts
        "need food for the 2 kids",
        "on the 15 bus",
        "may 2 people sleep here",  # a verb; Romanian "mai": more
        "mai 2 nopti",
        "ya un repas de noel a mulhouse ?",  # a Christmas meal, not the 25th
        "ouvert le 31 fevrier",
    ],
)
def test_numbers_and_words_that_are_not_a_date(text: str, now: datetime) -> None:
    found = find_when(text, now)
    assert found is None or found.start.date() == now.date(), text


def test_tomorrow_said_before_sleeping_is_the_day_that_dawns() -> None:
    """A persona trial (2026-12-06): "demain" at 1:30 on 25 December was searched on the 26th."""
    night = datetime(2026, 12, 25, 1, 30, tzinfo=PARIS)
    found = find_when("demain", night)
    assert found is not None and found.start == datetime(2026, 12, 25, 8, 0, tzinfo=PARIS)
    after = find_when("apres demain", night)
    assert after is not None and after.start.date() == datetime(2026, 12, 26).date()
    day = find_when("demain", datetime(2026, 12, 25, 10, 30, tzinfo=PARIS))
    assert day is not None and day.start == datetime(2026, 12, 26, 8, 0, tzinfo=PARIS)
    gone = find_when("demain a 1h", datetime(2026, 12, 25, 2, 0, tzinfo=PARIS))  # not an hour gone by
    assert gone is not None and gone.start == datetime(2026, 12, 26, 1, 0, tzinfo=PARIS)


@pytest.mark.parametrize(
    "text",
    ["jsuis enceinte de 7 mois jai mal au ventre depuis ce matin colmar", "since this morning i have pain"],
)
def test_a_time_gone_by_is_no_time_to_search(text: str) -> None:
    """A check by SMS before stopping (2026-12-06): a pregnant woman in pain "depuis ce matin", at
    18:00, was searched tomorrow at 8."""
    assert find_when(text, datetime(2026, 12, 24, 18, 0, tzinfo=PARIS)) is None

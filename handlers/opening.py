"""Opening hours in words: "ouvert jusqu'à 18h", "fermé aujourd'hui, ouvre lundi à 9h", a week's lines."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from handlers.i18n import babel_locale, capitalized, clock, day_month, join, weekday
from handlers.untrusted import defuse
from locales import gettext
from search import DAY_END, Openness, OpenState, Period, Timing, Week

DOMAIN = "hours"
CLOSING_SOON = timedelta(minutes=30)
_TICK = timedelta(microseconds=1)  # a closure covers its end instant: its last day is the one before


def _t(lang: str, msgid: str, **values: object) -> str:
    return gettext(lang, DOMAIN, msgid, **values)


def describe(
    state: OpenState,
    at: datetime,
    lang: str,
    now: datetime | None = None,
    *,
    brief: bool = False,
    phone: bool = True,
) -> str:
    """A few words for an SMS: open until when, or when it opens next.

    Args:
        now: the real present, when `at` is a searched instant. If their local dates differ
            ("clothes on Sunday" asked on a Tuesday), "today"/"tomorrow" would be read from the
            phone's today, so days are named ("closed Sunday, opens Monday at 9h").
        brief: for a list line that shows the phone number next to it (SMS in UCS-2 scripts):
            "hours unknown", the phone says the rest.
        phone: the place has a number to call; without one, unknown hours are not "call first"."""
    text = _describe(state, at, lang, now, brief=brief or (not phone and state.openness is Openness.UNKNOWN))
    if not state.holiday_unsure:
        return text
    if brief:
        return _t(lang, "usually {state}, holiday: call", state=text)
    return _t(lang, "usually {state} – public holiday, call first", state=text)


def _describe(state: OpenState, at: datetime, lang: str, now: datetime | None, *, brief: bool) -> str:
    if state.openness is Openness.UNKNOWN:
        return _t(lang, "hours unknown") if brief else _t(lang, "hours unknown, call first")
    if state.reason == "status":
        return _t(lang, "closed")
    if state.reason == "temporary_closure":
        if state.closed_until is None:
            return _t(lang, "temporarily closed")
        return _t(
            lang, "temporarily closed until {date}", date=day_month((state.closed_until - _TICK).date(), lang)
        )
    if state.reason == "holiday":
        return _t(lang, "closed (public holiday)")
    target = state.closes_at if state.open else state.opens_at
    if target is None:
        return _t(lang, "open 24/7") if state.open else _t(lang, "closed")
    searched = at.astimezone(target.tzinfo)
    today = searched.date()
    named = now is not None and now.astimezone(target.tzinfo).date() != today
    ahead = (target.date() - today).days
    hhmm = clock(target.time(), lang)
    day = weekday(target.date(), lang)
    if state.open:
        left = target.astimezone(UTC) - searched.astimezone(UTC)
        if left <= CLOSING_SOON:  # someone on foot may arrive to a closed door: say how long is left
            minutes = max(1, int(left.total_seconds()) // 60)  # the whole minutes left: never more
            return _t(lang, "closes in {minutes} min, at {time}", minutes=minutes, time=hhmm)
        if target.time() == time() and ahead == 1:
            return _t(lang, "open until midnight")
        if ahead == 0:
            return _t(lang, "open until {time}", time=hhmm)
        if ahead == 1 and not named:
            return _t(lang, "open until {time} tomorrow", time=hhmm)
        if ahead > 6:  # "until Monday" would be read as the coming one; midnight ends the day before
            last = target - timedelta(days=1) if target.time() == time() else target
            ends = clock(target.time(), lang, end=True)
            return _t(lang, "open until {date} at {time}", date=day_month(last.date(), lang), time=ends)
        return _t(lang, "open until {day} at {time}", day=day, time=hhmm)
    if ahead == 0:
        return _t(lang, "opens at {time}", time=hhmm)
    if ahead > 6:
        return _t(lang, "closed, opens on {date} at {time}", date=day_month(target.date(), lang), time=hhmm)
    if state.today:  # it did or will open today: "closed today" would be wrong
        if ahead == 1 and not named:
            return _t(lang, "closed, opens tomorrow at {time}", time=hhmm)
        return _t(lang, "closed, opens {day} at {time}", day=day, time=hhmm)
    if named:
        return _t(
            lang,
            "closed {weekday}, opens {day} at {time}",
            weekday=weekday(today, lang),
            day=day,
            time=hhmm,
        )
    if ahead == 1:
        return _t(lang, "closed today, opens tomorrow at {time}", time=hhmm)
    return _t(lang, "closed today, opens {day} at {time}", day=day, time=hhmm)


def _merged_nights(week: Week) -> list[list[tuple[int, int]]]:
    """The week's slots per day, a night running past midnight joined onto its first day."""
    days = [list(d) for d in week.days]
    shown: list[list[tuple[int, int]]] = [[(s.start, s.end) for s in d] for d in days]
    for i in range(7):
        following = days[(i + 1) % 7]
        if days[i] and 0 < days[i][-1].start and days[i][-1].end == DAY_END and following:
            head = following[0]
            if head.start == 0 and head.end < DAY_END and (head.start, head.end) in shown[(i + 1) % 7]:
                shown[i][-1] = (days[i][-1].start, head.end)
                shown[(i + 1) % 7].remove((head.start, head.end))
    return shown


def _hours(slots: list[tuple[int, int]], lang: str) -> str:
    if slots == [(0, DAY_END)]:
        return _t(lang, "open 24 hours")
    if not slots:
        return _t(lang, "closed")
    return join(
        [
            f"{clock(time(a // 60, a % 60), lang)}–{clock(time(b // 60 % 24, b % 60), lang, end=True)}"
            for a, b in slots
        ],
        lang,
    )


def describe_week(week: Week | None, lang: str, *, compact: bool = False) -> tuple[str, ...]:
    """Seven lines, Monday first; a night running past midnight reads as one range on its first day.
    Empty when the hours are unknown (say so with `describe`).

    `compact` is for SMS in UCS-2 scripts, where 67 characters make a segment: runs of days with
    the same hours share one line under abbreviated names ("Пн–Пт: 9:00–17:00")."""
    if week is None:
        return ()
    shown = _merged_nights(week)
    if compact:
        return _compact_week(shown, lang)
    names = get_day_names("wide", context="stand-alone", locale=babel_locale(lang))
    return tuple(
        _t(lang, "{day}: {hours}", day=capitalized(str(names[i]), lang), hours=_hours(slots, lang))
        for i, slots in enumerate(shown)
    )


def _compact_week(shown: list[list[tuple[int, int]]], lang: str) -> tuple[str, ...]:
    names = get_day_names("abbreviated", context="stand-alone", locale=babel_locale(lang))
    lines: list[str] = []
    i = 0
    while i < 7:
        j = i
        while j + 1 < 7 and shown[j + 1] == shown[i]:
            j += 1
        if shown[i]:  # closed days are the ones not listed
            first = capitalized(str(names[i]), lang)
            days = first if i == j else f"{first}–{capitalized(str(names[j]), lang)}"
            lines.append(_t(lang, "{day}: {hours}", day=days, hours=_hours(shown[i], lang)))
        i = j + 1
    return tuple(lines)


ANNOUNCED_DAYS = 15  # Soliguide shows a temporary change from 15 calendar days before its first day


def _announced(period: Period, at: datetime, tz: ZoneInfo) -> bool:
    """Running, or starting within ANNOUNCED_DAYS calendar days of `at`'s local date (Soliguide's
    computeValidity: "incoming" from 15 days ahead, "current" until its last day)."""
    if period.end is not None and period.end < at:
        return False
    return (period.start.astimezone(tz).date() - at.astimezone(tz).date()).days <= ANNOUNCED_DAYS


def _period(period: Period, at: datetime, lang: str, tz: ZoneInfo) -> str | None:
    """ "until 29 December", "from 22 to 29 December", "on 25 December" (a period's end is its last
    instant), its days read in the place's time zone; None for a period already running with no end."""
    last = (period.end - _TICK).astimezone(tz).date() if period.end is not None else None
    if period.start <= at:
        return _t(lang, "until {date}", date=day_month(last, lang)) if last else None
    first = period.start.astimezone(tz).date()
    if last is None:
        return _t(lang, "from {date}", date=day_month(first, lang))
    if last == first:
        return _t(lang, "on {date}", date=day_month(first, lang))
    return _t(lang, "from {start} to {end}", start=day_month(first, lang), end=day_month(last, lang))


def hours_in_force(timing: Timing, at: datetime, lang: str, *, compact: bool = False) -> tuple[str, ...]:
    """The hours to go by at `at`: temporary hours when they run (with their period, the regular week
    dropped on a terse surface), else the regular week, then a temporary change about to start.

    The change's reason ("Horaires réduits pendant les travaux") is the place's own words: it follows
    our heading on the same line, so that it never stands alone as a line the bot would write."""
    regular = _indented(describe_week(timing.week, lang, compact=compact))
    temp = timing.temp_hours
    tz = ZoneInfo(timing.tz)
    if temp is None or not _announced(temp[0], at, tz):
        return (_t(lang, "Opening hours:"), *regular) if regular else ()
    period, week = temp
    when = _period(period, at, lang, tz)
    why = defuse(period.text or "")
    if week is None:
        changed: tuple[str, ...] = (_with_reason(_closed(when, lang), why),)
    else:
        head = _t(lang, "Temporary hours {period}:", period=when) if when else _t(lang, "Temporary hours:")
        changed = (_with_reason(head, why), *_indented(describe_week(week, lang, compact=compact)))
    if period.start <= at:
        usual = (_t(lang, "Usual hours:"), *regular) if regular and not compact else ()
        return (*changed, *usual)
    return ((_t(lang, "Opening hours:"), *regular) if regular else ()) + changed


def _indented(lines: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"  {line}" for line in lines)


def closure_lines(timing: Timing, at: datetime, lang: str) -> tuple[str, ...]:
    """A temporary closure running or about to start, with its reason ("travaux", "congés")."""
    lines = []
    tz = ZoneInfo(timing.tz)
    for period in timing.closures:
        if not _announced(period, at, tz):
            continue
        line = _closed(_period(period, at, lang, tz), lang)
        lines.append(_with_reason(line, defuse(period.text or "")))
    return tuple(lines)


def _with_reason(line: str, reason: str) -> str:
    return f"{line} {reason}" if reason else line


def _closed(period: str | None, lang: str) -> str:
    return _t(lang, "Closed {period}.", period=period) if period else _t(lang, "Closed until further notice.")

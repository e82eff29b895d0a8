"""The conversation: (state, message) → (state', replies); search and clock come in Deps, no I/O here."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import datetime

import locales
from handlers import reporting, sending
from handlers.deps import Deps, UnderstandingLike, WindowLike
from handlers.filters import Who, read_who
from handlers.generic_needs import SLEEP, WARM
from handlers.i18n import DEFAULT_LANG, LANGUAGES, autonym, reply_language, t
from handlers.keywords import Command, clean, parse
from handlers.model import Conversation, Incoming, Pending, Reply, ReplyKind, Role, Turn
from handlers.operators import Jargon, read_code, read_jargon, redemption_reply, with_jargon
from handlers.outreach import read_walk, says_here
from handlers.questions import MAIN_NEEDS, ask_place, help_reply, language_menu, need_choice, need_menu
from handlers.safety import CATEGORIES, Alerts, read_alerts, safety_lines
from handlers.searching import Ctx, details, lines_first, more, notice, proceed, seen
from handlers.terms import FoldedText
from search import PARIS, Filters, street_span, words_of

log = logging.getLogger(__name__)

MAX_CHOICES = 5
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
POSITION_DECIMALS = 3  # a shared position is kept to about 100 m, enough to rank places nearby


_ALSO_SOUGHT = frozenset({"pregnancy_care"})  # needs read from words that also say who is asking
CHILD_CARE = "child_care"  # what a doctor is also, when a child is said to come
_TOWN_WIDE = frozenset({"commune", "postcode", "locality", "arrondissement"})  # a point at a town's centre
SWITCH_WORDS = 3.0  # lexicon words of another language that move a conversation whose language is known


def _worth_detecting(
    text: str, understanding: UnderstandingLike, known: str | None, *, operator: bool = False
) -> bool:
    """One word ("Mulhouse", "ok") says little about a language; a sentence or a named need does.

    Once the conversation's language is known, only real evidence moves it: another script (for an
    operator, who quotes the caller — «elle dit "мені нема де спати"» —, only with no word of the
    known language), a need understood in words of the other language more than of the known one,
    or several words of the other language, more than of the known one ("<script> OR 1=1", emoji: none).
    """
    words = [w for w in text.split() if _LETTERS.search(w)]
    if known is None or understanding.language == known:
        return len(words) >= 2 or bool(understanding.needs)
    if locales.info(understanding.language).script != locales.info(known).script:
        return not operator or words_of(text, known) == 0
    theirs, ours = words_of(text, understanding.language), words_of(text, known)
    if understanding.needs:  # "douche" after English: French; "aveți pediatru sau PMI?": still Romanian
        return theirs > ours
    return theirs >= SWITCH_WORDS and theirs > ours


def _reset_search(conv: Conversation) -> Conversation:
    return replace(
        conv,
        need=(),
        place=None,
        when=None,
        at=None,
        filters=Filters(),
        page=0,
        radius_km=None,
        total=0,
        parts=(),
    )


async def respond(conv: Conversation, msg: Incoming, deps: Deps) -> Turn:
    """Never raises and never answers with silence, except to someone who sent STOP (but for a
    crisis they write about)."""
    now = (msg.received_at or deps.clock()).astimezone(PARIS)
    try:
        turn = await _respond(conv, msg, deps, now)
    except Exception:  # noqa: BLE001 - a person waiting for a bed must get an answer, whatever broke
        log.exception("conversation failed channel=%s", msg.channel)
        lang = conv.lang or DEFAULT_LANG
        sorry = t(lang, "Sorry, something went wrong. Try again in a moment, or call 115 for a bed.")
        turn = Turn(conv, (notice(lang, sorry),))
    if turn.event is not None:  # where it came from is known here, not in the search
        turn = replace(turn, event=replace(turn.event, channel=msg.channel.value, role=msg.role.value))
    after = turn.conversation
    if after.shown is not None and (after.need, after.place, after.at) != (conv.need, conv.place, conv.at):
        after = replace(after, shown=None)  # a new search: "ce numéro" no longer points at the old one
    return replace(turn, conversation=replace(after, updated_at=now))


async def _respond(conv: Conversation, msg: Incoming, deps: Deps, now: datetime) -> Turn:
    text = clean(msg.text)
    hint = locales.from_tag(msg.language_hint)
    lang = conv.lang or hint or DEFAULT_LANG
    had_lang = conv.lang or hint  # a language the conversation already has: only real words move it
    ctx = Ctx(
        deps, now, lang, msg.surface, walker=msg.role is Role.VOLUNTEER, operator=msg.role is not Role.PUBLIC
    )
    parsed = parse(text) if msg.location is None else parse("")
    if conv.lang is None and parsed.lang and parsed.command is not Command.LANGUAGE and hint is None:
        lang = parsed.lang  # a first "help" or "unsubscribe" is English: the word carries its language
        ctx = replace(ctx, lang=lang)

    if parsed.command is Command.STOP:
        if conv.opted_out:
            return Turn(conv, ())
        stopped = Conversation(lang=lang, lang_chosen=conv.lang_chosen, opted_out=True)
        confirm = t(lang, "Done: you will get no more messages. To come back, send START.")
        return Turn(stopped, (Reply(ReplyKind.CONFIRMATION, lang, confirm),))
    if parsed.command is Command.FORGET:
        # Everything but the opt-out, which is what the person asked us to remember; after STOP,
        # done without a word.
        kept = Conversation(opted_out=True, lang=conv.lang) if conv.opted_out else Conversation()
        lang = lang if conv.lang or parsed.lang else reply_language(text, hint)
        done = t(
            lang,
            "Done: I deleted what I kept of our conversation (your needs, places and position). "
            "Write again whenever you need.",
        )
        return Turn(kept, () if conv.opted_out else (Reply(ReplyKind.CONFIRMATION, lang, done),), forget=True)
    if conv.opted_out:
        if parsed.command is not Command.START:
            return Turn(conv, _crisis_after_stop(msg.text, conv.lang or lang, ctx))
        back = Conversation(lang=lang, lang_chosen=conv.lang_chosen)
        welcome = Reply(ReplyKind.CONFIRMATION, lang, t(lang, "Welcome back. You will get answers again."))
        return Turn(back, (welcome, help_reply(lang, short=ctx.surface.terse)))

    command = parsed.command
    greeting = command in (Command.HELP, Command.THANKS, Command.START)
    if conv.lang is None and greeting and not parsed.lang and _LETTERS.search(text):
        lang = _first_language(text, msg, ctx) or lang  # a first "سلام" deserves an answer in Arabic
        ctx = replace(ctx, lang=lang)
    conv = replace(conv, lang=lang)
    if deps.redeem is not None and msg.location is None and (code := read_code(text)) is not None:
        found = await deps.redeem(code, msg.channel.value, msg.user_key)
        return Turn(conv, (redemption_reply(found, lang),))  # "code 7K3F-9QX2"
    if conv.sending is not None:  # a send to a person awaits YES (handlers/sending.py)
        said = sending.answer_to_send(text)
        if said is not None:
            return await sending.confirm(conv, msg, ctx) if said else sending.cancelled(conv, lang)
        # Anything else drops it, which is said first, then is read as usual: an operator who sees
        # only the answer to it may send "OUI" later and believe the SMS went out.
        turn = await _respond(replace(conv, sending=None), msg, deps, now)
        first = next((i for i, r in enumerate(turn.replies) if not r.alerts), len(turn.replies))
        replies = (*turn.replies[:first], sending.nothing_sent(lang), *turn.replies[first:])
        return replace(turn, replies=replies)  # emergency lines stay first
    send = sending.read_send(text) if msg.location is None else None
    if send is not None and (send.phone is not None or msg.role is not Role.PUBLIC):
        return await sending.request(conv, send, msg, ctx)
    if command is None and msg.location is None and (asked := reporting.read_report(text)) is not None:
        reported = await reporting.report(conv, asked, msg, clean(msg.text, limit=None), ctx)
        if reported is not None:
            return reported
    if command is Command.START or command is Command.HELP:
        return Turn(conv, (help_reply(lang, short=ctx.surface.terse),))
    if command is Command.THANKS:
        return Turn(
            conv, (notice(lang, t(lang, "You're welcome. Take care, write again whenever you need.")),)
        )
    if command is Command.ACK:
        if conv.pending is Pending.PLACE and conv.need:
            return Turn(conv, (ask_place(lang, ctx.surface.shares_location),))
        kind = t(lang, "All right. I am here whenever you need.")
        how = t(lang, 'Write what you need and where, for example: "eat Mulhouse".')
        return Turn(conv, (notice(lang, f"{kind}\n{how}"),))
    if command is Command.MENU:
        # An operator's menu starts the next caller's search: the last one's dog or wheelchair no
        # longer narrows the places
        return Turn(
            _asking_need(replace(conv, filters=Filters()) if ctx.operator else conv),
            (need_menu(lang, short=ctx.surface.terse),),
        )
    if command is Command.LANGUAGE_MENU:
        return Turn(replace(conv, pending=Pending.LANGUAGE), (language_menu(lang),))
    if command is Command.LANGUAGE and parsed.lang:
        return _switch_language(conv, parsed.lang)
    if command is Command.MORE:
        return await more(conv, ctx)
    if (
        command is Command.NUMBER
        and parsed.number is not None
        and (parsed.number < 1000 or parsed.number <= conv.total)  # else a postcode: "68100"
    ):
        return await _number(conv, parsed.number, ctx)
    return await _free_text(conv, text, msg, ctx, had_lang=had_lang)


def _crisis_after_stop(text: str, lang: str, ctx: Ctx) -> tuple[Reply, ...]:
    """Someone who sent STOP gets no more messages, but for one: a crisis they write about is
    answered with its emergency lines, once, and how to come back."""
    alerts = read_alerts(clean(text, limit=None))
    if not any(getattr(alerts, category) for category in CATEGORIES):
        return ()
    lines = safety_lines(alerts, lang, short=ctx.surface.terse)
    back = t(lang, "You sent STOP: send START to get answers again.")
    return (Reply(ReplyKind.SAFETY, lang, "\n".join((*lines, back)), alerts=lines),)


def _first_language(text: str, msg: Incoming, ctx: Ctx) -> str | None:
    try:
        found = ctx.deps.understand(text, ctx.now, language_hint=msg.language_hint).language
    except Exception:  # noqa: BLE001 - the language is a nicety; the answer must still go out
        log.exception("understand failed")
        return None
    return found if found in LANGUAGES else None


def _switch_language(conv: Conversation, new: str) -> Turn:
    conv = replace(
        conv, lang=new, lang_chosen=True, pending=None if conv.pending is Pending.LANGUAGE else conv.pending
    )
    text = t(new, "OK. Language: {language}.", language=autonym(new))
    hint = t(new, 'Write what you need and where, for example: "eat Mulhouse".')
    return Turn(conv, (Reply(ReplyKind.CONFIRMATION, new, f"{text}\n{hint}"),))


async def _number(conv: Conversation, number: int, ctx: Ctx) -> Turn:
    lang = ctx.lang
    if conv.pending is Pending.LANGUAGE:
        if 1 <= number <= len(LANGUAGES):
            return _switch_language(conv, LANGUAGES[number - 1])
        return Turn(
            conv,
            (
                notice(lang, t(lang, "Send a number between 1 and {last}.", last=len(LANGUAGES))),
                language_menu(lang),
            ),
        )
    if conv.pending in (Pending.NEED, Pending.CHOICE) and conv.options:
        if 1 <= number <= len(conv.options):
            chosen = conv.options[number - 1]
            conv = replace(conv, need=(chosen,), pending=None, options=(), page=0)
            return await proceed(conv, ctx)
        again = (
            need_menu(lang, short=ctx.surface.terse)
            if conv.pending is Pending.NEED
            else need_choice(conv.options, lang)
        )
        return Turn(
            conv,
            (notice(lang, t(lang, "Send a number between 1 and {last}.", last=len(conv.options))), again),
        )
    total = seen(conv, ctx)
    if conv.need and conv.place and total:
        if 1 <= number <= total:
            turn = await details(conv, number, ctx)
            return replace(turn, conversation=replace(turn.conversation, shown=number))
        return Turn(
            conv,
            (
                notice(
                    lang,
                    t(
                        lang,
                        "There is no result {number}: send a number between 1 and {last}.",
                        number=number,
                        last=total,
                    ),
                ),
            ),
        )
    return Turn(  # the menu's own numbers choose from it next
        _asking_need(conv),
        (
            notice(lang, t(lang, "There is no list to choose from yet.")),
            need_menu(lang, short=ctx.surface.terse),
        ),
    )


async def _free_text(conv: Conversation, text: str, msg: Incoming, ctx: Ctx, *, had_lang: str | None) -> Turn:
    lang = ctx.lang
    # Before anything else, the whole message (a crisis is often said at the end of a long story):
    # its words are never a place ("plus la force").
    alerts = read_alerts(clean(msg.text, limit=None))
    # An operator's jargon ("CHU", "HUDA", "sans orientation"): needs and filters, never a place.
    jargon = read_jargon(text) if ctx.operator else Jargon()
    understanding: UnderstandingLike | None = None
    if _LETTERS.search(text) or re.search(r"\d", text):
        try:
            understanding = ctx.deps.understand(
                text,
                ctx.now,
                language_hint=conv.lang or msg.language_hint,
                not_places=(*alerts.spans, *jargon.spans),
            )
        except Exception:  # noqa: BLE001 - a reader bug must not lose the message: answer with the menu
            log.exception("understand failed")
    walk = read_walk(text)  # "à pied", "2 km max": how far, not what is sought, nor a language's words
    unwalked = "".join(" " if any(a <= i < b for a, b in walk.spans) else c for i, c in enumerate(text))
    if (
        understanding is not None
        and not conv.lang_chosen
        and _worth_detecting(unwalked, understanding, had_lang, operator=ctx.operator)
    ):
        if understanding.language in LANGUAGES:
            lang = understanding.language
    conv = replace(conv, lang=lang, suicide=conv.suicide or (alerts.suicide and not ctx.operator))
    ctx = replace(ctx, lang=lang)

    who = with_jargon(read_who(text), jargon) if ctx.operator else read_who(text)
    if alerts.age is not None and not ctx.operator:  # "j'ai 16 ans": no place for adults only
        who = replace(who, filters=replace(who.filters, age=alerts.age))
    # Words that say who is coming ("avec un chien", "une femme avec un bébé") are not what is sought.
    said = (*who.spans, *walk.spans)
    if alerts.no_answer:  # "personne décroche au 115": no addiction care ("décrocher") nor phone sought
        said = (*said, *alerts.spans)
    said = (*said, *alerts.care_spans)  # "my water broke": no drinking water
    needs = tuple(
        n.category for n in (understanding.needs if understanding else ()) if not _within(n.span, said)
    )
    if understanding is not None and not ctx.operator and ((not needs and not conv.need) or alerts.medical):
        # "je suis enceinte", "enceinte, un médecin ce soir", "enceinte… mal au ventre": her state,
        # which says who she is, is also what she seeks, when she seeks nothing else yet or her body is
        # at stake (after a list of beds, "je suis enceinte" says who will come: the beds again).
        also = tuple(n.category for n in understanding.needs if n.category in _ALSO_SOUGHT)
        needs = (*dict.fromkeys((*also, *needs)),)
    if jargon.needs:  # the operator's word wins over the public's reading of it ("CHU": no hospital)
        known = understanding.needs if understanding else ()
        read = (n.category for n in known if not _within(n.span, jargon.need_spans))
        needs = (*jargon.needs, *(n for n in read if n in needs and n not in jargon.needs))
    if (who.filters.animals or "animals" in who.without) and len(needs) > 1:
        needs = tuple(n for n in needs if n != "animal_assitance")  # "un lit avec mon chien": no vet
    if "health" in needs and who.filters.family == "family":
        # "un médecin pour mon fils": a doctor, and the children's clinics (PMI) in turn on the page
        needs = (*dict.fromkeys((*needs, CHILD_CARE)),)
    candidates = tuple(n.category for n in understanding.candidates) if understanding else ()
    filters = who.filters
    if filters.gender == "men" and (alerts.domestic or alerts.danger):
        filters = replace(filters, gender=None)  # "un homme me frappe" is said by the one hit
        who = replace(who, filters=filters)
    if who.undocumented:  # a bed is for everyone, said with the beds (handlers.searching)
        ctx = replace(ctx, undocumented=True)
    walk_in = who.filters.no_referral  # "sans orientation", as the message says it
    if alerts.no_answer:
        # "le 115 ne répond pas": the beds one may walk into, not the shelters the 115 itself refers to
        needs = tuple(dict.fromkeys(SLEEP if n == "emergency_accommodation" else n for n in needs))
        who = replace(who, filters=replace(who.filters, no_referral=True))
    if alerts.outside and set(needs) <= WARM:
        # A night outside, in the cold, asking for nothing else than warmth: the night places too.
        # Another need ("où manger") is searched as asked, under the 115 line.
        needs = (*needs, SLEEP)
    alerts = alerts.for_needs(needs or conv.need)
    # Who is asking stays, the dog too, for a new need; but a message that speaks of someone else (an
    # operator's new caller, a person named, another gender or age, see _someone_else): the last
    # one's dog no longer narrows the beds.
    someone_else = jargon.new_caller or _someone_else(conv.filters, who, ctx.operator)
    kept = who.filters if someone_else else _refined(conv.filters, who)
    if (alerts.domestic or alerts.danger) and not walk_in:
        # Violence told with or after "le 115 ne répond pas": the shelters reached through 3919 or the
        # police too
        kept = replace(kept, no_referral=False)
    # A bed for a minor: one told of whom the sender does not come with ("pour un garçon de 16 ans",
    # "ma fille de 16 ans dort dehors"; not "moi et ma fille de 12 ans"), or the sender's own age
    # under 18 said a few messages before. A 119 line too many costs less than one missing.
    told_alone = alerts.minor_told and not who.along
    remembered = kept.age is not None and kept.age < 18 and not alerts.minor
    # an operator's caller under 18 and alone ("MNA 16 ans", "mineur", "jeune de 16 ans seul"); not a
    # parent's child ("maman avec sa fille de 12 ans", "famille, enfant de 4 ans"): no family split
    told_by_operator = (
        ctx.operator
        and who.filters.age is not None
        and who.filters.age < 18
        and not who.along
        and who.filters.family not in ("family", "couple", "pregnant")
        and (who.filters.family == "isolated" or jargon.minor)
    )
    alerts = replace(alerts, bed_for_minor=told_by_operator if ctx.operator else told_alone or remembered)
    lines = safety_lines(alerts, lang, short=ctx.surface.terse, operator=ctx.operator)
    point: tuple[float, float, str] | None = None
    written = understanding.place if understanding is not None else None
    if msg.location is None and written is not None and written.kind == "abroad":
        return _abroad(conv, written.point.lat, written.point.lon, ctx)
    # A shared location, or one written out ("@48.58,7.74", a map link): the person's own position.
    position = msg.location or (written.point if written is not None and written.kind == "position" else None)
    if position is not None:
        # Rounded (about 100 m) before anything uses or keeps it: the session outlives the turn.
        lat, lon = round(position.lat, POSITION_DECIMALS), round(position.lon, POSITION_DECIMALS)
        point = (lat, lon, t(lang, "your location"))
        conv = replace(conv, here=(lat, lon))
    elif written is not None:
        point = (written.point.lat, written.point.lon, written.label)
    elif conv.here is not None and says_here(text):
        point = (*conv.here, t(lang, "your location"))  # "ici": where they last said they were
    address = street_span(text) if position is None else None
    if address is not None and ctx.deps.locate is not None:
        # A street address reads better from a street geocoder, which is another organisation's
        # server: it gets the address, never the rest of the message (a name, violence, health).
        street = await ctx.deps.locate(address)
        if street is not None:
            point = (street.point.lat, street.point.lon, street.label)
            address = None
    if address is not None and point is not None and written is not None and written.kind in _TOWN_WIDE:
        ctx = replace(ctx, unplaced=address)  # the distances are from the town's centre: said on the page
    window = understanding.when if understanding else None

    if needs:
        conv = replace(
            _reset_search(conv),
            place=point or conv.place,
            need=needs,
            when=(window.start, window.end) if window else None,
            filters=kept,
            walk_km=walk.max_km or conv.walk_km,  # a walk lasts the round, like who is coming
            pending=None,
            options=(),
        )
        return await proceed(conv, ctx, lines)
    if point is not None:
        conv = replace(conv, place=point, page=0, walk_km=walk.max_km or conv.walk_km)
        if window:
            conv = replace(conv, when=(window.start, window.end))
        if candidates:
            return _ask_choice(conv, candidates, lines, ctx)
        # An operator telling of a person in crisis somewhere else speaks of someone new: the lines and
        # the menu there, not the last person's need ("une femme de 17 ans à Mulhouse, agressée").
        if conv.need and not (ctx.operator and _crisis(alerts)):
            conv = replace(conv, pending=None, filters=kept)
            return await proceed(conv, ctx, lines or None)
        lead = t(lang, "{place}: what do you need? Send a number or write it in your words:", place=point[2])
        conv = replace(conv, filters=kept)  # "sans orientation Colmar": for the need
        menu = need_menu(lang, lead, short=ctx.surface.terse)
        if not lines and (numbers := _numbers_for_a_stranger(text, lang)):
            menu = replace(menu, text=f"{numbers}\n{menu.text}")
        return Turn(_asking_need(conv), lines_first(lines, (menu,), ctx))
    raised = alerts.minor_told or any(getattr(alerts, category) for category in CATEGORIES)
    if candidates and not raised:  # a word near a need's, in a crisis ("appeler le 119": phones), is not one
        return _ask_choice(conv, candidates, lines, ctx)
    if walk.max_km is not None and conv.need and conv.place:  # "à pied", "1 km max": the same search, closer
        conv = replace(conv, walk_km=walk.max_km, filters=kept, pending=None)
        if window is not None:  # "demain midi à pied"
            conv = replace(conv, when=_when(window))
        return await proceed(conv, ctx, lines or None)
    if window is not None and conv.need and conv.place:
        # "open now", "et demain matin ?": the same search, at that time ("now": the live clock again)
        conv = replace(conv, when=_when(window), filters=kept, pending=None)
        return await proceed(conv, ctx, lines or None)
    if (filters != Filters() or who.without) and conv.need and conv.place:
        # "je suis un homme", "on est deux avec un chien", "pas de chien": the same search, for who
        # will come
        conv = replace(conv, filters=kept, pending=None)
        return await proceed(conv, ctx, lines or None)
    if conv.need and conv.place and conv.total and not raised:
        # Not understood, a list shown: its numbers keep choosing from it (a menu of needs here took
        # them over: "7" then gave the 7th need, not the 7th place).
        sorry = t(lang, "Sorry, I did not understand.")
        return Turn(replace(conv, pending=None, options=()), (notice(lang, f"{sorry}\n{_list_kept(lang)}"),))
    if lines and ctx.operator and conv.need and conv.place:
        # The person an operator helps is in crisis: the lines, and the list stays ("plus", a number).
        return Turn(conv, lines_first(lines, (), ctx))
    if lines and conv.need and conv.place and conv.total:
        # A crisis said after a list ("il m'a suivi, il est devant"): the lines, and the list stays,
        # its numbers with it (a menu of needs here made "1" the first need, not the shelter shown).
        return Turn(
            replace(conv, pending=None, options=(), filters=kept),
            lines_first(lines, (notice(lang, _list_kept(lang)),), ctx),
        )
    if lines:
        lead = t(lang, "I can also look for help near you. What do you need?")
        return Turn(  # who is asking ("j'ai 16 ans") is kept for the need chosen next
            _asking_need(replace(conv, filters=kept)),
            lines_first(lines, (need_menu(lang, lead, short=ctx.surface.terse),), ctx),
        )
    if conv.pending is Pending.PLACE and conv.need:
        text_ = t(lang, "I did not find this place. Send the name of a town or a postcode.")
        return Turn(conv, (notice(lang, text_), ask_place(lang, ctx.surface.shares_location)))
    if len(text) > 500:
        sorry = t(lang, "Your message is very long: send just what you need and the town.")
    else:
        sorry = t(lang, "Sorry, I did not understand.")
    if numbers := _numbers_for_a_stranger(text, lang):
        sorry = f"{numbers}\n{sorry}"
    return Turn(
        _asking_need(conv),
        (notice(lang, sorry), need_menu(lang, short=ctx.surface.terse)),
    )


STRANGER_WORDS = 3  # a message of this many words or more, in none of our languages: the numbers first
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]+")  # Turkish "çıktım", Albanian "më" too


def _numbers_for_a_stranger(text: str, lang: str) -> str | None:
    """A message in a language we do not read ("kocam beni dövüyor…", Turkish: my husband beats me)
    may tell of danger no reader of ours can see: the emergency numbers before the menu, numbers
    anyone can read (a persona trial, 2026-12-06, found a beaten woman's Turkish answered with the
    French menu alone). Part of the menu's text, as in the welcome: no alarm raised, for it may be
    an ordinary question ours could not read ("wach kayn chi blasa nchargi fiha tilifoni?")."""
    words = [w for w in FoldedText.of(text).text.split() if w.isalpha()]
    if len(words) < STRANGER_WORDS or not all(_LATIN.fullmatch(w) for w in words):
        return None  # our languages of other scripts each have theirs (Arabic, Cyrillic, Georgian)
    if max(words_of(text, other) for other in LANGUAGES) > len(words) / 4:
        return None
    return t(lang, "Emergency: 112 · medical 15 · police 17 · bed 115 · violence 3919 · child 119")


def _abroad(conv: Conversation, lat: float, lon: float, ctx: Ctx) -> Turn:
    """A position written out that is not in France: said, rather than searched 200 km around."""
    where = f"{lat:.{POSITION_DECIMALS}f}, {lon:.{POSITION_DECIMALS}f}"
    text = t(
        ctx.lang,
        "This position ({position}) is not in France: I only know places in France. Send a French town, or share your location.",  # noqa: E501
        position=where,
    )
    return Turn(conv, (notice(ctx.lang, text),))


def _crisis(alerts: Alerts) -> bool:
    """A crisis beyond a night's bed: a life, a body, violence, a child."""
    return alerts.suicide or alerts.medical or alerts.danger or alerts.domestic or alerts.child


def _asking_need(conv: Conversation) -> Conversation:
    """The menu of needs shown: its numbers choose from it next."""
    return replace(conv, pending=Pending.NEED, options=tuple(c for c, _ in MAIN_NEEDS))


def _list_kept(lang: str) -> str:
    """What still works on the list shown: PLUS, its numbers, and MENU for another need."""
    listed = t(lang, "PLUS for more, a number for details.")
    return f"{listed}\n{t(lang, 'MENU: the list of needs. LANGUE: change language.')}"


def _when(window: WindowLike) -> tuple[datetime, datetime] | None:
    """A time said, as a search's `when`: "now" is the live clock again (None)."""
    return None if window.label == "now" else (window.start, window.end)


def _describes(who: Who) -> bool:
    """The message says who the person is ("famille avec bébé", "F 19a seule", "homme 40 ans"); an
    animal alone ("il a un chien") adds to the person already described."""
    said = who.filters
    return bool(said.gender or said.age is not None or said.family or said.administrative)


def _someone_else(before: Filters, who: Who, operator: bool) -> bool:
    """The message speaks of someone other than the last search's person: an operator describing
    anyone (a new caller), anyone naming a person the search is for ("et pour ma soeur", "for a
    woman"), or describing one of another gender or age ("un lit pour un homme avec un chien", then
    "et pour une femme avec un bébé ?": her search has no dog)."""
    said = who.filters
    if operator:
        return _describes(who)
    if who.other:  # "et pour ma soeur à Strasbourg ?": her search, not her brother's dog
        return True
    return bool(before.gender and said.gender and said.gender != before.gender) or (
        before.age is not None and said.age is not None and said.age != before.age
    )


def _within(span: tuple[int, int] | None, spans: tuple[tuple[int, int], ...]) -> bool:
    return span is not None and any(a <= span[0] and span[1] <= b for a, b in spans)


def _refined(before: Filters, who: Who) -> Filters:
    """The filters of a search, with what a later message says about who is coming (and is not:
    "en fait je n'ai pas de chien")."""
    said, without = who.filters, who.without
    return Filters(
        gender=said.gender if said.gender or said.family == "couple" else before.gender,
        age=said.age if said.age is not None else before.age,
        # "je suis seule" after "moi et mes 2 enfants": no partner, still a family
        family=before.family
        if said.family == "isolated" and before.family in ("family", "couple", "pregnant")
        else said.family or (None if "family" in without else before.family),
        administrative=said.administrative or before.administrative,
        free=said.free or (before.free and "free" not in without),
        no_appointment=said.no_appointment or before.no_appointment,
        no_referral=said.no_referral or before.no_referral,
        animals=said.animals or (before.animals and "animals" not in without),
        wheelchair=said.wheelchair or (before.wheelchair and "wheelchair" not in without),
    )


def _ask_choice(conv: Conversation, candidates: tuple[str, ...], lines: tuple[str, ...], ctx: Ctx) -> Turn:
    options = candidates[:MAX_CHOICES]
    choice = need_choice(options, ctx.lang)
    return Turn(replace(conv, pending=Pending.CHOICE, options=options), lines_first(lines, (choice,), ctx))

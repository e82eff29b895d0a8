"""The questions the conversation asks (where? what? which one? which language?) and the help text."""

from __future__ import annotations

from handlers.i18n import LANGUAGES, autonym, t
from handlers.model import Choice, Reply, ReplyKind
from search import taxonomy

# The main needs, in the order a person in the street asks for them; each opens its Soliguide category.
MAIN_NEEDS: tuple[tuple[str, str], ...] = (
    ("food", "Eat"),
    ("accomodation_and_housing", "Sleep"),
    ("hygiene_and_wellness", "Shower, toilets, hygiene"),
    ("clothing", "Clothes"),
    ("health", "Health, doctor"),
    ("counseling", "Papers, social help"),
    ("technology", "Charge a phone, wifi"),
    ("day_hosting", "Day centre, rest"),
)


def numbered(choices: tuple[Choice, ...]) -> str:
    return "\n".join(f"{c.reply}. {c.label}" for c in choices)


def need_menu(lang: str, lead: str | None = None, *, short: bool = False) -> Reply:
    """`short` (SMS in a UCS-2 script): the eight needs under a head of a few words, in one message."""
    choices = tuple(Choice(str(i), t(lang, label)) for i, (_, label) in enumerate(MAIN_NEEDS, 1))
    if short:
        head = t(lang, "What do you need? Send a number:")
    else:
        head = lead or t(lang, "What do you need? Send a number or write it in your words:")
    return Reply(ReplyKind.QUESTION, lang, f"{head}\n{numbered(choices)}", choices=choices)


def need_choice(categories: tuple[str, ...], lang: str) -> Reply:
    tax = taxonomy().by_id
    choices = tuple(
        Choice(str(i), tax[c].label(lang) if c in tax else c) for i, c in enumerate(categories, 1)
    )
    head = t(lang, "Did you mean one of these? Send its number:")
    return Reply(ReplyKind.QUESTION, lang, f"{head}\n{numbered(choices)}", choices=choices)


def ask_place(lang: str, shares_location: bool, need: str | None = None) -> Reply:
    """Where? The location button is offered where the surface has one."""
    if shares_location:
        question = t(lang, "Where are you? Send a town, a postcode or share your location.")
    else:
        question = t(lang, "Where are you? Send a town or a postcode.")
    text = t(lang, "{need}: noted.", need=need) + "\n" + question if need else question
    return Reply(ReplyKind.QUESTION, lang, text, ask_location=True)


def language_menu(lang: str) -> Reply:
    choices = tuple(Choice(str(i), autonym(code)) for i, code in enumerate(LANGUAGES, 1))
    head = t(lang, "Choose your language, send its number:")
    return Reply(ReplyKind.QUESTION, lang, f"{head}\n{numbered(choices)}", choices=choices)


def help_reply(lang: str, *, short: bool = False) -> Reply:
    """`short` (SMS in a UCS-2 script) keeps how to ask and the emergency numbers; what PLUS and
    the numbers do is said again under every list."""
    lines = (
        t(lang, "I help you find food, a bed, a shower, care and other free help near you."),
        t(lang, 'Write what you need and where, for example: "eat Mulhouse".'),
        t(lang, "MENU: the list of needs. LANGUE: change language."),
        t(lang, "PLUS: more results. A number: the details of a result."),
        t(lang, "Emergency: 115 for shelter, 3919 violence, 119 children, 17 or 112 danger."),
    )
    text = "\n".join((lines[1], lines[2], lines[4]) if short else lines)
    choices = (Choice("menu", t(lang, "Menu")), Choice("langue", t(lang, "Language")))
    return Reply(ReplyKind.HELP, lang, text, choices=choices)

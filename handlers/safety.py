"""What is read before any search, and the emergency lines it calls for, in the sender's language.

Suicidal thoughts or self-harm (3114, and 15 or 112), a medical emergency now (15 or 112), danger now:
violence, being followed or threatened, a weapon (17 or 112, and a text to 114 for whoever cannot
speak), violence at home (3919), a child alone or in danger (119), a sender under 18 (119), and a
night outside or nowhere to sleep (115). Matched loosely on purpose: a needless line costs a line, a
missed one may cost a life. The words are data: locales/<lang>/safety.tsv (format: locales/README.md),
each category with the phrases that say it, the phrases that only look like it ("je meurs de faim",
"tuer le temps"), and pairs of words that say it together ("enfant" + "seul").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import locales
from handlers.generic_needs import is_shelter
from handlers.i18n import t
from handlers.terms import Expressions, FoldedText, PhraseBook, alternatives, fold, folded_term, whole
from search import GAP, expand_piece, load_or_build, term_pieces

# Categories of locales/<lang>/safety.tsv, most urgent first.
CATEGORIES = ("suicide", "medical", "danger", "child", "minor", "domestic", "outside")
_AGE_WINDOW = 4  # words between "j'ai"/"I'm" and the number, or a "mon fils de" before it


def _safety(key: str) -> tuple[str, ...]:
    """The key's terms, each also as written without its apostrophes: an SMS rarely has them
    ("il ma suivi", "jai peur", "im going to kill myself", "dont want to live")."""
    terms = locales.words("safety", key)
    return (*terms, *(term.replace("'", "") for term in terms if "'" in term))


@dataclass(frozen=True, slots=True)
class _Rule:
    """The keys of a category: its phrases, the look-alikes that cancel a phrase they overlap, pairs of
    words that say it only together, and words that put it in another time."""

    said: str
    not_said: str
    pairs: tuple[tuple[str, str], ...]
    unless: str  # said of another time ("l'an dernier", "years ago"): not now

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.said, self.not_said, self.unless, *(key for pair in self.pairs for key in pair))


def _pair_keys(category: str) -> list[str]:
    """`<category>.<name>` keys that come with a `<category>.<name>.and`: "enfant" with "seul",
    "froid" with "dormir", "couteau" with "menace"."""
    keys = {key for lang in locales.LANGUAGES for key in locales.word_lists(lang, "safety")}
    return sorted(k.removesuffix(".and") for k in keys if k.startswith(f"{category}.") and k.endswith(".and"))


def _rule(category: str) -> _Rule:
    pairs = tuple((key, f"{key}.and") for key in _pair_keys(category))
    return _Rule(category, f"{category}.not", pairs, f"{category}.unless")


def _rules() -> dict[str, _Rule]:
    return {category: _rule(category) for category in CATEGORIES}


_AGAIN = "again"  # "encore", "снова": a past the message speaks of is back, `.unless` no longer holds


def _words_of(term: str) -> Iterator[str]:
    for piece in term_pieces(folded_term(term)):
        if "{" in piece:
            for choice in expand_piece(piece):
                yield from _words_of(choice)
        elif piece != GAP:
            yield piece


def _build_books(rules: dict[str, _Rule] | None = None) -> tuple[PhraseBook, PhraseBook]:
    rules = rules or _rules()
    phrases = PhraseBook(
        {key: _safety(key) for key in (_AGAIN, *(k for rule in rules.values() for k in rule.keys))}
    )
    # The words the phrases are made of: of a phrase read across a gap ("негде ~ ночевать" in "негде в
    # Мюлузе ночевать"), only these are kept from being read as a place, never the words in between.
    words = PhraseBook(
        {
            "words": {
                word
                for rule in rules.values()
                for key in (rule.said, *(k for pair in rule.pairs for k in pair))
                for term in _safety(key)
                for word in _words_of(term)
            }
        }
    )
    return phrases, words


def _numbers() -> dict[str, int]:
    return {
        fold(word): int(value)
        for entry in _safety("age.number")
        for word, _, value in [entry.partition("=")]
        if value.isdigit()
    }


def _age_sources(numbers: dict[str, int]) -> dict[str, str]:
    return {
        "frame": whole(alternatives(_safety("age.frame"))),  # "j'ai", "tengo", "عندي": only with its unit
        "is": whole(alternatives(_safety("age.is"))),  # "I'm", "мне", "عمري": an age, unit or not
        "other": whole(alternatives(_safety("age.other"))),  # "mon fils de", "my son is": someone else's
        "person": whole(alternatives(_safety("age.person"))),  # "une femme de", "il a", "a girl"
        "number": rf"(?<!\w)(\d{{1,2}}|{alternatives(numbers)})"
        rf"(?:\s*({alternatives(_safety('age.unit'))}))?"
        rf"(?:\s+({alternatives(_safety('age.self'))}))?(?!\w)",
        "not_unit": whole(alternatives(_safety("age.not_unit"))),  # "I'm 15 min away", "j'ai 15 euros"
    }


@dataclass(frozen=True, slots=True)
class _Reader:
    """What reading a message takes, all made from locales/<lang>/safety.tsv: the crisis phrases and
    the words they are made of, each category's keys, and what reads an age."""

    phrases: PhraseBook
    words: PhraseBook
    rules: dict[str, _Rule]
    numbers: dict[str, int]  # "seize" → 16
    age_self: frozenset[str]  # "16 yo", "17 wlis var": units that say the age is the sender's
    ages: Expressions  # most messages hold no number: then only `number` is compiled

    @classmethod
    def build(cls) -> _Reader:
        rules = _rules()
        phrases, words = _build_books(rules)
        numbers = _numbers()
        age_self = frozenset(folded_term(term) for term in _safety("age.self"))
        return cls(phrases, words, rules, numbers, age_self, Expressions(_age_sources(numbers)))

    def plain(self) -> tuple[object, ...]:
        rules = {c: (r.said, r.not_said, r.pairs, r.unless) for c, r in self.rules.items()}
        ages = self.ages.sources
        return (self.phrases.plain(), self.words.plain(), rules, self.numbers, self.age_self, ages)

    @classmethod
    def from_plain(cls, plain: Any) -> _Reader:
        phrases, words, rules, numbers, age_self, sources = plain
        return cls(
            PhraseBook.from_plain(phrases),
            PhraseBook.from_plain(words),
            {category: _Rule(*rule) for category, rule in rules.items()},
            numbers,
            age_self,
            Expressions(sources),
        )


@cache
def _reader() -> _Reader:
    """Made at first use (folding 29,000 crisis phrases takes about a second), or read back from the
    last process's build (search.prebuilt): importing this module reads no word list. The web app
    makes it at start-up (its warm-up turn)."""
    return load_or_build("safety", _Reader.build, _Reader.plain, _Reader.from_plain)


@dataclass(frozen=True, slots=True)
class Alerts:
    suicide: bool = False
    medical: bool = False
    danger: bool = False  # violence now, followed, threatened, a weapon
    child: bool = False  # a child alone or in danger, seen by the sender
    minor: bool = False  # the sender is under 18
    minor_told: bool = False  # someone else under 18 ("une femme de 17 ans"): 119 if they are in danger
    domestic: bool = False  # violence at home, by a partner or family
    outside: bool = False  # sleeping outside, nowhere to go, cold at night
    shelter: bool = False  # a bed asked for
    no_answer: bool = False  # "le 115 ne répond pas", "115 is full": the beds one may walk into
    bed_for_minor: bool = False  # a bed asked for someone under 18 ("pour un garçon de 16 ans"): 119 too
    age: int | None = field(default=None, compare=False)  # the sender's own, when said: who a place is for
    spans: tuple[tuple[int, int], ...] = field(default=(), compare=False)  # never read as a place
    # The words of a body at stake, never read as a need either ("my water broke": no water)
    care_spans: tuple[tuple[int, int], ...] = field(default=(), compare=False)

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in (*CATEGORIES, "shelter"))

    def for_needs(self, needs: tuple[str, ...]) -> Alerts:
        """With what the needs call for: 115 with a bed; someone hurt at home is told of 115 too,
        whatever else is asked: a safe place to sleep tonight is often the first need."""
        return replace(self, shelter=is_shelter(needs) or self.domestic)


def prepare() -> None:
    """The reader made and every expression compiled now, not at a person's first message."""
    _reader().ages.compile_all()


def _found(rule: _Rule, found: dict[str, list[tuple[int, int]]]) -> Iterator[tuple[int, int]]:
    """Spans (in the folded text) of what says the category, but for what overlaps a look-alike."""
    if found.get(rule.unless) and not found.get(_AGAIN):
        return
    cancelled = found.get(rule.not_said, [])

    def kept(span: tuple[int, int]) -> bool:
        """Not overlapped by a look-alike, unless the phrase says more than it: "lost my son" holds
        the look-alike "my son" and still says a child is lost."""
        start, end = span
        return not any(
            a < end and start < b and not (start <= a and b <= end) or (a, b) == span for a, b in cancelled
        )

    yield from (span for span in found.get(rule.said, []) if kept(span))
    for first, second in rule.pairs:
        a = [span for span in found.get(first, []) if kept(span)]
        b = [span for span in found.get(second, []) if kept(span)]
        if a and b:
            yield from (*a, *b)


def _own_ages(folded: FoldedText, reader: _Reader) -> list[int]:
    """ "J'ai 16 ans", "I'm 17", "мне 16", "عمري ١٦", "17 wlis var": the ages the sender gives as
    their own, not a son's ("mon fils de 17 ans") nor a duration ("ça fait 17 ans")."""
    text = folded.text
    numbers = list(reader.ages["number"].finditer(text))
    if not numbers:
        return []
    frames = [folded.word_index(m.start()) for m in reader.ages["frame"].finditer(text)]
    ages = [folded.word_index(m.start()) for m in reader.ages["is"].finditer(text)]
    others = [folded.word_index(m.end() - 1) for m in reader.ages["other"].finditer(text)]  # where they end
    found = []
    for match in numbers:
        word = folded.word_index(match.start())
        raw = match.group(1)
        age = int(raw) if raw.isdigit() else reader.numbers.get(raw, 0)
        if age < 5:
            continue
        own = max((f for f in (*frames, *ages) if 0 < word - f <= _AGE_WINDOW), default=-1)
        if any(0 <= word - other <= _AGE_WINDOW and other >= own for other in others):
            continue  # someone else's age, said closer to the number than "j'ai" ("quand il a bu, j'ai 14")
        unit = match.group(2)
        if match.group(3) and reader.ages["other"].match(text, match.end() + 1):
            continue  # "a 17 year old son": someone else's age
        framed = any(0 < word - frame <= _AGE_WINDOW for frame in frames) and bool(unit)
        said = any(0 < word - frame <= _AGE_WINDOW for frame in ages)
        if match.group(3) or unit in reader.age_self or (unit and word == 0):  # "16 ans, enceinte…"
            found.append(age)
        elif (framed or said) and not reader.ages["not_unit"].match(text, match.end() + 1):
            found.append(age)
    return found


def _told_ages(folded: FoldedText, reader: _Reader) -> list[int]:
    """ "Une femme de 17 ans", "il a 15 ans", "a 16 year old girl": the ages of the person an operator,
    a volunteer or a parent tells of; not a duration said closer to the number ("il a passé 15 ans")."""
    text = folded.text
    numbers = list(reader.ages["number"].finditer(text))
    if not numbers:
        return []
    persons = {folded.word_index(m.end() - 1) for m in reader.ages["person"].finditer(text)}
    others = {folded.word_index(m.end() - 1) for m in reader.ages["other"].finditer(text)} - persons
    found = []
    for match in numbers:
        raw = match.group(1)
        age = int(raw) if raw.isdigit() else reader.numbers.get(raw, 0)
        unit_said = match.group(2) or match.group(3)
        if age < 5 or not unit_said or reader.ages["not_unit"].match(text, match.end() + 1):
            continue
        word = folded.word_index(match.start())
        person = max((p for p in persons if 0 <= word - p <= 2), default=None)
        if person is not None and not any(person < other < word for other in others):
            found.append(age)
        elif reader.ages["person"].match(text, match.end() + 1):  # "a 16 year old girl"
            found.append(age)
    return found


def read_alerts(text: str, needs: tuple[str, ...] = ()) -> Alerts:
    """What the message says beyond a search. 115 goes with every shelter request, at any hour: its
    operators also know the places with a bed left for tonight."""
    folded = FoldedText.of(text)
    reader = _reader()
    found = reader.phrases.read(folded.text)
    hits = {category: list(_found(rule, found)) for category, rule in reader.rules.items()}
    # An age given outweighs words ("j'ai fugué, j'ai 35 ans" is an adult), but 18 is the limit
    # itself in "pas encore 18", "under 18".
    ages = _own_ages(folded, reader)
    minor = any(age < 18 for age in ages) or (bool(hits["minor"]) and not any(age > 18 for age in ages))

    def words_of(found: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
        return tuple(
            folded.original(a + start, a + end)
            for a, b in found
            for start, end in reader.words.read(folded.text[a:b]).get("words", [])
        )

    spans = tuple(span for found in hits.values() for span in words_of(found))
    # a body at stake only: a suicidal phrase's gap may hold a bed asked ("je voudrais dormir à Lyon.
    # dormir pour toujours", a review, 2026-12-06)
    care_spans = words_of(hits["medical"])
    return Alerts(
        suicide=bool(hits["suicide"]),
        medical=bool(hits["medical"]),
        danger=bool(hits["danger"]),
        child=bool(hits["child"]),
        minor=minor,
        minor_told=any(age < 18 for age in _told_ages(folded, reader)),
        domestic=bool(hits["domestic"]),
        outside=bool(hits["outside"]),
        # A night outside said through the 115 ("115 complet", "115 не отвечает"): 115 is not answering.
        no_answer=any("115" in folded.text[a:b] for a, b in hits["outside"]),
        age=min(ages, default=None),
        spans=spans,
        care_spans=care_spans,
    ).for_needs(needs)


def is_minor(text: str) -> bool:
    return read_alerts(text, ()).minor


def safety_lines(
    alerts: Alerts, lang: str, *, short: bool = False, operator: bool = False
) -> tuple[str, ...]:
    """The emergency lines, most urgent first, each number once. `short` (a terse surface) says every
    number in a few words, so that they fit one message with what follows. `operator` (a registered
    115 operator or outreach volunteer): not "call 115" to the 115, nor the lines that speak to a
    sender under 18 ("mineur" is the person they help); 15/112, 3114, 17, 119 for a child, 3919 stay,
    and 119 for a minor they tell of who is in danger ("une mineure, elle a été agressée"). Anyone
    else asking a bed for a minor (`bed_for_minor`: "un garçon de 16 ans, un lit ce soir") is told of
    119 too: a child with nowhere to sleep is a child in danger, and adult shelters turn them away."""
    lines: list[str] = []
    told = alerts.minor_told or (operator and alerts.minor)
    homeless = alerts.bed_for_minor and not operator and (alerts.shelter or alerts.outside)
    minor_in_danger = told and (alerts.danger or alerts.domestic) or homeless
    if alerts.medical:  # someone who swallowed a box of pills needs 15 before anything else
        lines.append(
            t(lang, "Medical emergency: 15 or 112.")
            if short
            else t(lang, "Medical emergency: call 15 (SAMU) or 112 now.")
        )
    if alerts.suicide:
        lines.append(
            t(lang, "Thoughts of suicide: 3114, 24/7. Danger now: 15 or 112.")
            if short
            else t(lang, "If you think of ending your life: call 3114, free, 24/7. In danger now: 15 or 112.")
        )
    if alerts.danger or alerts.domestic:  # violence at home is violence: the police too, or a text
        lines.append(
            t(lang, "Danger now: 17 or 112 (text 114 if you cannot speak).")
            if short
            else t(lang, "In immediate danger: call 17 (police) or 112. If you cannot speak, text 114.")
        )
    if alerts.child or minor_in_danger:
        lines.append(
            t(lang, "Child in danger: 119 (17 or 112 if now).")
            if short
            else t(lang, "A child alone or in danger: call 119, free, 24/7 (17 or 112 if the danger is now).")
        )
    elif operator and alerts.bed_for_minor and (alerts.shelter or alerts.outside):
        # "MNA 16 ans seul, il dort dehors": the operator's list holds adult shelters that will turn
        # the child away; the child protection's way in, said once
        lines.append(
            t(lang, "Minor alone: adult shelters will refuse them. Child protection (ASE) through 119, 24/7.")
        )
    elif alerts.minor and not operator and (alerts.shelter or alerts.outside):
        lines.append(
            t(lang, "Under 18: adult shelters may refuse you. Call 119 first, 24/7.")
            if short
            else t(
                lang,
                "Under 18: adult shelters will likely turn you away. Call 119 first, free, 24/7: "
                "they will find you a safe place.",
            )
        )
    elif alerts.minor and not operator:
        lines.append(
            t(lang, "Under 18: 119, free, 24/7.")
            if short
            else t(lang, "Under 18: call 119, free, 24/7. Someone will listen and protect you.")
        )
    if alerts.domestic:
        lines.append(
            t(lang, "Violence: 3919, free, anonymous, 24/7.")
            if short
            else t(
                lang,
                "Violence: call 3919, free and anonymous, 24/7. The call does not show on the phone bill.",
            )
        )
    if alerts.no_answer and not operator:
        # "le 115 répond pas": not "call 115" again, but that it is busy, and where to go tonight when
        # the cold or a body cannot wait (a pregnant woman in her car at -5 °C, persona trial 2026-12-06)
        lines.append(
            t(lang, "115 busy: call again. Pregnant, ill, baby, very cold: 15 or hospital ER.")
            if short
            else t(
                lang,
                "The 115 is often busy at night: call again. Pregnant, ill, with a baby or very cold: call 15 or go to a hospital emergency department.",  # noqa: E501
            )
        )
    elif (alerts.shelter or alerts.outside) and not operator:
        lines.append(
            t(lang, "A bed tonight: 115, free, 24/7.")
            if short
            else t(lang, "For a bed tonight, call 115 (free, 24/7).")
        )
    return tuple(lines)

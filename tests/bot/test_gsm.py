"""GSM-7 transliteration, segment counting and paging."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.gsm import Encoding, compact, ellipsize, for_sms, is_gsm, paginate, segments, sms_blocks, to_gsm


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fenêtre château île hôpital sûr", "fenetre chateau ile hopital sur"),
        ("Noël naïf ça œuf Œil", "Noel naif ca oeuf OEil"),
        ("À l’accueil « Saint-Jean » — 9h–12h", 'A l\'accueil "Saint-Jean" - 9h-12h'),
        ("19\u00a0h et 20\u202fh", "19 h et 20 h"),
        ("Ça é è à ù ì ò Ä Ö Ñ Ü ä ö ñ ü ß", "Ça é è à ù ì ò Ä Ö Ñ Ü ä ö ñ ü ß"),
        ("ação está și ţ", "acao esta si t"),
        ("l·l … • 5°", "l.l ... - 5o"),
    ],
)
def test_transliteration_keeps_gsm_letters_and_folds_the_rest(text: str, expected: str) -> None:
    assert to_gsm(text) == expected
    assert is_gsm(expected)


@given(st.text(max_size=300))
def test_to_gsm_lands_in_the_alphabet_or_gives_up(text: str) -> None:
    folded = to_gsm(text)
    assert folded is None or is_gsm(folded)
    sent = for_sms(text)
    assert sent == compact(text) or is_gsm(sent), "either GSM-7 or the text unchanged, as UCS-2"


@pytest.mark.parametrize(
    "name", ["العربية", "Русский", "پښتو", "فارسی", "Українська", "ქართული", "Ελληνικά", "中文"]
)
def test_a_letter_of_another_script_is_never_replaced_by_a_question_mark(name: str) -> None:
    text = f"Choisissez votre langue, envoyez son numéro :\n1. Français\n3. {name}\n11. Română"
    assert to_gsm(text) is None
    sent = for_sms(text)
    assert sent == text and "?" not in sent
    assert segments(sent).encoding is Encoding.UCS2
    assert sms_blocks(text)[-2] == f"3. {name}"


def test_latin_replies_with_digits_or_symbols_of_elsewhere_stay_gsm() -> None:
    assert to_gsm("Appelez le ١١٥ ou le ۱۱۵ ı") == "Appelez le 115 ou le 115 i"
    assert for_sms("Je n'ai pas compris « 😀 »") == 'Je n\'ai pas compris "?"'


def test_segment_limits_gsm7() -> None:
    assert segments("a" * 160).count == 1
    assert segments("a" * 161).count == 2
    assert segments("a" * 306).count == 2
    assert segments("a" * 307).count == 3
    assert segments("€" * 80) == segments("€" * 80)  # extension characters count twice
    assert segments("€" * 80).units == 160 and segments("€" * 80).count == 1
    assert segments("€" * 81).count == 2
    assert segments("").count == 0


def test_extension_pair_never_split_across_parts() -> None:
    # 152 septets then a 2-septet "€": the pair cannot straddle parts 1 and 2.
    text = "a" * 152 + "€" + "a" * 10
    assert segments(text).units == 164
    assert segments(text).count == 2
    assert segments("a" * 152 + "€" + "a" * 152).count == 3


def test_segment_limits_ucs2() -> None:
    assert segments("ж" * 70).encoding is Encoding.UCS2
    assert segments("ж" * 70).count == 1
    assert segments("ж" * 71).count == 2
    assert segments("ж" * 134).count == 2
    assert segments("ж" * 135).count == 3
    assert segments("a😀").units == 3  # a surrogate pair is two UTF-16 units
    assert segments("ê").encoding is Encoding.UCS2


def test_compact_drops_blank_lines_and_indentation() -> None:
    assert compact("Titre\n\n   1. Lieu  A\n\t  adresse\n") == "Titre\n1. Lieu A\nadresse"


def test_for_sms_transliterates_whole_latin_texts_only() -> None:
    assert for_sms("Crêpe") == "Crepe"
    assert for_sms("Хлеб ê") == "Хлеб ê"
    assert sms_blocks("Адрес: Rue de l’Hôpital\nТел.: 03") == ("Адрес: Rue de l’Hôpital", "Тел.: 03")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Appelez avant.", "Appelez avant..."),
        ("Suite…", "Suite..."),
        ("Fin...", "Fin..."),
        ("Mot ", "Mot..."),
    ],
)
def test_one_ellipsis_never_four_dots(line: str, expected: str) -> None:
    assert ellipsize(line) == expected


@given(
    st.lists(st.text(alphabet="abcdé€ ж😀", min_size=0, max_size=120), min_size=1, max_size=30),
    st.integers(1, 3),
)
def test_pages_fit_and_keep_every_line(lines: list[str], max_segments: int) -> None:
    text = "\n".join(lines)
    pages = paginate(text, max_segments)
    assert all(segments(page).count <= max_segments for page in pages)
    assert "".join("".join(pages).split()) == "".join(text.split())


def test_pages_cut_at_line_boundaries() -> None:
    lines = [f"{i}. Restaurant solidaire numero {i}, 12 rue Longue" for i in range(20)]
    pages = paginate("\n".join(lines), 1)
    assert len(pages) > 1
    for page in pages:
        assert segments(page).count == 1
        assert all(line in lines for line in page.split("\n"))


def test_a_result_and_its_indented_lines_stay_on_one_page() -> None:
    text = "Alimentation près de Strasbourg :\n" + "\n".join(
        f"{i}. Épicerie solidaire numéro {i} — Antenne Centre (400 m) – ouvert jusqu’à 12h\n"
        f"   17 Rue des Tilleuls, Strasbourg · 03 53 01 72 40\n   Info de plus de 6 mois, appelez avant."
        for i in range(1, 4)
    )
    blocks = sms_blocks(text)
    assert len(blocks) == 4 and all(is_gsm(b) for b in blocks)
    assert "Strasbourg - 03 53" in blocks[1]
    pages = paginate("", 3, blocks=blocks)
    assert len(pages) == 2
    for number in (1, 2, 3):
        (page,) = [p for p in pages if f"\n{number}. " in f"\n{p}"]
        assert f"numéro {number} " in page and page.count("17 Rue des Tilleuls") >= 1
    assert all(segments(p).count <= 3 for p in pages)

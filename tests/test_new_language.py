"""A 13th language is one folder under locales/: no line of code changes (Italian, as an example)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import locales

ITALIAN = {
    "language.tsv": "order\t13\ndetect_order\t13\nscript\tLATIN\ndirection\tltr\nletters\tì\t0.5\n",
    "commands.tsv": "help\taiuto\nthanks\tgrazie\nmore\taltro|ancora\nnames\tit|italiano|italian\n"
    "identifies\taiuto|grazie\n",
    "needs.tsv": "mangiare\tfood\nmangiare*\tfood\ndoccia\tshower\ndove\t-\nposso\t-\nho\t-\nfame\tfood\n",
    "when.tsv": "tomorrow\tdomani\ntonight\tstasera\n",
    "filters.tsv": "men\tuomo|uomini\n",
    "safety.tsv": "domestic\tmi picchia\nage.frame\tho\nage.unit\tanni\n",
}
PROBE = """
import json
from datetime import datetime
import locales
from handlers.keywords import parse
from handlers.filters import read_filters
from handlers.safety import read_alerts, is_minor
from handlers.questions import language_menu
from search import understand, PARIS
now = datetime(2026, 11, 17, 10, 15, tzinfo=PARIS)
reading = understand("ho fame, dove posso mangiare domani a mulhouse", now)
print(json.dumps({
    "languages": list(locales.LANGUAGES),
    "menu": language_menu("it").text,
    "help": [str(parse("aiuto").command), parse("aiuto").lang],
    "language_word": [str(parse("italiano").command), parse("italiano").lang],
    "detected": reading.language,
    "needs": [n.category for n in reading.needs],
    "when": reading.when.label if reading.when else None,
    "place": reading.place.insee if reading.place else None,
    "men": read_filters("sono un uomo").gender,
    "violence": read_alerts("mi picchia", ()).domestic,
    "minor": is_minor("ho 16 anni"),
    "catalog": locales.gettext("it", "conversation", "Sorry, I did not understand."),
}, ensure_ascii=False))
"""


def test_a_new_language_is_one_folder(tmp_path: Path) -> None:
    copy = tmp_path / "locales"
    shutil.copytree(Path(locales.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    folder = copy / "it"
    (folder / "LC_MESSAGES").mkdir(parents=True)
    for name, text in ITALIAN.items():
        (folder / name).write_text(text, encoding="utf-8")
    catalog = (copy / "en" / "LC_MESSAGES" / "conversation.po").read_text(encoding="utf-8")
    catalog = catalog.replace('"Language: en\\n"', '"Language: it\\n"').replace(
        'msgstr "Sorry, I did not understand."', 'msgstr "Scusa, non ho capito."'
    )
    (folder / "LC_MESSAGES" / "conversation.po").write_text(catalog, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    found = json.loads(out.stdout)
    assert found["languages"][-1] == "it" and len(found["languages"]) == len(locales.LANGUAGES) + 1
    assert "13. Italiano" in found["menu"]
    assert found["help"] == ["help", "it"] and found["language_word"] == ["language", "it"]
    assert found["detected"] == "it" and found["needs"] == ["food"] and found["when"] == "tomorrow"
    assert found["place"] == "68224" and found["men"] == "men" and found["violence"] and found["minor"]
    assert found["catalog"] == "Scusa, non ho capito."

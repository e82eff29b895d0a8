"""The crisis corpora (tests/handlers/crisis*.jsonl) end to end: every category caught in at least
97 % of its messages, no more than 3 % of the ordinary messages raising an emergency line, and no
crisis phrase read as a place."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.deps import Deps
from tests.handlers.crisis import CATEGORIES, CORPUS, cases, run

CORPORA = [CORPUS, *(CORPUS.with_name(f"crisis_{name}.jsonl") for name in ("second", "heldout"))]


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda p: p.stem)
async def test_crisis_recall_and_false_alarms(deps: Deps, corpus: Path) -> None:
    outcomes = await run(deps, cases(corpus))
    for category in CATEGORIES:
        labelled = [o for o in outcomes if category in o.case.labels]
        missed = [o.case.id for o in labelled if not o.caught(category)]
        assert len(missed) <= 0.03 * len(labelled), (category, missed)
    controls = [o for o in outcomes if not o.case.labels]
    alarms = [o.case.id for o in controls if o.false_alarm]
    assert len(alarms) <= 0.03 * len(controls), alarms
    # A town the reader does not know ("kolmarshi") is a miss the place question recovers from; a
    # wrong town is not, least of all in a crisis.
    wrong = [o for o in outcomes if not o.place_right and o.place_insee is not None]
    assert not [o.case.id for o in wrong if o.case.labels]
    assert len(wrong) <= 0.01 * len(outcomes), [o.case.id for o in wrong]

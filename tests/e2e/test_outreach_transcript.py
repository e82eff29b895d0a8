"""The outreach transcript (docs/transcripts-outreach.md) is made by the real code: it runs, and shows
what the issue asks: a position and a need in one message, a walking limit, one map for a chosen result."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.outreach_transcript import write


def test_the_outreach_transcript(tmp_path: Path) -> None:
    text = write(tmp_path / "transcripts-outreach.md")
    assert "Où êtes-vous" not in text
    assert "près de votre position" in text and "min à pied" in text
    assert text.count("    [map: ") == 1, "one map, for the chosen result"
    assert "n'est pas en France" in text
    assert "Maraude : Alimentation, Douche à Strasbourg (67)" in text

"""The operators' transcript (docs/transcripts-operators.md) is made by the real code: it runs, and says
what the issue asks it to show."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.operators_transcript import write


def test_the_operators_transcript(tmp_path: Path) -> None:
    text = write(tmp_path / "transcripts-operators.md")
    assert text.count("Envoyé au 06 12 34 56 78.") == 2
    assert "What Twilio's REST API received (`To=+33612345678`" in text
    assert "3 segment(s), UCS2" in text or "2 segment(s), UCS2" in text or "1 segment(s), UCS2" in text
    assert "Adresse communiquée sur orientation" in text  # a referral-only place, no street address
    assert "Merci : votre signalement sur" in text
    assert "sur rendez-vous · Signalé récemment : appelez avant." in text  # the operator's list after it
    assert "id,created_at,source,lieu_id" in text and ",closed," in text and ",phone," in text
    assert "+33612345678" not in text.split("## The export")[1]  # the export holds no number

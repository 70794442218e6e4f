"""The shipped transformer on a real published article (read at test time from ../shared/seed).

The article is never copied into the project and never used for training; it checks that
the closing note at the foot of a real article is found and the news body is left alone.
"""
from __future__ import annotations

from pathlib import Path

import pytest

import pressctx

SEED_DIR = Path(__file__).resolve().parents[2] / "shared" / "seed"
SEEDS = sorted(SEED_DIR.glob("*.txt")) if SEED_DIR.is_dir() else []


@pytest.fixture(scope="module")
def tagger():
    return pressctx.load()


@pytest.mark.skipif(not SEEDS, reason="no seed article beside the checkout")
@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_closing_note_found_and_body_left_alone(tagger, path):
    text = path.read_text(encoding="utf-8")
    result = tagger.tag(text)
    segs = result.segments
    note = [i for i, s in enumerate(segs) if s.text.startswith("*") and len(s.text) > 120]
    assert note, "the article should end with an asterisk-led closing note"
    first = note[-1]
    assert {"disclaimer", "hostile_environment"} <= set(segs[first].labels)
    assert "censorship_law" in segs[first].labels
    assert "disclaimer" in segs[first + 1].labels
    body = segs[:first]
    assert [s.text[:60] for s in body if "censorship_law" in s.labels] == []
    # Known weaknesses (docs/models.md, "Real article"): the current model gives one body
    # sentence `disclaimer` (score 0.40 against a threshold of 0.30; the models before gave
    # none) and three body sentences `hostile_environment` (the models before: two). More than
    # that would be a further regression.
    assert len([s for s in body if "disclaimer" in s.labels]) <= 1
    flagged = [s.text[:60] for s in body if s.labels]
    assert len(flagged) <= 3, flagged
    assert "disclaimer" not in segs[-1].labels
    assert set(result.labels) == set(pressctx.LABELS)
    stripped = result.strip(labels=("disclaimer",))
    assert segs[first].text not in stripped.text and segs[0].text in stripped.text

import json

import numpy as np
import pytest

from pressctx.results import build_result
from pressctx.segmentation import segment_text

LABELS = ("disclaimer", "censorship_law", "hostile_environment")


def make(text, probs, thresholds=(0.5, 0.5, 0.5)):
    segs = [(s.start, s.end, s.text) for s in segment_text(text)]
    return build_result(text, segs, np.asarray(probs, dtype=np.float32), LABELS, thresholds)


TEXT = "Oil exports fell. *Journalism here is hard. It was written with care.\nViews: 12"


def test_segments_labels_and_document_scores():
    r = make(TEXT, [[0.1, 0.0, 0.2], [0.9, 0.7, 0.8], [0.8, 0.1, 0.6], [0.0, 0.0, 0.0]])
    assert [s.text for s in r.segments] == ["Oil exports fell.", "*Journalism here is hard.", "It was written with care.", "Views: 12"]
    assert r.segments[1].labels == LABELS
    assert r.segments[2].labels == ("disclaimer", "hostile_environment")
    assert r.labels == LABELS
    assert r.scores["disclaimer"] == pytest.approx(0.9)
    for s in r.segments:
        assert TEXT[s.start : s.end] == s.text


def test_spans_merge_adjacent_runs_per_label():
    r = make(TEXT, [[0.1, 0.0, 0.2], [0.9, 0.7, 0.8], [0.8, 0.1, 0.6], [0.0, 0.0, 0.0]])
    spans = {(s.label, s.text) for s in r.spans}
    assert ("disclaimer", "*Journalism here is hard. It was written with care.") in spans
    assert ("hostile_environment", "*Journalism here is hard. It was written with care.") in spans
    assert ("censorship_law", "*Journalism here is hard.") in spans
    assert len(r.spans) == 3
    for s in r.spans:
        assert TEXT[s.start : s.end] == s.text


def test_non_adjacent_segments_make_separate_spans():
    r = make("A one. B two. C three.", [[0.9, 0, 0], [0.1, 0, 0], [0.9, 0, 0]])
    assert [s.text for s in r.spans] == ["A one.", "C three."]


def test_thresholds_apply_per_label():
    r = make("A one.", [[0.3, 0.3, 0.3]], thresholds=(0.2, 0.5, 0.3))
    assert r.segments[0].labels == ("disclaimer", "hostile_environment")


def test_to_dict_is_json_ready():
    r = make(TEXT, [[0.1, 0.0, 0.2], [0.9, 0.7, 0.8], [0.8, 0.1, 0.6], [0.0, 0.0, 0.0]])
    d = json.loads(json.dumps(r.to_dict()))
    assert set(d) == {"labels", "scores", "segments", "spans"}
    assert "text" in r.to_dict(include_text=True)
    law_spans = [s for s in d["spans"] if s["label"] == "censorship_law"]
    assert law_spans and "laws" in law_spans[0]


def test_strip_removes_chosen_spans_and_keeps_offsets():
    r = make(TEXT, [[0.1, 0.0, 0.2], [0.9, 0.7, 0.8], [0.8, 0.1, 0.6], [0.0, 0.0, 0.0]])
    out = r.strip(labels=("disclaimer",))
    assert out.text == "Oil exports fell.\nViews: 12"
    assert [(s.start, s.end) for s in out.removed] == [(18, 69)]
    assert r.strip(labels=()).text == TEXT
    with pytest.raises(TypeError):
        r.strip(labels="disclaimer")


def test_empty_document():
    r = build_result("", [], np.zeros((0, 3)), LABELS, (0.5, 0.5, 0.5))
    assert r.segments == () and r.spans == () and r.labels == ()
    assert r.scores == {lab: 0.0 for lab in LABELS}

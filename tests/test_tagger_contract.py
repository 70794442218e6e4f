"""One contract, run against the transformer tagger and the baseline."""
from __future__ import annotations

import numpy as np
import pytest

import pressctx

ARTICLE = (
    "Officials met in Caracas on Monday to discuss oil exports. The talks ended without a deal.\n"
    "*Read also: Government extends the emergency decree\n"
    "*Journalism in this country is practised under laws against hatred. This piece was written with those limits in mind.\n"
    "Views: 412"
)


def test_labels_and_proba_shape(any_tagger):
    assert any_tagger.labels == pressctx.LABELS
    probs = any_tagger.predict_proba(["One sentence.", "Another one, a bit longer than the first."])
    assert isinstance(probs, np.ndarray)
    assert probs.shape == (2, 3)
    assert ((probs >= 0) & (probs <= 1)).all()


def test_predict_returns_label_tuples(any_tagger):
    preds = any_tagger.predict(["One sentence.", "Views: 3"])
    assert isinstance(preds, list) and len(preds) == 2
    assert all(isinstance(p, tuple) and set(p) <= set(any_tagger.labels) for p in preds)


def test_predict_proba_empty_sequence(any_tagger):
    assert any_tagger.predict_proba([]).shape == (0, 3)


def test_predict_proba_rejects_bare_string_and_non_strings(any_tagger):
    with pytest.raises(TypeError, match="wrap it in a list"):
        any_tagger.predict_proba("a sentence")
    with pytest.raises(TypeError, match=r"segments\[1\]"):
        any_tagger.predict_proba(["ok", 3])


def test_tag_offsets_and_consistency(any_tagger):
    r = any_tagger.tag(ARTICLE)
    assert len(r.segments) == 6
    for s in r.segments:
        assert ARTICLE[s.start : s.end] == s.text
        assert set(s.scores) == set(any_tagger.labels)
        assert all(0.0 <= v <= 1.0 for v in s.scores.values())
    for span in r.spans:
        assert ARTICLE[span.start : span.end] == span.text
    assert set(r.labels) == {lab for s in r.segments for lab in s.labels}
    probs = any_tagger.predict_proba([s.text for s in r.segments])
    np.testing.assert_allclose([[s.scores[lab] for lab in any_tagger.labels] for s in r.segments], probs, atol=1e-5)


@pytest.mark.parametrize("text", ["", "   \n\t  "])
def test_empty_text_gives_no_segments(any_tagger, text):
    r = any_tagger.tag(text)
    assert r.segments == () and r.spans == () and r.labels == ()


@pytest.mark.parametrize("bad", [None, b"bytes", 42, 3.5, ["a list"]])
def test_tag_rejects_non_strings(any_tagger, bad):
    with pytest.raises(TypeError, match="str"):
        any_tagger.tag(bad)


def test_tag_many_keeps_order_and_count(any_tagger):
    texts = [ARTICLE, "", "Short one.", ARTICLE.upper(), "Rain. Sun. Wind."] * 7
    results = list(any_tagger.tag_many(iter(texts), batch_size=4))
    assert len(results) == len(texts)
    for text, r in zip(texts, results):
        assert r.text == text
    single = any_tagger.tag(ARTICLE)
    assert results[0].to_dict() == single.to_dict()


def test_tag_many_is_lazy(any_tagger):
    def stream():
        yield "First doc."
        raise RuntimeError("the stream was read too far")

    gen = any_tagger.tag_many(stream(), batch_size=1)
    with pytest.raises(RuntimeError):
        list(gen)


def test_tag_many_rejects_a_single_string(any_tagger):
    with pytest.raises(TypeError):
        list(any_tagger.tag_many("one document"))
    with pytest.raises(ValueError):
        list(any_tagger.tag_many(["x"], batch_size=0))


def test_one_megabyte_document(any_tagger):
    para = "The council met again on Tuesday and discussed the budget for roads. " * 20
    text = (para + "\n") * (1_000_000 // (len(para) + 1))
    r = any_tagger.tag(text)
    assert len(r.segments) > 1000
    assert r.segments[-1].end <= len(text)


def test_save_load_round_trip(any_tagger, tmp_path):
    path = any_tagger.save_pretrained(tmp_path / "model")
    loaded = pressctx.load(str(path))
    assert type(loaded) is type(any_tagger)
    assert loaded.labels == any_tagger.labels
    assert loaded.thresholds == pytest.approx(any_tagger.thresholds)
    texts = ["The law against hatred was applied.", "Rain is expected."]
    np.testing.assert_allclose(loaded.predict_proba(texts), any_tagger.predict_proba(texts), atol=1e-5)

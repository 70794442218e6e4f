"""Cascaded tagging: a screen rules out segments, the transformer scores the rest."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import pressctx
from pressctx.training.cascade import attach_screen, choose_cutoff

ARTICLE = (
    "Officials met in Caracas on Monday to discuss oil exports. The talks ended without a deal.\n"
    "*Journalism in this country is practised under laws against hatred. This piece was written with those limits in mind.\n"
    "Views: 412"
)


def test_choose_cutoff_keeps_the_requested_share():
    scores = np.array([0.9, 0.8, 0.05, 0.3, 0.01, 0.6])
    flagged = np.array([True, True, False, True, False, True])
    assert choose_cutoff(scores, flagged, recall=1.0) == pytest.approx(0.3)
    # With 4 flagged segments, 0.75 allows one to fall below the cut-off.
    assert choose_cutoff(scores, flagged, recall=0.75) == pytest.approx(0.6)
    assert choose_cutoff(scores, np.zeros(6, dtype=bool)) == 0.0
    with pytest.raises(ValueError, match="recall"):
        choose_cutoff(scores, flagged, recall=0.0)


@pytest.fixture(scope="module")
def cascaded(tiny_tagger, baseline_tagger, toy_rows):
    tagger = copy.deepcopy(tiny_tagger)
    info = attach_screen(tagger, copy.deepcopy(baseline_tagger), toy_rows, recall=0.99)
    return tagger, info


def test_attach_screen_keeps_what_the_transformer_flags(cascaded, toy_rows):
    tagger, info = cascaded
    assert tagger.cascade and tagger.screen is not None
    assert info["validation_flagged_kept"] >= 0.99
    assert 0.0 <= info["validation_passed_share"] <= 1.0


def test_cascade_stages_and_scores(cascaded):
    tagger, _ = cascaded
    # A cut-off above every screen score rules out every segment: no labels, screen stage.
    tagger.screen_cutoff, saved = 1.01, tagger.screen_cutoff
    try:
        result = tagger.tag(ARTICLE)
    finally:
        tagger.screen_cutoff = saved
    assert [s.stage for s in result.segments] == ["screen"] * len(result.segments)
    assert result.labels == ()
    assert all(s.scores[lab] < t for s in result.segments for lab, t in zip(tagger.labels, tagger.thresholds))
    assert result.to_dict()["segments"][0]["stage"] == "screen"
    # A cut-off of 0 passes everything: the same scores as the transformer alone.
    tagger.screen_cutoff = 0.0
    try:
        through = tagger.tag(ARTICLE)
    finally:
        tagger.screen_cutoff = saved
    tagger.cascade = False
    try:
        full = tagger.tag(ARTICLE)
    finally:
        tagger.cascade = True
    assert [s.stage for s in through.segments] == ["transformer"] * len(full.segments)
    np.testing.assert_allclose(
        [list(s.scores.values()) for s in through.segments], [list(s.scores.values()) for s in full.segments], atol=1e-6
    )


def test_cascade_round_trip_and_switch_off(cascaded, tmp_path):
    tagger, _ = cascaded
    tagger.save_pretrained(tmp_path / "m")
    assert (tmp_path / "m" / "screen.skops").is_file()
    loaded = pressctx.load(tmp_path / "m")
    assert loaded.cascade and loaded.screen_cutoff == pytest.approx(tagger.screen_cutoff)
    np.testing.assert_allclose(loaded.predict_proba(["Views: 3", "A law"]), tagger.predict_proba(["Views: 3", "A law"]), atol=1e-5)
    off = pressctx.load(tmp_path / "m", cascade=False)
    assert not off.cascade
    assert {s.stage for s in off.tag(ARTICLE).segments} == {"transformer"}


def test_screen_must_match_labels(tiny_tagger, baseline_tagger):
    from pressctx.models.transformer import TransformerTagger

    with pytest.raises(ValueError, match="screen"):
        TransformerTagger(tiny_tagger.model, tiny_tagger.tokenizer, tiny_tagger.labels, screen=baseline_tagger)


def test_int8_precision_round_trip(tiny_tagger, tmp_path):
    tagger = copy.deepcopy(tiny_tagger)
    full = tagger.predict_proba(["The law against hatred was used again."])
    tagger.set_precision("int8")
    quant = tagger.predict_proba(["The law against hatred was used again."])
    assert quant.shape == full.shape and np.abs(quant - full).max() < 0.1
    with pytest.raises(ValueError, match="int8"):
        tagger.set_precision("fp32")
    with pytest.raises(ValueError, match="precision"):
        tagger.set_precision("fp16")
    tiny_tagger.save_pretrained(tmp_path / "q")
    assert pressctx.load(tmp_path / "q", precision="int8").precision == "int8"


def test_weights_are_sharded_above_the_limit(tiny_tagger, tmp_path, monkeypatch):
    from pressctx.models import transformer

    monkeypatch.setattr(transformer, "MAX_SHARD_BYTES", 20_000)
    tiny_tagger.save_pretrained(tmp_path / "s", weights="delta")
    shards = sorted((tmp_path / "s").glob("model-*-of-*.safetensors"))
    assert len(shards) > 1 and not (tmp_path / "s" / "model.safetensors").exists()
    # Each shard holds at most the limit in tensor bytes, plus its JSON header.
    assert all(p.stat().st_size < 20_000 + 4_096 for p in shards)
    loaded = pressctx.load(tmp_path / "s")
    # Delta weights are stored in float16.
    np.testing.assert_allclose(loaded.predict_proba(["Views: 3"]), tiny_tagger.predict_proba(["Views: 3"]), atol=2e-3)
    shards[-1].unlink()
    with pytest.raises(pressctx.ModelLoadError, match="missing"):
        pressctx.load(tmp_path / "s")

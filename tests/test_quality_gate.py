"""Regression gate on the shipped models' quality (frozen test splits, pinned floors).

The headline split is the real-derived corpus's test split (outlets never seen in
training); corpus v1's test split stays as a regression check. Floors sit a little under
the figures measured when the models were trained (docs/models.md), so a retrain that
loses quality, or a test split that changes silently, fails here. Changing a test split
means updating its hash on purpose.
"""
from __future__ import annotations

from pathlib import Path

import pytest

import pressctx
from pressctx.data import data_hash, read_examples

REAL_TEST_SHA256 = "1b45c57964f3baea743fdc8a0237f92d7ad23de1ecbafd2f520a24e7f9efc17d"
V1_TEST_SHA256 = "29e425eb4364cfd5e07ae91d9c132e6b4dd9240675a77c6310cf7a2bc68347a9"
CHALLENGE = Path(__file__).parent / "resources" / "challenge_docs.jsonl"

# Measured on the real test split (2,548 segments, 95 articles, after the fifth collection round's
# outlet notes joined it; the transformer in ONNX Runtime float32, screen cut-off 0.145): transformer
# macro 0.642, documents 0.816 (0.400 / 0.806 / 0.713, macro 0.640, in int8); read at 96 tokens as
# shipped since 2026-12-08, 0.639 (0.404 / 0.799 / 0.715), documents 0.817; baseline (retrained on
# the grown real train split) macro 0.635, documents 0.807.
REAL_FLOORS = {"disclaimer": 0.35, "censorship_law": 0.78, "hostile_environment": 0.69}
MULTILINGUAL_FLOORS = {"disclaimer": 0.42, "censorship_law": 0.77, "hostile_environment": 0.72}
# The challenge articles (team-written, corpus v1's style): measured 0.915 (documents) and 0.809
# (segments); the models trained on corpus v1 alone reached 0.975 and 0.86 there (docs/models.md).
CHALLENGE_DOC_FLOOR = 0.89
CHALLENGE_SEGMENT_FLOOR = 0.78


@pytest.fixture(scope="module")
def splits():
    return {"real": pressctx.load_corpus("real")["test"], "v1": pressctx.load_corpus()["test"]}


@pytest.fixture(scope="module")
def reports(splits):
    taggers = {"default": pressctx.load(), "baseline": pressctx.load("baseline"),
               "multilingual": pressctx.load("multilingual")}
    return {
        (split, name): pressctx.evaluate(tagger, data, name=name)
        for split, data in splits.items()
        for name, tagger in taggers.items()
    }


def test_test_splits_are_frozen(splits):
    assert data_hash(read_examples(splits["real"])) == REAL_TEST_SHA256
    assert data_hash(read_examples(splits["v1"])) == V1_TEST_SHA256


def assert_floors(report, label_floors: dict, macro: float, documents: float) -> None:
    for label, floor in label_floors.items():
        assert report.segment["per_label"][label]["f1"] >= floor, (label, report.segment["per_label"][label]["f1"])
    assert report.segment["macro"]["f1"] >= macro, report.segment["macro"]["f1"]
    assert report.document["macro"]["f1"] >= documents, report.document["macro"]["f1"]


def test_transformer_floors_on_real_test(reports):
    assert_floors(reports[("real", "default")], REAL_FLOORS, macro=0.61, documents=0.80)


def test_transformer_ahead_of_baseline_on_real_test(reports):
    # Measured +0.007 (+0.004 at 96 tokens, as shipped) over the baseline retrained in the fifth round (+0.005 in int8, interval -0.024 to +0.034; it was
    # +0.042 over the earlier baseline on the earlier split); the target is +0.05, not met. The
    # gate keeps the transformer from falling clearly behind the baseline.
    margin = reports[("real", "default")].segment["macro"]["f1"] - reports[("real", "baseline")].segment["macro"]["f1"]
    assert margin >= -0.02, margin
    assert reports[("real", "baseline")].segment["macro"]["f1"] >= 0.56


def test_corpus_v1_regression(reports):
    # Measured 0.887 (transformer), 0.893 (multilingual, retrained 2026-12-08) and 0.848 (baseline).
    assert reports[("v1", "default")].segment["macro"]["f1"] >= 0.86
    assert reports[("v1", "multilingual")].segment["macro"]["f1"] >= 0.86
    assert reports[("v1", "baseline")].segment["macro"]["f1"] >= 0.81


def test_multilingual_floors_on_real_test(reports):
    # Measured 0.487 / 0.802 / 0.757 (macro 0.682, documents 0.854; es 0.632, ru 0.809), in ONNX Runtime
    # int8 reading 80 tokens (retrained 2026-12-08; the model before it: 0.656, documents 0.881).
    report = reports[("real", "multilingual")]
    assert_floors(report, MULTILINGUAL_FLOORS, macro=0.65, documents=0.84)
    assert report.segment["macro"]["f1"] - reports[("real", "baseline")].segment["macro"]["f1"] >= 0.02


def test_document_level_on_held_out_challenge_articles():
    report = pressctx.evaluate(pressctx.load(), str(CHALLENGE))
    assert report.document["n"] == 30
    assert report.document["macro"]["f1"] >= CHALLENGE_DOC_FLOOR
    assert report.segment["macro"]["f1"] >= CHALLENGE_SEGMENT_FLOOR

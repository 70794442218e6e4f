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

# Measured on the real test split (2,548 segments, 95 articles). The default (multilingual-e5-small,
# 6 layers, retrained 2026-12-08; ONNX Runtime int8 reading 80 tokens, screen cut-off 0.130):
# 0.481 / 0.800 / 0.757, macro 0.679, documents 0.854 (without the screen 0.682 / 0.854). MiniLM
# (ONNX Runtime float32, 96 tokens, screen cut-off 0.145): 0.404 / 0.799 / 0.715, macro 0.639,
# documents 0.817. Baseline (retrained 2026-12-08 on the sixth round's train split): macro 0.635, documents 0.806.
DEFAULT_FLOORS = {"disclaimer": 0.42, "censorship_law": 0.77, "hostile_environment": 0.72}
MINILM_FLOORS = {"disclaimer": 0.35, "censorship_law": 0.78, "hostile_environment": 0.69}
# The challenge articles (team-written, corpus v1's style): the default measured 0.953 (documents)
# and 0.854 (segments) without its screen, 0.961 and 0.857 with it; MiniLM 0.924 and 0.817 (96 tokens); the models trained on corpus v1
# alone reached 0.975 and 0.86 there (docs/models.md).
CHALLENGE_DOC_FLOOR = 0.89
CHALLENGE_SEGMENT_FLOOR = 0.78


@pytest.fixture(scope="module")
def splits():
    return {"real": pressctx.load_corpus("real")["test"], "v1": pressctx.load_corpus()["test"]}


@pytest.fixture(scope="module")
def reports(splits):
    taggers = {"default": pressctx.load(), "baseline": pressctx.load("baseline"), "minilm": pressctx.load("minilm")}
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


def test_default_floors_on_real_test(reports):
    report = reports[("real", "default")]
    assert_floors(report, DEFAULT_FLOORS, macro=0.65, documents=0.84)
    # The default is ahead of the baseline (measured +0.044) and of MiniLM (+0.040).
    assert report.segment["macro"]["f1"] - reports[("real", "baseline")].segment["macro"]["f1"] >= 0.02
    assert report.segment["macro"]["f1"] - reports[("real", "minilm")].segment["macro"]["f1"] >= 0.02


def test_minilm_floors_on_real_test(reports):
    assert_floors(reports[("real", "minilm")], MINILM_FLOORS, macro=0.61, documents=0.80)
    # Measured +0.004 over the baseline (96 tokens, as shipped); the gate keeps it from falling clearly behind.
    margin = reports[("real", "minilm")].segment["macro"]["f1"] - reports[("real", "baseline")].segment["macro"]["f1"]
    assert margin >= -0.02, margin
    assert reports[("real", "baseline")].segment["macro"]["f1"] >= 0.56


def test_corpus_v1_regression(reports):
    # Measured 0.890 (default, with its screen), 0.887 (MiniLM) and 0.829 (baseline, retrained 2026-12-08; 0.848 before).
    assert reports[("v1", "default")].segment["macro"]["f1"] >= 0.86
    assert reports[("v1", "minilm")].segment["macro"]["f1"] >= 0.86
    assert reports[("v1", "baseline")].segment["macro"]["f1"] >= 0.81


def test_document_level_on_held_out_challenge_articles():
    report = pressctx.evaluate(pressctx.load(), str(CHALLENGE))
    assert report.document["n"] == 30
    assert report.document["macro"]["f1"] >= CHALLENGE_DOC_FLOOR
    assert report.segment["macro"]["f1"] >= CHALLENGE_SEGMENT_FLOOR

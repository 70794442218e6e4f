"""Regression gate on the shipped models' quality (frozen test split, pinned floors).

Floors sit a little under the figures measured when the models were trained
(docs/models.md), so a retrain that loses quality, or a test split that changes
silently, fails here. Changing the test split means updating its hash on purpose.
"""
from __future__ import annotations

from pathlib import Path

import pytest

import pressctx
from pressctx.data import data_hash, read_examples

TEST_SPLIT_SHA256 = "29e425eb4364cfd5e07ae91d9c132e6b4dd9240675a77c6310cf7a2bc68347a9"
CHALLENGE = Path(__file__).parent / "resources" / "challenge_docs.jsonl"

TRANSFORMER_FLOORS = {"disclaimer": 0.93, "censorship_law": 0.90, "hostile_environment": 0.88}
BASELINE_FLOORS = {"disclaimer": 0.87, "censorship_law": 0.89, "hostile_environment": 0.86}


@pytest.fixture(scope="module")
def test_split():
    return pressctx.load_corpus()["test"]


@pytest.fixture(scope="module")
def reports(test_split):
    return {
        name: pressctx.evaluate(pressctx.load(name), test_split, name=name) for name in ("default", "baseline")
    }


def test_test_split_is_frozen(test_split):
    assert data_hash(read_examples(test_split)) == TEST_SPLIT_SHA256


def test_transformer_floors(reports):
    per_label = reports["default"].segment["per_label"]
    for label, floor in TRANSFORMER_FLOORS.items():
        assert per_label[label]["f1"] >= floor, (label, per_label[label]["f1"])
    assert reports["default"].segment["macro"]["f1"] >= 0.91


def test_baseline_floors(reports):
    per_label = reports["baseline"].segment["per_label"]
    for label, floor in BASELINE_FLOORS.items():
        assert per_label[label]["f1"] >= floor, (label, per_label[label]["f1"])


def test_transformer_ahead_of_baseline(reports):
    # The target is +0.05 macro F1; the shipped models reach +0.029 (docs/models.md), so
    # this guards the margin they have.
    margin = reports["default"].segment["macro"]["f1"] - reports["baseline"].segment["macro"]["f1"]
    assert margin >= 0.02, margin


def test_spanish_within_five_points_of_english(reports):
    by_lang = reports["default"].by_lang
    assert by_lang["en"]["macro"]["f1"] - by_lang["es"]["macro"]["f1"] <= 0.05


def test_document_level_on_held_out_challenge_articles():
    report = pressctx.evaluate(pressctx.load(), str(CHALLENGE))
    assert report.document["n"] == 30
    assert report.document["macro"]["f1"] >= 0.95
    assert report.segment["macro"]["f1"] >= 0.85

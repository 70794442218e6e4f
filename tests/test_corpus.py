"""Corpus v1: floors, splits, and no near-duplicates across splits."""
from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

import pressctx
from pressctx.data import corpus_stats, load_documents
from pressctx.data.dedup import NEAR_DUP_THRESHOLD, near_duplicate_pairs

ROOT = Path(__file__).resolve().parents[1]

@pytest.fixture(scope="module")
def corpus():
    return pressctx.load_corpus()


@pytest.fixture(scope="module")
def stats():
    return corpus_stats()


def test_splits_and_columns(corpus):
    assert set(corpus) == {"train", "validation", "test"}
    for split in corpus.values():
        assert {"text", "labels", "lang"} <= set(split.column_names)
        for labels in split["labels"]:
            assert set(labels) <= set(pressctx.LABELS)


def test_floors(stats):
    assert stats["segments"] >= 4000
    assert stats["langs"]["en"]["share"] >= 0.50
    assert stats["langs"]["es"]["share"] >= 0.30
    assert {"pt", "fr", "ru"} <= set(stats["langs"])
    for label in pressctx.LABELS:
        assert stats["labels"][label] >= 500, label
    assert stats["negative_share"] >= 0.55
    assert stats["hard_share_of_negatives"] >= 0.40
    assert stats["countries"] >= 25
    assert stats["instruments"] >= 40
    assert stats["words"]["min"] <= 3 and stats["words"]["max"] >= 80 * 0.9
    assert stats["individually_written_share"] >= 0.70
    assert stats["documents"] >= 80
    assert 6 <= stats["document_segments"]["min"] and stats["document_segments"]["max"] <= 40


def test_every_split_has_every_label_and_language(stats):
    for split, s in stats["per_split"].items():
        for label in pressctx.LABELS:
            assert s[label] >= 50, (split, label)
        assert {"en", "es"} <= set(s["langs"]), split


def test_documents_whole_within_one_split(corpus):
    seen = {}
    for split, ds in corpus.items():
        for doc_id in ds["doc_id"]:
            if doc_id is not None:
                assert seen.setdefault(doc_id, split) == split


def test_document_view_matches_segments():
    docs = load_documents()
    assert sum(len(d) for d in docs.values()) >= 80
    for d in docs["test"]:
        for seg in d["segments"]:
            assert d["text"][seg["start"] : seg["end"]] == seg["text"]
        assert set(d["labels"]) == {lab for s in d["segments"] for lab in s["labels"]}


def test_no_exact_or_near_duplicates_across_splits(corpus):
    texts = {name: list(ds["text"]) for name, ds in corpus.items()}
    for a, b in itertools.combinations(texts, 2):
        pairs = near_duplicate_pairs(texts[a], texts[b], threshold=NEAR_DUP_THRESHOLD)
        assert pairs == [], f"{a}/{b}: {[(texts[a][i], texts[b][j], s) for i, j, s in pairs[:3]]}"


def test_alignment_pairs_are_disjoint_from_held_out_text(corpus):
    """The sentence pairs the encoder is aligned on (corpus/parallel) share no near-duplicate
    with validation, test or the challenge articles, on either side of a pair."""
    import json

    from pressctx.training.alignment import read_pairs

    pairs = read_pairs(str(ROOT / "corpus" / "parallel"))
    assert len(pairs) > 1000 and {"es", "pt", "fr", "ru"} <= set(pairs.langs)
    held = list(corpus["validation"]["text"]) + list(corpus["test"]["text"])
    with open(ROOT / "tests" / "resources" / "challenge_docs.jsonl", encoding="utf-8") as fh:
        held += [seg["text"] for line in fh if line.strip() for seg in json.loads(line)["segments"]]
    found = near_duplicate_pairs(pairs.sources + pairs.targets, held, threshold=NEAR_DUP_THRESHOLD)
    both = pairs.sources + pairs.targets
    assert found == [], [(both[i], held[j], s) for i, j, s in found[:3]]


def test_near_duplicate_measure():
    a = ["Journalism in this country is practised in a hostile environment for the press."]
    b = ["Journalism in this country is practised in a hostile environment for the media.", "Oil prices fell."]
    pairs = near_duplicate_pairs(a, b)
    assert [(i, j) for i, j, _ in pairs] == [(0, 0)]


def test_build_reproduces_the_shipped_splits(tmp_path):
    # The raw files, the frozen split assignment and the audit's relabels rebuild the shipped
    # corpus byte for byte.
    script = ROOT / "scripts" / "build_corpus.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True, capture_output=True)
    shipped = ROOT / "src" / "pressctx" / "data" / "corpus"
    names = sorted(p.name for p in shipped.glob("*.jsonl"))
    assert names == sorted(p.name for p in tmp_path.glob("*.jsonl"))
    for name in names:
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name

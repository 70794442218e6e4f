"""The real-derived corpus: provenance on every row, splits by outlet, no leaks, a reproducible build."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import pressctx
from pressctx.data import SPLITS, corpus_data
from pressctx.data.real import REAL_FLOORS, real_corpus_stats

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def real():
    return pressctx.load_corpus("real")


@pytest.fixture(scope="module")
def stats():
    return real_corpus_stats()


def test_columns_and_provenance(real):
    assert set(real) == set(SPLITS)
    for split in SPLITS:
        ds = real[split]
        assert {"text", "labels", "lang", "source", "outlet", "origin", "mined", "doc_id"} <= set(ds.column_names)
        for row in ds:
            assert row["origin"] == "real"
            assert row["source"].startswith(("http://", "https://")), row["source"]
            assert row["outlet"] and " " not in row["outlet"]
            assert set(row["labels"]) <= set(pressctx.LABELS)
            assert row["lang"] in {"en", "es", "ru", "pt", "fr"}
            assert not (row["mined"] and row["labels"]), "a mined hard negative carries no label"


def test_splits_are_disjoint_by_outlet_and_near_duplicates(stats):
    leaks = stats["leaks"]
    assert leaks["outlets_in_several_splits"] == []
    assert leaks["near_duplicates_across_splits"] == []


def test_articles_are_whole_and_in_one_split():
    docs = pressctx.load_documents("real")
    seen = {}
    for split in SPLITS:
        for d in docs[split]:
            assert d["doc_id"] not in seen
            seen[d["doc_id"]] = split
            assert 8 <= len(d["segments"]) <= 40
            for s in d["segments"]:
                assert d["text"][s["start"] : s["end"]] == s["text"]
            assert d["labels"] == [lab for lab in pressctx.LABELS if any(lab in s["labels"] for s in d["segments"])]


def test_held_out_sizes(stats):
    for name in ("validation_segments", "test_segments", "validation_articles", "test_articles"):
        value, floor, met = stats["floors"][name]
        assert met, f"{name}: {value} < {floor}"
    assert set(stats["floors"]) == set(REAL_FLOORS)


def test_build_reproduces_the_shipped_files():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_real_corpus.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_corpus_specs(real):
    assert len(corpus_data("real:validation")) == len(real["validation"])
    both = corpus_data("real+corpus:train")
    assert len(both) == len(real["train"]) + len(pressctx.load_corpus()["train"])
    with pytest.raises(pressctx.DataError, match="unknown corpus"):
        pressctx.load_corpus("fake")
    with pytest.raises(pressctx.DataError, match="unknown split"):
        corpus_data("real:dev")


def test_stats_command_prints_floors(capsys):
    from pressctx.data import main

    assert main(["stats", "--real"]) == 0
    out = capsys.readouterr().out
    assert "mined_negatives" in out and "outlets in more than one split: 0" in out


@pytest.mark.parametrize("split", ["test", "validation"])
def test_second_annotation_matches_its_split(real, split):
    """The blind second annotation (benchmarks/annotator_agreement.py) is one row per segment, in order."""
    import hashlib
    import json

    path = Path(__file__).resolve().parents[1] / "corpus" / "real" / f"second_annotation_{split}.jsonl"
    if not path.exists():
        pytest.skip(f"no second annotation of {split}")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    segs = real[split]
    assert len(rows) == len(segs)
    for row, seg in zip(rows, segs):
        assert row["text_sha1"] == hashlib.sha1(seg["text"].encode("utf-8")).hexdigest()[:16]
        assert (row["doc_id"], row["position"]) == (seg["doc_id"], seg["position"])
        assert set(row["labels"]) <= set(pressctx.LABELS)


def _build_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_real_corpus", ROOT / "scripts" / "build_real_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_training_only_outlets_go_to_train_and_frozen_ones_stay():
    build = _build_module()

    def row(outlet, text, labels=()):
        return {"outlet": outlet, "text": text, "labels": list(labels), "lang": "es", "kind": "body", "doc_id": None}

    rows = [row("kept-in-test.org", "El tribunal de apelaciones confirmó la condena contra el editor del semanario local."),
            row("new-a.org", "La alcaldía anunció un plan de asfaltado para los barrios del norte de la ciudad.", ["hostile_environment"]),
            row("new-b.org", "Un apagón de seis horas dejó sin agua a tres municipios de la costa caribe.")]
    frozen = {"kept-in-test.org": "test"}
    placed = build.assign_splits(rows, frozen)
    assert placed["kept-in-test.org"] == "test"
    # By the share rule the new outlets fill the held-out splits; as a training-only round's, they go to train.
    assert {placed["new-a.org"], placed["new-b.org"]} != {"train"}
    only = build.assign_splits(rows, frozen, train_only={"new-a.org", "new-b.org"})
    assert only == {"kept-in-test.org": "test", "new-a.org": "train", "new-b.org": "train"}
    assert build.TRAIN_ONLY and all(isinstance(p, str) for p in build.TRAIN_ONLY)

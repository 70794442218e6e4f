from __future__ import annotations

import json

import pytest

import pressctx
from pressctx import DataError
from pressctx.data import read_examples

ROWS = [
    {"text": "A law against hatred.", "labels": ["censorship_law"], "lang": "en"},
    {"text": "Rain.", "labels": [], "lang": "en"},
]


def test_jsonl_csv_parquet_and_dataset_agree(tmp_path):
    import datasets

    jl = tmp_path / "d.jsonl"
    jl.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    csv = tmp_path / "d.csv"
    csv.write_text('text,labels,lang\n"A law against hatred.",censorship_law,en\nRain.,,en\n')
    pq = tmp_path / "d.parquet"
    datasets.Dataset.from_list(ROWS).to_parquet(str(pq))
    for source in (jl, str(csv), pq, datasets.Dataset.from_list(ROWS), ROWS):
        ex = read_examples(source, labels=pressctx.LABELS)
        assert ex.texts == ["A law against hatred.", "Rain."]
        assert ex.labels == [["censorship_law"], []]
        assert ex.langs == ["en", "en"]


def test_documents_are_flattened_with_their_ids():
    docs = [{"doc_id": "d1", "lang": "es", "segments": [{"text": "Uno.", "labels": []},
                                                       {"text": "Dos.", "labels": ["disclaimer"]}]}]
    ex = read_examples(docs, labels=pressctx.LABELS)
    assert ex.texts == ["Uno.", "Dos."] and ex.doc_ids == ["d1", "d1"] and ex.langs == ["es", "es"]
    assert ex.documents() == {"d1": [0, 1]}


def test_clear_errors(tmp_path):
    with pytest.raises(DataError, match=r"missing column\(s\) \['labels'\]"):
        read_examples([{"text": "x"}])
    with pytest.raises(DataError, match="unknown label 'disclaimr'"):
        read_examples([{"text": "x", "labels": ["disclaimr"]}], labels=pressctx.LABELS)
    with pytest.raises(DataError, match="DatasetDict"):
        read_examples(pressctx.load_corpus())
    with pytest.raises(DataError, match="no such data file"):
        read_examples(tmp_path / "nope.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "labels": []}\n{broken\n')
    with pytest.raises(DataError, match="line 2"):
        read_examples(bad)
    with pytest.raises(DataError, match="unsupported file type"):
        read_examples(tmp_path / "x.xlsx") if (tmp_path / "x.xlsx").write_text("") is not None else None
    with pytest.raises(DataError, match="must be a string"):
        read_examples([{"text": 3, "labels": []}])

from __future__ import annotations

import io

import datasets
import pytest

import pressctx
from pressctx.io.records import iter_records


def test_tag_dataset_adds_columns_and_keeps_rows(baseline_tagger):
    ds = datasets.Dataset.from_list(
        [{"body": "Oil exports fell. *Journalism here is done under the law against hatred.", "n": 1},
         {"body": "", "n": 2},
         {"body": None, "n": 3}]
    )
    out = pressctx.tag_dataset(ds, text_column="body", tagger=baseline_tagger, batch_size=8)
    assert len(out) == 3 and out["n"] == [1, 2, 3]
    for name in ("pressctx_labels", "pressctx_spans", "pressctx_error",
                 *(f"pressctx_score_{lab}" for lab in pressctx.LABELS)):
        assert name in out.column_names
    first = baseline_tagger.tag(ds[0]["body"])
    assert out[0]["pressctx_labels"] == list(first.labels)
    assert out[0]["pressctx_score_disclaimer"] == pytest.approx(first.scores["disclaimer"], abs=1e-5)
    assert out[1]["pressctx_labels"] == [] and out[1]["pressctx_error"] is None
    assert out[2]["pressctx_error"] and out[2]["pressctx_labels"] == []


def test_tag_dataset_clear_errors(baseline_tagger):
    ds = datasets.Dataset.from_list([{"text": "x"}])
    with pytest.raises(pressctx.DataError, match="no column 'body'"):
        pressctx.tag_dataset(ds, text_column="body", tagger=baseline_tagger)
    with pytest.raises(pressctx.DataError, match="DatasetDict"):
        pressctx.tag_dataset(datasets.DatasetDict({"train": ds}), tagger=baseline_tagger)


def test_records_from_stdin_jsonl_and_text():
    recs = list(iter_records(["-"], stdin=io.BytesIO(b'{"id": 1, "text": "a"}\n{bad\n')))
    assert [r.id for r in recs] == [1, "<stdin>:2"] and recs[1].error
    recs = list(iter_records(["-"], stdin=io.BytesIO("Plain text.\nMore.".encode())))
    assert len(recs) == 1 and recs[0].text == "Plain text.\nMore."


def test_missing_file_is_a_record_not_a_crash(tmp_path):
    recs = list(iter_records([str(tmp_path / "gone.txt"), str(tmp_path / "gone.jsonl")]))
    assert len(recs) == 2 and all(r.error and "no such file" in r.error for r in recs)

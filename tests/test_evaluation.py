from __future__ import annotations

import json

import numpy as np
import pytest

import pressctx
from pressctx.evaluation import format_side_by_side, label_metrics


def test_label_metrics_known_values():
    y_true = np.array([[1, 0], [1, 1], [0, 0], [0, 1]])
    y_pred = np.array([[1, 0], [0, 1], [1, 0], [0, 1]])
    m = label_metrics(y_true, y_pred, ["a", "b"])
    assert m["per_label"]["a"] == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2})
    assert m["per_label"]["b"] == pytest.approx({"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2})
    assert m["micro"]["precision"] == pytest.approx(3 / 4)
    assert m["micro"]["recall"] == pytest.approx(3 / 4)
    assert m["macro"]["f1"] == pytest.approx(0.75)


class FixedTagger(pressctx.Tagger):
    """Predicts disclaimer for segments that start with '*'."""

    def predict_proba(self, segments):
        from pressctx.models.base import check_segments

        segs = check_segments(segments)
        return np.array([[1.0 if s.startswith("*") else 0.0, 0.0, 0.0] for s in segs], dtype=np.float32).reshape(-1, 3)

    def save_pretrained(self, path):
        raise NotImplementedError


def test_evaluate_segments_documents_and_languages():
    rows = [
        {"text": "*Note.", "labels": ["disclaimer"], "lang": "en", "doc_id": "a"},
        {"text": "Body.", "labels": [], "lang": "en", "doc_id": "a"},
        {"text": "Cuerpo.", "labels": ["disclaimer"], "lang": "es", "doc_id": "b"},
        {"text": "*Nota.", "labels": [], "lang": "es"},
    ]
    report = pressctx.evaluate(FixedTagger(pressctx.LABELS), rows, name="fixed")
    seg = report.segment["per_label"]["disclaimer"]
    assert (seg["precision"], seg["recall"], seg["support"]) == (0.5, 0.5, 2)
    doc = report.document["per_label"]["disclaimer"]
    assert report.document["n"] == 2 and (doc["precision"], doc["recall"]) == (1.0, 0.5)
    assert set(report.by_lang) == {"en", "es"}
    d = json.loads(json.dumps(report.to_dict()))
    assert d["segment"]["macro"]["f1"] == pytest.approx(report.segment["macro"]["f1"], abs=1e-4)
    table = format_side_by_side([report, report])
    assert "disclaimer" in table and "Document level" in table and table.count("fixed") == 4


def test_cli_evaluate_compares_models_side_by_side(baseline_tagger, tmp_path, capsys):
    from pressctx.cli import main

    path = baseline_tagger.save_pretrained(tmp_path / "bl")
    data = tmp_path / "test.jsonl"
    rows = pressctx.load_corpus()["test"].select(range(60)).to_list()
    data.write_text("\n".join(json.dumps(r) for r in rows))
    assert main(["evaluate", "--model", str(path), "--model", str(path), "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "macro avg" in out and out.count(str(path)[:28]) >= 2
    assert "minus" in out and "+0.000 (95% paired-bootstrap interval +0.000 to +0.000" in out  # a model against itself
    assert main(["evaluate", "--model", str(path), "--data", str(data), "--json"]) == 0
    parsed = json.loads(capsys.readouterr().out)
    assert parsed[0]["segment"]["n"] == 60
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "labels": ["whatever"]}\n')
    assert main(["evaluate", "--model", str(path), "--data", str(bad)]) == 2
    assert "unknown label 'whatever'" in capsys.readouterr().err


def test_macro_f1_difference_paired_bootstrap(baseline_tagger, tiny_tagger):
    import numpy as np

    import pressctx
    from pressctx.evaluation import evaluate, macro_f1_difference

    rows = [dict(r) for r in pressctx.load_corpus()["validation"].select(range(120))]
    a = evaluate(baseline_tagger, rows, name="baseline")
    b = evaluate(tiny_tagger, rows, name="tiny")
    d = macro_f1_difference(a, b, n_boot=300)
    expected = a.segment["macro"]["f1"] - b.segment["macro"]["f1"]
    assert np.isclose(d["difference"], expected)
    assert d["low"] <= d["difference"] <= d["high"] and d["low"] < d["high"]
    assert d["units"] == len({r["doc_id"] or f"row{i}" for i, r in enumerate(rows)}) < len(rows)
    same = macro_f1_difference(a, a, n_boot=50)
    assert same["difference"] == same["low"] == same["high"] == 0.0
    assert macro_f1_difference(a, b, n_boot=300) == d  # seeded
    other = evaluate(baseline_tagger, rows[:60])
    with pytest.raises(ValueError, match="same data"):
        macro_f1_difference(a, other)
    assert "y_true" not in a.to_dict()
    from pressctx.evaluation import format_differences

    assert format_differences([a]) == ""
    assert format_differences([a, b]).startswith(f"Segment macro F1, baseline minus tiny: {d['difference']:+.3f} ")

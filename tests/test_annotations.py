"""Annotation-tool exports (Label Studio, Argilla, doccano) read as training and evaluation data."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import pressctx
from pressctx.data import read_examples
from pressctx.data.annotations import detect_format, parse_label_map, read_annotations
from pressctx.errors import DataError

RES = Path(__file__).parent / "resources" / "annotations"
MAP = "Disclaimer=disclaimer,Law=censorship_law,Hostile=hostile_environment,Other="
NOTE = "*Journalism in Venezuela is practised under the law against hatred"


def by_text(rows):
    return {r["text"]: r for r in rows}


@pytest.mark.parametrize(
    "name, fmt",
    [("label_studio.json", "label-studio"), ("argilla.json", "argilla"), ("argilla_flat.jsonl", "argilla"),
     ("doccano.jsonl", "doccano")],
)
def test_detects_format_and_maps_whole_text_labels(name, fmt):
    raw = json.loads((RES / name).read_text()) if name.endswith(".json") else [
        json.loads(line) for line in (RES / name).read_text().splitlines()]
    assert detect_format(raw) == fmt
    rows = by_text(read_annotations(RES / name, label_map=MAP))
    note = next(r for t, r in rows.items() if t.startswith(NOTE))
    assert note["labels"] == ["disclaimer", "censorship_law"] and note["doc_id"] is None
    assert rows["The finance ministry published the new tax calendar on Monday."]["labels"] == []
    assert rows["El equipo local ganó el partido por dos goles."]["labels"] == []  # "Other=" drops the label
    assert rows["Parliament approved the foreign agents law in a second reading."]["labels"] == ["censorship_law"]


@pytest.mark.parametrize("name", ["label_studio.json", "argilla.json", "doccano.jsonl"])
def test_span_labels_go_to_the_segments_they_cover(name):
    rows = [r for r in read_annotations(RES / name, label_map=MAP) if r["doc_id"] is not None]
    assert [r["text"] for r in rows] == [
        "The council met on Monday to approve the budget.",
        "Reporters were barred from the session and two were detained outside.",
        "*This outlet works under Russia's foreign agents law; our editors work from exile for their safety.",
    ]
    assert [r["labels"] for r in rows] == [[], ["hostile_environment"], ["disclaimer", "censorship_law"]]
    assert len({r["doc_id"] for r in rows}) == 1


def test_unannotated_and_cancelled_items_are_skipped():
    texts = {r["text"] for r in read_annotations(RES / "label_studio.json", label_map=MAP)}
    assert "A cancelled annotation is not a label." not in texts
    assert "A task nobody annotated yet." not in texts
    assert "Not annotated yet." not in {r["text"] for r in read_annotations(RES / "argilla.json", label_map=MAP)}


def test_argilla_keeps_labels_at_least_half_the_annotators_chose():
    rows = by_text(read_annotations(RES / "argilla.json", label_map=MAP))
    # one of two annotators chose Hostile: kept (half); the suggestion is not a response
    assert rows["Reporters have been detained and threatened across the region this year."]["labels"] == [
        "hostile_environment"]
    assert rows["El equipo local ganó el partido por dos goles."]["lang"] == "es"


def test_read_examples_detects_exports_and_checks_labels():
    ex = read_examples(RES / "doccano.jsonl", labels=pressctx.LABELS, label_map=MAP)
    assert len(ex) == 8 and len(ex.documents()) == 1
    with pytest.raises(DataError, match="unknown label 'Disclaimer'"):
        read_examples(RES / "label_studio.json", labels=pressctx.LABELS)  # tool labels without a map


def test_bad_exports_give_clear_errors(tmp_path):
    with pytest.raises(DataError, match=r"line 1: span \[0, 400, 'Disclaimer'\] is not inside the text \(11 characters\)"):
        read_annotations(RES / "doccano_bad.jsonl")
    bad = tmp_path / "ls.json"
    bad.write_text(json.dumps([{"id": 1, "annotations": [{"result": [{"type": "choices"}]}], "data": {"text": "x"}}]))
    with pytest.raises(DataError, match="task 0: an annotation result without a 'value' object"):
        read_annotations(bad)
    bad.write_text('[{"id": 1, "data": {"text": "x"}, "annotations": [')
    with pytest.raises(DataError, match="invalid JSON"):
        read_annotations(bad)
    pending = tmp_path / "pending.json"
    pending.write_text(json.dumps([{"id": 1, "data": {"text": "x"}, "annotations": []}]))
    with pytest.raises(DataError, match="no annotated items in this label-studio export"):
        read_annotations(pending)
    with pytest.raises(DataError, match="has no '='"):
        parse_label_map("Disclaimer:disclaimer")
    with pytest.raises(DataError, match="unknown data format"):
        read_annotations(RES / "doccano.jsonl", data_format="prodigy")


def test_cli_evaluate_and_train_from_exports(tmp_path, capsys):
    from pressctx.cli import main

    code = main(["evaluate", "--model", "baseline", "--data", str(RES / "label_studio.json"), "--label-map", MAP, "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)[0]
    assert report["segment"]["n"] == 8 and report["document"]["n"] == 1
    assert report["segment"]["per_label"]["disclaimer"]["support"] == 2
    code = main(["evaluate", "--model", "baseline", "--data", str(RES / "doccano_bad.jsonl"), "--data-format", "doccano"])
    assert code == 2
    assert "is not inside the text" in capsys.readouterr().err
    out = tmp_path / "model"
    assert main(["train", "--kind", "baseline", "--data", str(RES / "doccano.jsonl"), "--validation",
                 str(RES / "argilla.json"), "--label-map", MAP, "--output", str(out)]) == 0
    assert pressctx.load(out).labels == pressctx.LABELS


def test_trainer_on_export_rows(tiny_base):
    from pressctx import Trainer, TrainingArguments

    rows = read_annotations(RES / "argilla.json", label_map=MAP)
    args = TrainingArguments(base_model=tiny_base, max_steps=2, batch_size=4, progress=False, max_length=32)
    tagger = Trainer(args, rows, rows).train()
    assert tagger.labels == pressctx.LABELS

from __future__ import annotations

import json

import numpy as np
import pytest

import pressctx
from pressctx import ConfigError, DataError, ModelLoadError, Trainer, TrainingArguments


def test_training_writes_a_complete_model_dir(tiny_tagger, tmp_path):
    path = tiny_tagger.save_pretrained(tmp_path / "m")
    names = {p.name for p in path.iterdir()}
    assert {"config.json", "model.safetensors", "training_args.json", "tokenizer.json"} <= names
    config = json.loads((path / "config.json").read_text())
    assert config["labels"] == list(pressctx.LABELS)
    assert set(config["thresholds"]) == set(pressctx.LABELS)
    assert config["format_version"] == 1
    assert len(config["training_data"]["sha256"]) == 64
    args = json.loads((path / "training_args.json").read_text())
    assert args["max_steps"] == 4 and args["seed"] == 42
    assert "validation" in config


def test_delta_weights_round_trip(tiny_tagger, tmp_path):
    path = tiny_tagger.save_pretrained(tmp_path / "delta", weights="delta")
    full = tiny_tagger.save_pretrained(tmp_path / "full")
    assert (path / "model.safetensors").stat().st_size < (full / "model.safetensors").stat().st_size / 2
    loaded = pressctx.load(path)
    texts = ["A foreign agents law.", "Rain."]
    np.testing.assert_allclose(loaded.predict_proba(texts), tiny_tagger.predict_proba(texts), atol=2e-2)


def test_training_is_reproducible(tiny_base, toy_rows):
    args = TrainingArguments(base_model=tiny_base, max_steps=3, batch_size=4, progress=False, max_length=32)
    a = Trainer(args, toy_rows).train().predict_proba(["A law.", "Rain."])
    b = Trainer(args, toy_rows).train().predict_proba(["A law.", "Rain."])
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_custom_label_set(tiny_base, tmp_path):
    rows = [
        {"text": "This material was produced by a foreign agent.", "labels": ["foreign_agent_label"]},
        {"text": "Rain is expected.", "labels": []},
        {"text": "The outlet writes from exile.", "labels": ["exile_note"]},
        {"text": "Markets rose.", "labels": []},
    ]
    args = TrainingArguments(base_model=tiny_base, max_steps=2, batch_size=2, progress=False)
    tagger = Trainer(args, rows, rows).train()
    assert tagger.labels == ("exile_note", "foreign_agent_label")
    assert tagger.predict_proba(["x"]).shape == (1, 2)
    path = tagger.save_pretrained(tmp_path / "custom")
    loaded = pressctx.load(path)
    assert loaded.labels == tagger.labels
    r = loaded.tag("Rain is expected. This material was produced by a foreign agent.")
    assert set(r.scores) == {"exile_note", "foreign_agent_label"}
    report = pressctx.evaluate(loaded, rows)
    assert set(report.segment["per_label"]) == {"exile_note", "foreign_agent_label"}


def test_unknown_label_and_missing_column(tiny_base, toy_rows):
    args = TrainingArguments(base_model=tiny_base, max_steps=1, labels=list(pressctx.LABELS), progress=False)
    with pytest.raises(DataError, match="unknown label 'nope'"):
        Trainer(args, toy_rows + [{"text": "x", "labels": ["nope"]}]).train()
    with pytest.raises(DataError, match="missing column"):
        Trainer(args, [{"body": "x", "labels": []}]).train()


def test_unloadable_base_is_a_clear_error(toy_rows):
    args = TrainingArguments(base_model="/no/such/folder/model", max_steps=1, progress=False)
    with pytest.raises(ModelLoadError, match="cannot load"):
        Trainer(args, toy_rows).train()


def test_training_arguments_validation(tmp_path):
    with pytest.raises(ConfigError, match="epochs"):
        TrainingArguments(epochs=0)
    with pytest.raises(ConfigError, match="did you mean 'learning_rate'"):
        TrainingArguments.from_dict({"learning_rte": 1e-4})
    cfg = tmp_path / "train.toml"
    cfg.write_text('[training]\nepochs = 2\nlearning_rate = 3e-5\nseed = 7\n')
    args = TrainingArguments.from_file(cfg, overrides={"seed": 11, "batch_size": None})
    assert (args.epochs, args.learning_rate, args.seed, args.batch_size) == (2, 3e-5, 11, 32)
    js = tmp_path / "train.json"
    js.write_text(json.dumps(args.to_dict()))
    assert TrainingArguments.from_file(js) == args
    bad = tmp_path / "bad.yaml"
    bad.write_text("x: 1")
    with pytest.raises(ConfigError):
        TrainingArguments.from_file(bad)


def test_cli_train_with_config_and_override(tiny_base, toy_rows, tmp_path, capsys):
    from pressctx.cli import main

    data = tmp_path / "train.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in toy_rows))
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'base_model = "{tiny_base}"\nmax_steps = 2\nbatch_size = 4\nseed = 3\n')
    out = tmp_path / "model"
    assert main(["train", "--data", str(data), "--validation", str(data), "--output", str(out),
                 "--config", str(cfg), "--seed", "5", "--quiet"]) == 0
    args = json.loads((out / "training_args.json").read_text())
    assert args["seed"] == 5 and args["max_steps"] == 2
    assert "loss" not in capsys.readouterr().out  # --quiet: no log dicts on stdout
    assert pressctx.load(out).predict_proba(["x"]).shape == (1, 3)


def test_context_model_reads_neighbours(tiny_base, toy_rows, tmp_path):
    docs = [{"doc_id": f"d{k}", "segments": [{"text": r["text"], "labels": r["labels"]} for r in toy_rows[k:k + 4]]}
            for k in range(0, 8, 4)]
    args = TrainingArguments(base_model=tiny_base, max_steps=3, batch_size=4, progress=False, context=True)
    tagger = Trainer(args, docs + toy_rows, docs).train()
    assert tagger.context
    doc = [r["text"] for r in toy_rows[:4]]
    in_doc = tagger._score_documents([doc])[0]
    alone = tagger.predict_proba(doc)
    assert in_doc.shape == alone.shape == (4, 3)
    assert not np.allclose(in_doc, alone)
    loaded = pressctx.load(tagger.save_pretrained(tmp_path / "ctx"))
    assert loaded.context
    np.testing.assert_allclose(loaded._score_documents([doc])[0], in_doc, atol=1e-5)
    r = loaded.tag(" ".join(doc))
    assert len(r.segments) == 4
    long = "word " * 400
    assert loaded._score_documents([[long, long, "short"]])[0].shape == (3, 3)


def test_context_dropout_reads_some_examples_alone():
    from pressctx.training.trainer import _Encoded

    with_ctx = {"input_ids": [[1, 2, 9, 9]] * 200}
    alone = {"input_ids": [[1, 2]] * 200}
    targets = np.zeros((200, 3), dtype=np.float32)
    ds = _Encoded(with_ctx, targets, alone, p_alternative=0.3, seed=1)
    assert [len(item["input_ids"]) for item in ds] == [4] * 200  # what the length-grouped sampler measures
    picked = [len(ds[i]["input_ids"]) == 2 for i in range(200)]
    assert 30 < sum(picked) < 90  # about 30% read without context
    again = _Encoded(with_ctx, targets, alone, p_alternative=0.3, seed=1)
    assert [len(again[i]["input_ids"]) == 2 for i in range(200)] == picked  # seeded
    off = _Encoded(with_ctx, targets, alone, p_alternative=0.0, seed=1)
    assert all(len(off[i]["input_ids"]) == 4 for i in range(200))
    with pytest.raises(ConfigError, match="context_dropout"):
        TrainingArguments(context_dropout=1.0)


def test_training_with_context_dropout(tiny_base, toy_rows):
    docs = [{"doc_id": f"d{k}", "segments": [{"text": r["text"], "labels": r["labels"]} for r in toy_rows[k:k + 4]]}
            for k in range(0, 8, 4)]
    args = TrainingArguments(base_model=tiny_base, max_steps=2, batch_size=4, progress=False, context=True,
                             context_dropout=0.5)
    tagger = Trainer(args, docs + toy_rows, docs).train()
    assert tagger.training_args["context_dropout"] == 0.5
    assert tagger._score_documents([[r["text"] for r in toy_rows[:3]]])[0].shape == (3, 3)


def test_language_repeats(tiny_base, toy_rows):
    from pressctx.training.trainer import _Encoded

    twice = _Encoded({"input_ids": [[1], [2], [3]]}, np.eye(3, dtype=np.float32), rows=[0, 1, 1, 2])
    assert [item["input_ids"] for item in twice] == [[1], [2], [2], [3]]
    assert twice[2]["labels"] == [0.0, 1.0, 0.0]
    rows = [dict(r, lang="es" if k % 2 else "en") for k, r in enumerate(toy_rows)]
    args = TrainingArguments(base_model=tiny_base, max_steps=2, batch_size=4, progress=False,
                             language_repeats={"es": 2})
    assert Trainer(args, rows, rows).train().training_args["language_repeats"] == {"es": 2}
    with pytest.raises(ConfigError, match="language_repeats"):
        TrainingArguments(language_repeats={"es": 0})


def test_ngram_hasher_rows_and_padding():
    from pressctx.models.ngrams import NgramHasher

    hasher = NgramHasher(64)
    assert hasher.size == 80
    ids, weights = hasher.rows(["Закон об иностранных агентах", "Ley contra el Odio", ""])
    assert len(ids) == 3 and len(ids[2]) == 0  # empty text: no n-grams
    assert all(0 <= i < hasher.size for row in ids for i in row)
    assert any(i >= 64 for i in ids[1]) and any(i < 64 for i in ids[1])  # word and character parts
    again, _ = NgramHasher.from_config(hasher.config()).rows(["ley CONTRA el odio"])
    assert sorted(again[0].tolist()) == sorted(ids[1].tolist())  # case-insensitive, same buckets
    padded, w = hasher.pad(ids, weights)
    assert padded.shape == w.shape == (3, max(len(r) for r in ids))
    assert w[2].sum() == 0 and padded[2].sum() == 0
    assert hasher.rows([]) == ([], [])
    with pytest.raises(ValueError, match="buckets"):
        NgramHasher(4)


def test_ngram_layer_trains_and_round_trips(tiny_base, toy_rows, tmp_path):
    args = TrainingArguments(base_model=tiny_base, max_steps=6, batch_size=4, progress=False, max_length=48,
                             ngram_buckets=256, ngram_learning_rate=0.05, context=True)
    tagger = Trainer(args, toy_rows, toy_rows).train()
    assert tagger.model.wide is not None and float(tagger.model.wide.weight.detach().abs().max()) > 0.01
    texts = [r["text"] for r in toy_rows] + [""]
    probs = tagger.predict_proba(texts)
    for weights in ("full", "delta"):
        path = tagger.save_pretrained(tmp_path / weights, weights=weights)
        config = json.loads((path / "config.json").read_text())
        assert config["ngrams"]["buckets"] == 256
        loaded = pressctx.load(path)
        assert loaded.ngrams is not None and loaded.ngrams.size == tagger.ngrams.size
        np.testing.assert_allclose(loaded.predict_proba(texts), probs, atol=2e-2 if weights == "delta" else 1e-6)
    # Removing the n-gram layer's weights from the file is a load error, not a silent zero layer.
    from safetensors.torch import load_file, save_file

    state = load_file(str(tmp_path / "full" / "model.safetensors"))
    del state["wide.weight"]
    save_file(state, str(tmp_path / "full" / "model.safetensors"))
    with pytest.raises(ModelLoadError):
        pressctx.load(tmp_path / "full")
    for bad in ({"ngram_buckets": 8}, {"ngram_buckets": True}, {"ngram_learning_rate": 0}):
        with pytest.raises(ConfigError, match="ngram"):
            TrainingArguments(**bad)


def test_encoder_layers_keeps_the_first_layers_and_round_trips(tiny_base, toy_rows, tmp_path):
    from pressctx.cli import main

    data = tmp_path / "train.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in toy_rows))
    out = tmp_path / "one-layer"
    assert main(["train", "--data", str(data), "--validation", str(data), "--output", str(out), "--base", tiny_base,
                 "--max-steps", "2", "--batch-size", "4", "--encoder-layers", "1", "--weights", "delta", "--quiet"]) == 0
    assert json.loads((out / "training_args.json").read_text())["encoder_layers"] == 1
    assert json.loads((out / "config.json").read_text())["encoder"]["num_hidden_layers"] == 1
    loaded = pressctx.load(out)
    assert len(loaded.model.encoder.encoder.layer) == 1
    # Without the option both layers stay; with it, the API trains the same model as the CLI.
    full = Trainer(TrainingArguments(base_model=tiny_base, max_steps=2, batch_size=4, progress=False), toy_rows).train()
    assert len(full.model.encoder.encoder.layer) == 2
    again = Trainer(TrainingArguments(base_model=tiny_base, max_steps=2, batch_size=4, progress=False,
                                      encoder_layers=1), toy_rows, toy_rows).train()
    texts = ["A foreign agents law.", "Rain."]
    np.testing.assert_allclose(loaded.predict_proba(texts), again.predict_proba(texts), atol=2e-2)


def test_encoder_layers_errors(tiny_base, toy_rows):
    with pytest.raises(ConfigError, match="encoder_layers"):
        TrainingArguments(encoder_layers=0)
    args = TrainingArguments(base_model=tiny_base, max_steps=1, progress=False, encoder_layers=3)
    with pytest.raises(ConfigError, match="only 2 layers"):
        Trainer(args, toy_rows).train()

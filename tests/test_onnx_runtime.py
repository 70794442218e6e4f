"""The encoder in ONNX Runtime: same scores as torch, saved and loaded as a setting, clear errors."""
from __future__ import annotations

import copy
import logging

import numpy as np
import pytest

import pressctx
from pressctx.errors import ModelLoadError

DOCS = [
    "Officials met in Caracas on Monday to discuss oil exports. The talks ended without a deal.\n"
    "*Journalism in this country is practised under laws against hatred. This piece was written with those limits in mind.",
    "Views: 412",
    "Reporters have been detained and threatened across the region this year. " * 6,
    "La ley contra el odio castiga con hasta 20 años de cárcel. El equipo local ganó el partido por dos goles.",
]
LONE = ["Short.", "Parliament approved the foreign agents law in a second reading.", "x " * 300]


@pytest.fixture(scope="module")
def pair(tiny_tagger):
    torch_tagger = copy.deepcopy(tiny_tagger)
    onnx_tagger = copy.deepcopy(tiny_tagger)
    onnx_tagger.set_runtime("onnx")
    return torch_tagger, onnx_tagger


def _scores(results):
    return np.array([list(s.scores.values()) for r in results for s in r.segments])


def test_onnx_scores_match_torch(pair):
    torch_tagger, onnx_tagger = pair
    assert torch_tagger.runtime == "torch" and onnx_tagger.runtime == "onnx"
    # Lone segments of very different lengths (one truncated), in one batch and one at a time.
    np.testing.assert_allclose(onnx_tagger.predict_proba(LONE), torch_tagger.predict_proba(LONE), atol=1e-5)
    np.testing.assert_allclose(onnx_tagger.predict_proba(LONE[:1]), torch_tagger.predict_proba(LONE[:1]), atol=1e-5)
    # Documents, whose segments are read with their neighbours (token pairs).
    a, b = list(torch_tagger.tag_many(DOCS)), list(onnx_tagger.tag_many(DOCS))
    np.testing.assert_allclose(_scores(b), _scores(a), atol=1e-5)
    assert [r.to_dict()["labels"] for r in a] == [r.to_dict()["labels"] for r in b]
    assert len(b) == len(DOCS)


def test_onnx_runtime_is_saved_and_loaded(pair, tmp_path):
    _, onnx_tagger = pair
    onnx_tagger.save_pretrained(tmp_path / "m")
    loaded = pressctx.load(tmp_path / "m")
    assert loaded.runtime == "onnx"
    assert pressctx.load(tmp_path / "m", runtime="torch").runtime == "torch"
    # int8 stays in ONNX Runtime (the graph is quantised; torch's weights stay float); bf16 runs in torch.
    quant = pressctx.load(tmp_path / "m", precision="int8")
    assert (quant.runtime, quant.precision, quant._onnx.int8, quant._torch_int8) == ("onnx", "int8", True, False)
    assert pressctx.load(tmp_path / "m", precision="bf16").runtime == "torch"
    np.testing.assert_allclose(loaded.predict_proba(LONE), onnx_tagger.predict_proba(LONE), atol=1e-6)


def test_copies_keep_the_runtime(pair):
    _, onnx_tagger = pair
    clone = copy.deepcopy(onnx_tagger)
    assert clone.runtime == "onnx" and clone._onnx is not None and clone._onnx is not onnx_tagger._onnx
    np.testing.assert_allclose(clone.predict_proba(LONE), onnx_tagger.predict_proba(LONE), atol=1e-6)


def test_runtime_and_precision_errors(tiny_tagger):
    tagger = copy.deepcopy(tiny_tagger)
    with pytest.raises(ValueError, match="runtime must be one of"):
        tagger.set_runtime("tensorrt")
    tagger.set_runtime("onnx")
    with pytest.raises(ValueError, match="runs in torch only"):
        tagger.set_precision("bf16")
    # int8 in ONNX Runtime is reversible: only the graph is quantised.
    tagger.set_precision("int8")
    assert tagger._onnx.int8 and not tagger._torch_int8
    tagger.set_precision("fp32")
    assert not tagger._onnx.int8 and not tagger._torch_int8
    # Back in torch, int8 is torch's own quantisation, which the ONNX tracer cannot take.
    tagger.set_runtime("torch")
    tagger.set_precision("int8")
    assert tagger._torch_int8
    with pytest.raises(ValueError, match="already quantised to int8: load the model again"):
        tagger.set_runtime("onnx")
    with pytest.raises(ValueError, match="cannot go back to float"):
        tagger.set_precision("fp32")


def test_onnx_int8_quantises_all_but_the_feed_forward_outputs(tiny_tagger, tmp_path):
    import onnx

    from pressctx.models.onnx import _quantize_int8, _trace

    encoder = tiny_tagger.model.encoder
    names = ("inputs_embeds", "attention_mask", "token_type_ids")
    _trace(encoder, names, tmp_path / "float.onnx")
    _quantize_int8(tmp_path / "float.onnx", tmp_path / "int8.onnx", encoder.config.intermediate_size)
    graph = onnx.load(str(tmp_path / "int8.onnx"))
    inits = {i.name: list(i.dims) for i in graph.graph.initializer}
    float_matmuls = [n for n in graph.graph.node if n.op_type == "MatMul" and any(x in inits for x in n.input[1:])]
    int8_matmuls = [n for n in graph.graph.node if n.op_type == "MatMulInteger"]
    layers = encoder.config.num_hidden_layers
    # Query, key, value, attention output and feed-forward input in int8; the feed-forward output in float.
    assert len(int8_matmuls) == 5 * layers
    assert len(float_matmuls) == layers
    assert all(inits[n.input[1]][0] == encoder.config.intermediate_size for n in float_matmuls)


def test_onnx_int8_scores_stay_close_to_float(pair, tmp_path):
    _, onnx_tagger = pair
    quant = copy.deepcopy(onnx_tagger)
    quant.set_precision("int8")
    full, approx = onnx_tagger.predict_proba(LONE), quant.predict_proba(LONE)
    assert approx.shape == full.shape and np.abs(approx - full).max() < 0.1
    assert not np.array_equal(approx, full)  # the quantised graph is the one that ran
    # Saved as int8 + onnx; loads the same way, and a copy re-quantises to the same scores.
    quant.save_pretrained(tmp_path / "q")
    loaded = pressctx.load(tmp_path / "q")
    assert (loaded.runtime, loaded.precision) == ("onnx", "int8")
    np.testing.assert_allclose(loaded.predict_proba(LONE), approx, atol=1e-6)
    np.testing.assert_allclose(copy.deepcopy(quant).predict_proba(LONE), approx, atol=1e-6)


def test_missing_onnxruntime_falls_back_or_errors(pair, tmp_path, monkeypatch, caplog):
    import pressctx.models.onnx as onnx_module
    import pressctx.models.transformer as transformer_module

    _, onnx_tagger = pair
    onnx_tagger.save_pretrained(tmp_path / "m")
    quant = copy.deepcopy(onnx_tagger)
    quant.set_precision("int8")
    quant.save_pretrained(tmp_path / "q")
    monkeypatch.setattr(transformer_module, "onnx_available", lambda: False)
    monkeypatch.setattr(onnx_module, "onnx_available", lambda: False)
    # A saved "onnx" setting gives way to torch, with a warning naming the packages.
    with caplog.at_level(logging.WARNING, logger="pressctx.models.transformer"):
        assert pressctx.load(tmp_path / "m").runtime == "torch"
    assert "pip install onnxruntime onnx" in caplog.text
    # A saved ONNX int8 falls back to torch in float32 (torch's int8 loses more quality).
    fallback = pressctx.load(tmp_path / "q")
    assert (fallback.runtime, fallback.precision, fallback._torch_int8) == ("torch", "fp32", False)
    # Asking for it explicitly is a clear error.
    with pytest.raises(ModelLoadError, match="needs the packages onnxruntime and onnx"):
        pressctx.load(tmp_path / "m", runtime="onnx")


def test_untraceable_encoder_is_a_clear_error(tiny_tagger, monkeypatch):
    import torch

    tagger = copy.deepcopy(tiny_tagger)

    def refuse(*args, **kwargs):
        raise RuntimeError("unsupported operator\nlong trace that should not be shown")

    monkeypatch.setattr(torch.onnx, "export", refuse)
    with pytest.raises(ModelLoadError, match="cannot trace this encoder to ONNX .*unsupported operator\\); use runtime='torch'"):
        tagger.set_runtime("onnx")
    assert tagger.runtime == "torch"


def test_shipped_models_runtime_and_precision():
    # MiniLM runs in ONNX Runtime float32 (int8 held validation but relabelled a body sentence of
    # the seed article, docs/models.md); the multilingual model (the default) runs in ONNX Runtime int8.
    shipped = pressctx.load("minilm")
    assert (shipped.runtime, shipped.precision) == ("onnx", "fp32")
    # It reads segment plus context up to 96 tokens, chosen on real validation below its training length.
    assert shipped.max_length == 96 < shipped.training_args["max_length"] == 128
    multilingual = pressctx.load()
    assert (multilingual.runtime, multilingual.precision, multilingual._torch_int8) == ("onnx", "int8", False)
    assert multilingual.max_length == 80 < multilingual.training_args["max_length"] == 128
    slow = pressctx.load("minilm", runtime="torch")
    assert slow.max_length == 96
    quant = pressctx.load("minilm", precision="int8")
    text = ("Police detained two reporters in Minsk under the extremism law. "
            "The ministry said the measure had nothing to do with the press. "
            "This article was written by a team working from exile for its safety.")
    a, b, c = slow.tag(text), shipped.tag(text), quant.tag(text)
    np.testing.assert_allclose(_scores([b]), _scores([a]), atol=1e-5)
    assert a.to_dict()["labels"] == b.to_dict()["labels"]
    assert np.abs(_scores([c]) - _scores([a])).max() < 0.05
    # A model saved in ONNX Runtime int8 runs in torch in float32 unless asked otherwise.
    moved = pressctx.load("multilingual", runtime="torch")
    assert (moved.runtime, moved.precision, moved._torch_int8) == ("torch", "fp32", False)


def test_cli_runtime_flag(pair, tmp_path, monkeypatch):
    import json

    from pressctx.cli import main

    _, onnx_tagger = pair
    folder = onnx_tagger.save_pretrained(tmp_path / "m")
    src = tmp_path / "in.txt"
    src.write_text(DOCS[0], encoding="utf-8")
    seen = []
    real_load = pressctx.load

    def spy(*args, **kwargs):
        tagger = real_load(*args, **kwargs)
        seen.append((tagger.runtime, tagger.precision))
        return tagger

    monkeypatch.setattr(pressctx, "load", spy)
    outs = {}
    for flags in ((), ("--runtime", "torch"), ("--precision", "int8")):
        out = tmp_path / f"{'-'.join(flags)}.jsonl"
        assert main(["tag", str(src), "--model", str(folder), "-o", str(out), "--quiet", *flags]) == 0
        outs[flags[-1] if flags else None] = [json.loads(line) for line in out.read_text().splitlines()]
    assert seen == [("onnx", "fp32"), ("torch", "fp32"), ("onnx", "int8")]
    assert len(outs["int8"]) == 1 and "labels" in outs["int8"][0]
    a, b = outs[None][0], outs["torch"][0]
    assert a["labels"] == b["labels"]
    for sa, sb in zip(a["segments"], b["segments"]):
        assert sa["scores"] == pytest.approx(sb["scores"], abs=1e-4)
    with pytest.raises(SystemExit):
        main(["tag", str(src), "--model", str(folder), "--runtime", "tensorrt"])

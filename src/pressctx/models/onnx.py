"""Run a tagger's encoder with ONNX Runtime instead of torch (CPU, float32 or int8).

On the 2-core AVX2 machines this project measures on, ONNX Runtime runs the MiniLM encoder
over real segments with their context 1.2 to 1.7 times as fast as torch's eager forward (it
varies from run to run on a shared machine), with the same numbers (largest difference in the
hidden states about 1e-5). Only the encoder's
layers move: the word-embedding lookup stays in torch (so a compact 4-bit vocabulary such as
multilingual-e5-small's is not copied, and its own lookup code needs no ONNX form), and so do
pooling, the linear layer and the n-gram logits
(:meth:`~pressctx.models.pooling.MeanPoolClassifier.head`).

The graph is not shipped. It is traced from the loaded torch encoder when a tagger switches to
``runtime="onnx"`` (about 2 seconds for MiniLM), written to a private temporary folder that is
removed once ONNX Runtime has read it: the shipped model stays safetensors + JSON, and no graph
file outlives the load.

``int8=True`` quantises the traced graph's weight matrices dynamically (ONNX Runtime's
``quantize_dynamic``, signed 8-bit weights per output channel, activations quantised per pass),
except the feed-forward output projections (intermediate size -> hidden size), which stay in
float32: quantising those too cost 0.0072 real-validation macro F1 for the shipped MiniLM,
keeping them in float 0.0022 (see docs/models.md, "Speed").
"""
from __future__ import annotations

import logging
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelLoadError
from .memory import release_free_heap

__all__ = ["OnnxEncoder", "onnx_available", "RUNTIMES"]

#: Where the encoder runs: torch's eager forward, or ONNX Runtime on the CPU.
RUNTIMES = ("torch", "onnx")
_OPSET = 17


def onnx_available() -> bool:
    """Whether the packages the ONNX runtime needs (``onnxruntime`` and ``onnx``) are installed."""
    try:
        import onnx  # noqa: F401  (torch's exporter needs it)
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


class OnnxEncoder:
    """An encoder traced to ONNX and run by an ONNX Runtime CPU session.

    Args:
        encoder: a ``transformers`` encoder (``AutoModel``) in float32 on the CPU.
        input_names: the tokenizer's outputs the encoder takes, among ``input_ids``,
            ``attention_mask`` and ``token_type_ids``.
        threads: intra-op threads of the session; ``None`` takes torch's current setting
            (so a Ray worker limited to one thread stays at one).
        int8: quantise the graph's weights to int8, feed-forward output projections excepted.

    Raises:
        ModelLoadError: if ``onnxruntime`` or ``onnx`` is missing, or the encoder cannot be traced.
    """

    def __init__(self, encoder: Any, input_names: Sequence[str], threads: int | None = None, int8: bool = False) -> None:
        import torch

        if not onnx_available():
            raise ModelLoadError(
                "runtime='onnx' needs the packages onnxruntime and onnx: pip install onnxruntime onnx "
                "(or load with runtime='torch')"
            )
        import onnxruntime as ort

        if "input_ids" not in input_names or "attention_mask" not in input_names:
            raise ValueError(f"an encoder needs input_ids and attention_mask, got {list(input_names)}")
        self.input_names = ("inputs_embeds", "attention_mask", *(["token_type_ids"] if "token_type_ids" in input_names else []))
        self.word_embeddings = encoder.get_input_embeddings()
        self.int8 = bool(int8)
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(threads or torch.get_num_threads())
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only
        # The trace and its quantised form go through files in a private temporary folder, removed
        # at once: serialised graphs held as bytes beside the exporter's and the quantiser's own
        # copies made loading the multilingual model peak about 90 MB higher.
        with tempfile.TemporaryDirectory(prefix="pressctx-onnx-") as tmp:
            graph = Path(tmp) / "encoder.onnx"
            _trace(encoder, self.input_names, graph)
            release_free_heap()
            if self.int8:
                quantized = Path(tmp) / "encoder-int8.onnx"
                _quantize_int8(graph, quantized, int(getattr(encoder.config, "intermediate_size", 0) or 0))
                graph.unlink()
                graph = quantized
                release_free_heap()
            self.graph_bytes = graph.stat().st_size
            try:
                self.session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
            except Exception as exc:  # onnxruntime raises its own error types
                raise ModelLoadError(f"ONNX Runtime cannot run the traced encoder: {exc}") from exc
        release_free_heap()  # the trace's memory goes back to the system
        # The arena hands back what a pass used when the pass ends: passes of many different shapes
        # otherwise grow it (tagging 100 real articles: peak 958 MB without, 931 MB with; no speed cost seen).
        self._run_options = ort.RunOptions()
        self._run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def __call__(self, inputs: dict[str, Any]) -> Any:
        """The encoder's last hidden state (a torch tensor) for tokenised ``inputs``."""
        import torch

        with torch.inference_mode():
            embeds = self.word_embeddings(inputs["input_ids"]).float()
        feed = {name: _as_int64(inputs[name]) for name in self.input_names[1:]}
        feed["inputs_embeds"] = np.ascontiguousarray(embeds.numpy(), dtype=np.float32)
        (hidden,) = self.session.run(["hidden"], feed, self._run_options)
        return torch.from_numpy(hidden)


def _as_int64(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.ascontiguousarray(value, dtype=np.int64)


def _quantize_int8(graph: Path, out: Path, intermediate_size: int) -> None:
    """Write ``graph`` to ``out`` with its MatMul weights in int8, the feed-forward output
    projections excepted.

    A feed-forward output projection is a MatMul whose weight (an initializer) has
    ``intermediate_size`` rows.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(graph))
    rows = {init.name: (list(init.dims) or [0])[0] for init in model.graph.initializer}
    keep_float = [node.name for node in model.graph.node
                  if node.op_type == "MatMul" and any(rows.get(name) == intermediate_size for name in node.input[1:])]
    root = logging.getLogger()
    quiet = _DropMessage("pre-processing before quantization")  # the quantiser's advice, logged on the root logger
    root.addFilter(quiet)
    try:
        quantize_dynamic(model, out, weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=keep_float)
    except Exception as exc:  # the quantiser raises many error types
        raise ModelLoadError(f"cannot quantise the traced encoder to int8 ({type(exc).__name__}: {exc}); "
                             "use precision='fp32'") from exc
    finally:
        root.removeFilter(quiet)


class _DropMessage(logging.Filter):
    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.fragment = fragment

    def filter(self, record: logging.LogRecord) -> bool:
        return self.fragment not in record.getMessage()


def _trace(encoder: Any, input_names: Sequence[str], out: Path) -> None:
    """Trace ``encoder`` (inputs ``input_names``, output its last hidden state) to the ONNX file ``out``.

    The first input is ``inputs_embeds``: the graph starts after the word-embedding lookup.

    Batch size and sequence length are dynamic; the example input has both above 1 so that no
    shape is fixed by the trace.
    """
    import torch

    class _LastHidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: Any) -> Any:
            return self.inner(**dict(zip(input_names, args))).last_hidden_state

    config = encoder.config
    pair = 1 if int(getattr(config, "type_vocab_size", 1) or 1) > 1 else 0
    example = {
        "inputs_embeds": torch.randn(2, 5, int(config.hidden_size), generator=torch.Generator().manual_seed(0)),
        "attention_mask": torch.tensor([[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]]),
        "token_type_ids": torch.tensor([[0, 0, 0, 0, 0], [0, 0, 0, pair, pair]]),
    }
    axes = {name: {0: "batch", 1: "tokens"} for name in [*input_names, "hidden"]}
    was_training = encoder.training
    encoder.eval()
    try:
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")  # the tracer's notes on Python-side shape checks
            torch.onnx.export(
                _LastHidden(encoder),
                tuple(example[n] for n in input_names),
                str(out),
                dynamo=False,
                input_names=list(input_names),
                output_names=["hidden"],
                dynamic_axes=axes,
                opset_version=_OPSET,
            )
    except Exception as exc:
        first = (str(exc).splitlines() or [""])[0][:300]
        raise ModelLoadError(f"cannot trace this encoder to ONNX ({type(exc).__name__}: {first}); use runtime='torch'") from exc
    finally:
        encoder.train(was_training)

"""Cross-lingual alignment of the base encoder before fine-tuning.

all-MiniLM-L6-v2 was trained on English: it reads Spanish, Portuguese, French or
Russian through word pieces it rarely saw and places their sentences poorly. Given
pairs of sentences and their translations, :func:`align_encoder` teaches the encoder
to give a translation the vector the *original* encoder gives the source sentence
(multilingual knowledge distillation, Reimers and Gurevych 2020): the teacher's
vectors of the source sentences are computed once, before any update, and the
encoder is then trained so that both the source and the translation land on them
(mean squared error of the mean-pooled token vectors). The classifier is fine-tuned
afterwards from the aligned encoder.

The pairs are unlabelled text: they carry no label and never reach the classifier's
training loop, so a model trained with them is evaluated exactly as one without.

The loop is a plain one rather than ``transformers.Trainer``: each step runs the encoder
twice (sources, then translations) against fixed targets, which does not fit Trainer's
one-model-call-per-batch loss without a wrapper module and collator longer than the loop.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..data import _rows_from_any
from ..errors import DataError

__all__ = ["ParallelPairs", "read_pairs", "align_encoder"]

_SUFFIXES = (".jsonl", ".json", ".ndjson", ".csv", ".parquet")


class ParallelPairs:
    """Sentence pairs for :func:`align_encoder`.

    Attributes:
        sources: sentences in a language the base encoder reads well (English for MiniLM).
        targets: their translations.
        langs: language code of each translation (``""`` where the data has none).
        source: where the pairs came from.
    """

    def __init__(self, sources: list[str], targets: list[str], langs: list[str], source: str) -> None:
        self.sources = sources
        self.targets = targets
        self.langs = langs
        self.source = source

    def __len__(self) -> int:
        return len(self.sources)

    def sha256(self) -> str:
        """Hash of the pairs (order-sensitive), recorded with a model trained on them."""
        h = hashlib.sha256()
        for s, t, lang in zip(self.sources, self.targets, self.langs):
            h.update(json.dumps([s, t, lang], ensure_ascii=False).encode("utf-8"))
            h.update(b"\n")
        return h.hexdigest()

    def record(self) -> dict[str, Any]:
        """What a model directory records about its alignment data."""
        counts = dict(Counter(lang or "?" for lang in self.langs))
        return {"source": self.source, "pairs": len(self), "languages": counts, "sha256": self.sha256()}


def read_pairs(data: Any) -> ParallelPairs:
    """Read sentence pairs: columns ``source`` (text the base reads well) and ``target``
    (its translation), optionally ``lang`` (the translation's language).

    ``data`` may be a .jsonl/.csv/.parquet path, a folder (its files with those
    suffixes, in name order), a ``datasets.Dataset``, a list of dicts, or a list of
    paths (read in order and concatenated).

    Raises:
        DataError: for unreadable files, missing columns, empty or non-string texts, or
            no pairs at all.
    """
    parts = data if isinstance(data, (list, tuple)) and data and not isinstance(data[0], dict) else [data]
    files: list[Any] = []
    for part in parts:
        if isinstance(part, (str, Path)) and Path(part).is_dir():
            found = sorted(p for p in Path(part).iterdir() if p.suffix in _SUFFIXES)
            if not found:
                raise DataError(f"no .jsonl, .csv or .parquet files in folder {part}")
            files.extend(str(p) for p in found)
        else:
            files.append(part)
    sources: list[str] = []
    targets: list[str] = []
    langs: list[str] = []
    names = []
    for part in files:
        rows, name = _rows_from_any(part)
        names.append(name)
        for i, row in enumerate(rows, 1):
            missing = [c for c in ("source", "target") if c not in row]
            if missing:
                raise DataError(
                    f"{name}, row {i}: sentence pairs need the columns 'source' and 'target'; missing {missing}"
                )
            s, t = row["source"], row["target"]
            if not isinstance(s, str) or not isinstance(t, str) or not s.strip() or not t.strip():
                raise DataError(f"{name}, row {i}: 'source' and 'target' must be non-empty strings")
            sources.append(s)
            targets.append(t)
            langs.append(str(row.get("lang") or ""))
    if not sources:
        raise DataError(f"no sentence pairs in {', '.join(names)}")
    return ParallelPairs(sources, targets, langs, ", ".join(names))


def _encode(encoder: Any, batch: dict[str, Any]) -> Any:
    from ..models.pooling import mean_pool

    return mean_pool(encoder(**batch).last_hidden_state, batch["attention_mask"])


def align_encoder(
    encoder: Any,
    tokenizer: Any,
    pairs: ParallelPairs,
    *,
    epochs: float = 2.0,
    learning_rate: float = 5e-5,
    batch_size: int = 32,
    max_length: int = 128,
    seed: int = 42,
    progress: bool = False,
) -> dict[str, float]:
    """Train ``encoder`` in place so translations land on their sources' original vectors.

    Parameters with ``requires_grad=False`` (for instance frozen word embeddings) stay
    fixed. Returns the mean loss of the first and the last epoch.
    """
    import torch
    from tqdm.auto import tqdm

    if len(pairs) == 0:
        raise DataError("no sentence pairs to align on")
    device = next(encoder.parameters()).device

    def batch_of(texts: Sequence[str]) -> dict[str, Any]:
        enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding=True, return_tensors="pt")
        return {k: v.to(device) for k, v in enc.items()}

    # The teacher is the encoder as it is now: its vectors of the source sentences, once.
    encoder.eval()
    teacher = []
    with torch.no_grad():
        for i in range(0, len(pairs), 128):
            teacher.append(_encode(encoder, batch_of(pairs.sources[i : i + 128])).float())
    targets_vec = torch.cat(teacher)

    rng = random.Random(seed)
    torch.manual_seed(seed)
    trained = [p for p in encoder.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trained, lr=learning_rate, weight_decay=0.01)
    # Each step reads a batch of sources and the same pairs' translations.
    steps_per_epoch = math.ceil(len(pairs) / batch_size)
    total = max(1, int(round(epochs * steps_per_epoch)))
    warmup = max(1, int(0.1 * total))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup)))
    )
    losses: list[list[float]] = []
    encoder.train()
    bar = tqdm(total=total, desc="aligning", disable=not progress)
    step = 0
    while step < total:
        order = list(range(len(pairs)))
        rng.shuffle(order)
        epoch_losses: list[float] = []
        for start in range(0, len(order), batch_size):
            if step >= total:
                break
            idx = order[start : start + batch_size]
            goal = targets_vec[idx]
            loss = 0.0
            for texts in ([pairs.sources[i] for i in idx], [pairs.targets[i] for i in idx]):
                loss = loss + torch.nn.functional.mse_loss(_encode(encoder, batch_of(texts)).float(), goal)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            epoch_losses.append(float(loss.detach()))
            step += 1
            bar.update(1)
        losses.append(epoch_losses)
    bar.close()
    encoder.eval()
    return {"first_epoch_loss": float(np.mean(losses[0])), "last_epoch_loss": float(np.mean(losses[-1]))}

"""Fine-tuning a transformer tagger on labelled segments.

The optimisation loop is ``transformers.Trainer``; this module prepares the data,
the model and the thresholds around it.
"""
from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import random
import tempfile
import time
from typing import Any

import numpy as np

from .alignment import align_encoder, read_pairs
from ..data import Examples, default_labels, read_examples, training_data_record
from ..errors import ConfigError, DataError
from ..evaluation import label_metrics, predict_examples_proba
from ..labels import to_indicator
from ..models.transformer import TransformerTagger, _load_pretrained, _quiet_transformers, context_string, resolve_base
from ..models.ngrams import NgramHasher
from .thresholds import tune_thresholds
from .args import TrainingArguments

__all__ = ["Trainer"]

logger = logging.getLogger(__name__)


def _contexts(ex: Examples, sep: str) -> list[str]:
    """Neighbour context per row: rows of a document get theirs, stand-alone rows none."""
    out = [""] * len(ex)
    for rows in ex.documents().values():
        doc = [ex.texts[i] for i in rows]
        for pos, i in enumerate(rows):
            out[i] = context_string(doc, pos, sep)
    return out


class _Encoded:
    """A torch-style dataset of tokenised segments with float label vectors.

    ``rows`` lists the encoded rows in dataset order (a row may appear more than once;
    default: each row once). With ``alternative`` encodings (the segments without
    context) and ``p_alternative`` > 0, each access returns the alternative with that
    probability (context dropout).
    """

    def __init__(
        self,
        encodings: dict[str, list],
        targets: np.ndarray,
        alternative: dict[str, list] | None = None,
        p_alternative: float = 0.0,
        seed: int = 0,
        rows: list[int] | None = None,
    ) -> None:
        self.encodings = encodings
        self.targets = targets
        self.alternative = alternative
        self.p_alternative = p_alternative
        self.rows = list(range(len(targets))) if rows is None else rows
        self._rng = random.Random(seed)

    def __len__(self) -> int:
        return len(self.rows)

    def _item(self, source: dict[str, list], i: int) -> dict[str, Any]:
        row = self.rows[i]
        item = {k: v[row] for k, v in source.items()}
        item["labels"] = self.targets[row].tolist()
        return item

    def __iter__(self):
        # transformers' length-grouped sampler measures lengths by iterating: give it the
        # full (with-context) encodings, without drawing from the dropout generator, so
        # that batches stay grouped by their longest form.
        for i in range(len(self)):
            yield self._item(self.encodings, i)

    def __getitem__(self, i: int) -> dict[str, Any]:
        source = self.encodings
        if self.alternative is not None and self.p_alternative > 0 and self._rng.random() < self.p_alternative:
            source = self.alternative
        return self._item(source, i)


def _layer_config(auto_config: Any, base: str, layers: int | None) -> dict[str, Any]:
    """``from_pretrained`` keyword arguments that keep the base's first ``layers`` layers.

    The saved model's encoder config records the smaller depth, so loading it (also from
    the base's weights, for ``weights="delta"``) builds the same number of layers.

    Raises:
        ConfigError: if the base has fewer layers, or no ``num_hidden_layers`` setting.
    """
    if layers is None:
        return {}
    config = _load_pretrained(auto_config, base)
    depth = getattr(config, "num_hidden_layers", None)
    if not isinstance(depth, int):
        raise ConfigError(f"encoder_layers: the base {base!r} has no num_hidden_layers setting to shorten")
    if layers > depth:
        raise ConfigError(f"encoder_layers is {layers}, but the base {base!r} has only {depth} layers")
    config.num_hidden_layers = layers
    return {"config": config}


#: Share of n-gram features dropped per training example (see MeanPoolClassifier).
_WIDE_DROPOUT = 0.1


class _Collator:
    """Pads token fields with the tokenizer and n-gram fields with zeros."""

    def __init__(self, tokens: Any) -> None:
        self.tokens = tokens

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        if "ngram_ids" not in features[0]:
            return self.tokens(features)
        ids = [f.pop("ngram_ids") for f in features]
        weights = [f.pop("ngram_weights") for f in features]
        batch = self.tokens(features)
        ids, weights = NgramHasher.pad(ids, weights)
        batch["ngram_ids"] = torch.from_numpy(ids)
        batch["ngram_weights"] = torch.from_numpy(weights)
        return batch


def _optimizer(model: Any, args: TrainingArguments, decay: set[str]) -> Any:
    """transformers' AdamW groups (``decay``: the names that get weight decay), with the
    n-gram layer moved to a group of its own at ``args.ngram_learning_rate``."""
    import torch

    trained = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    encoder = [(n, p) for n, p in trained if not n.startswith("wide.")]
    return torch.optim.AdamW(
        [
            {"params": [p for n, p in encoder if n in decay], "weight_decay": args.weight_decay},
            {"params": [p for n, p in encoder if n not in decay], "weight_decay": 0.0},
            {
                "params": [p for n, p in trained if n.startswith("wide.")],
                "weight_decay": args.weight_decay,
                "lr": args.ngram_learning_rate,
            },
        ],
        lr=args.learning_rate,
    )


class Trainer:
    """Fine-tune a base encoder into a :class:`~pressctx.models.transformer.TransformerTagger`.

    Args:
        args: validated :class:`~pressctx.training.args.TrainingArguments`.
        train_dataset: labelled segments (a ``datasets.Dataset``, a JSONL/CSV/Parquet
            path or a list of dicts with ``text`` and ``labels``).
        eval_dataset: held-out segments used to tune thresholds and report figures;
            if ``None``, thresholds stay at 0.5.

    Example:
        >>> corpus = pressctx.load_corpus()  # doctest: +SKIP
        >>> trainer = Trainer(TrainingArguments(epochs=3), corpus["train"], corpus["validation"])  # doctest: +SKIP
        >>> tagger = trainer.train()  # doctest: +SKIP
    """

    def __init__(self, args: TrainingArguments, train_dataset: Any, eval_dataset: Any = None) -> None:
        self.args = args
        self.train_dataset = train_dataset
        self.eval_dataset = eval_dataset
        self.summary: dict[str, Any] = {}

    def train(self) -> TransformerTagger:
        """Run fine-tuning, tune thresholds on the eval set, and return the tagger.

        Raises:
            DataError: for unreadable data, missing columns or unknown labels.
            ModelLoadError: if the base model cannot be loaded.
        """
        import torch
        import transformers
        from transformers import AutoConfig, AutoModel, AutoTokenizer, DataCollatorWithPadding

        from ..models.pooling import MeanPoolClassifier

        args = self.args
        started = time.perf_counter()
        if args.num_threads:
            torch.set_num_threads(args.num_threads)
        # Read once: with ``args.labels`` the read rejects other labels; without, every
        # label found is kept.
        train = read_examples(self.train_dataset, labels=args.labels)
        labels = list(args.labels) if args.labels is not None else default_labels(train)
        dev = read_examples(self.eval_dataset, labels=labels) if self.eval_dataset is not None else None
        # Read before the base is loaded, so that a bad file fails at once.
        pairs = read_pairs(args.align_data) if args.align_data is not None else None
        y_train = to_indicator(train.labels, labels)
        empty = [lab for j, lab in enumerate(labels) if y_train[:, j].sum() == 0]
        if empty:
            raise DataError(f"the training data has no positive example of label(s) {empty}")

        random.seed(args.seed)
        np.random.seed(args.seed)
        transformers.set_seed(args.seed)
        base = resolve_base(args.base_model)
        tokenizer = _load_pretrained(AutoTokenizer, base)
        shorten = _layer_config(AutoConfig, base, args.encoder_layers)
        # A shortened load would list every left-out layer's weights as "unexpected".
        with _quiet_transformers() if shorten else contextlib.nullcontext():
            encoder = _load_pretrained(AutoModel, base, **shorten)
        if args.freeze_embeddings:
            encoder.get_input_embeddings().weight.requires_grad_(False)
        alignment = None
        if pairs is not None:
            losses = align_encoder(
                encoder,
                tokenizer,
                pairs,
                epochs=args.align_epochs,
                learning_rate=args.align_learning_rate,
                batch_size=args.batch_size,
                max_length=args.max_length,
                seed=args.seed,
                progress=args.progress,
            )
            alignment = {**pairs.record(), **{k: round(v, 6) for k, v in losses.items()}}
        ngrams = NgramHasher(args.ngram_buckets) if args.ngram_buckets else None
        model = MeanPoolClassifier(
            encoder,
            len(labels),
            pool_first=args.context,
            wide_size=ngrams.size if ngrams is not None else 0,
            wide_dropout=_WIDE_DROPOUT,
        )

        if args.context:
            enc = tokenizer(
                train.texts, _contexts(train, tokenizer.sep_token or "|"), truncation="longest_first", max_length=args.max_length
            )
        else:
            enc = tokenizer(train.texts, truncation=True, max_length=args.max_length)
        alone = None
        if args.context and args.context_dropout > 0:
            alone = dict(tokenizer(train.texts, truncation=True, max_length=args.max_length))
        if ngrams is not None:
            ids, weights = ngrams.rows(train.texts)
            for source in (enc, alone):
                if source is not None:
                    source["ngram_ids"], source["ngram_weights"] = ids, weights
        rows = None
        if args.language_repeats:
            rows = [i for i, lang in enumerate(train.langs) for _ in range(args.language_repeats.get(lang, 1))]
        train_set = _Encoded(dict(enc), y_train, alone, args.context_dropout, args.seed, rows)
        steps_per_epoch = math.ceil(len(train_set) / args.batch_size)
        steps = args.max_steps if args.max_steps > 0 else math.ceil(args.epochs * steps_per_epoch)
        fields = {f.name for f in dataclasses.fields(transformers.TrainingArguments)}
        # Batches of similar lengths keep padding (and CPU time) small; the option's name changed in transformers 5.
        grouping = (
            {"train_sampling_strategy": "group_by_length"}
            if "train_sampling_strategy" in fields
            else {"group_by_length": True}
        )
        with tempfile.TemporaryDirectory(prefix="pressctx-train-") as tmp:
            hf_args = transformers.TrainingArguments(
                output_dir=tmp,
                warmup_steps=int(round(args.warmup_ratio * steps)),
                **grouping,
                num_train_epochs=args.epochs,
                max_steps=args.max_steps,
                learning_rate=args.learning_rate,
                per_device_train_batch_size=args.batch_size,
                weight_decay=args.weight_decay,
                seed=args.seed,
                data_seed=args.seed,
                save_strategy="no",
                eval_strategy="no",
                logging_strategy="steps",
                logging_steps=50,
                report_to=[],
                disable_tqdm=not args.progress,
                use_cpu=not torch.cuda.is_available(),
                dataloader_num_workers=0,
            )
            hf_trainer = transformers.Trainer(
                model=model,
                args=hf_args,
                train_dataset=train_set,
                data_collator=_Collator(DataCollatorWithPadding(tokenizer)),
            )
            if not args.progress:
                # Without progress bars transformers prints each log dict to stdout instead;
                # quiet means quiet (the losses stay in hf_trainer.state.log_history).
                hf_trainer.remove_callback(transformers.trainer_callback.PrinterCallback)
            if ngrams is not None:
                hf_trainer.optimizer = _optimizer(model, args, set(hf_trainer.get_decay_parameter_names(model)))
            hf_trainer.train()
        model.eval()
        train_seconds = time.perf_counter() - started

        tagger = TransformerTagger(
            model,
            tokenizer,
            labels,
            max_length=args.max_length,
            base=args.base_model,
            training_args=args.to_dict(),
            context=args.context,
            ngrams=ngrams,
        )
        tagger.batch_size = args.eval_batch_size
        metadata: dict[str, Any] = {
            "training_data": training_data_record(train, dev),
            "train_seconds": round(train_seconds, 1),
        }
        if alignment is not None:
            metadata["training_data"]["alignment"] = alignment
        if dev is not None:
            probs = predict_examples_proba(tagger, dev, progress=args.progress)
            y_dev = to_indicator(dev.labels, labels)
            tagger.thresholds = tuple(tune_thresholds(y_dev, probs))
            preds = (probs >= np.asarray(tagger.thresholds)).astype(int)
            metadata["validation"] = label_metrics(y_dev, preds, labels)
        tagger.metadata = metadata
        self.summary = metadata
        if args.progress and dev is not None:
            v = metadata["validation"]
            lines = [f"validation ({len(dev)} segments), thresholds tuned:"]
            for lab, t in zip(labels, tagger.thresholds):
                m = v["per_label"][lab]
                lines.append(
                    f"  {lab:<22} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  n {m['support']}  t {t:.3f}"
                )
            lines.append(f"  {'macro':<22} F1 {v['macro']['f1']:.3f}   trained in {train_seconds:.0f} s")
            print("\n".join(lines))
        return tagger

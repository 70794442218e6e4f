"""Tagging archives with Ray Data: one model per worker, pandas batches in and out.

Install the extra first: ``pip install pressctx[ray]``.

Example:
    >>> import ray, pressctx
    >>> ray.init(address="ray://head-node:10001")  # doctest: +SKIP
    >>> ds = ray.data.read_parquet("s3://bucket/articles/")  # doctest: +SKIP
    >>> pressctx.tag_ray(ds, text_column="body", concurrency=8).write_parquet("s3://bucket/tags/")  # doctest: +SKIP
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..io.records import tag_columns

__all__ = ["TagPredictor", "tag_ray", "process_records_ray"]

#: Column with each record's whole result as JSON (``pressctx tag --engine ray`` writes it out).
RESULT_COLUMN = "pressctx_result"


class TagPredictor:
    """A callable class for ``ray.data.Dataset.map_batches``: loads the tagger once per worker.

    Each call takes a pandas DataFrame (or a dict of columns / a pyarrow Table) and returns a
    DataFrame with the input columns and the columns of :func:`pressctx.tag_dataset`:
    ``pressctx_labels``, ``pressctx_score_<label>``, ``pressctx_spans`` and ``pressctx_error``.
    A row whose text is missing or not a string gets ``pressctx_error`` and no labels; the
    batch goes on.

    Args:
        model: a shipped model name, a model folder, or a loaded tagger (``None``: the default).
        text_column: the column to tag.
        batch_size: segments per model batch.
        prefix: prefix of the new columns.
        with_result: also add ``pressctx_result``, the full result of each row as JSON.
    """

    def __init__(
        self,
        model: Any = None,
        text_column: str = "text",
        batch_size: int = 64,
        prefix: str = "pressctx_",
        with_result: bool = False,
    ) -> None:
        from .. import load
        from ..models.base import Tagger

        self.tagger = model if isinstance(model, Tagger) else load(model)
        self.text_column = text_column
        self.batch_size = batch_size
        self.prefix = prefix
        self.with_result = with_result

    def __call__(self, batch: Any) -> Any:
        import pandas as pd

        frame = batch if isinstance(batch, pd.DataFrame) else _to_frame(batch)
        if self.text_column not in frame.columns:
            raise DataError(f"no column {self.text_column!r}; columns are {list(frame.columns)}")
        texts = [t if isinstance(t, str) else None for t in frame[self.text_column].tolist()]
        columns = tag_columns(texts, self.tagger, self.text_column, self.batch_size, self.prefix)
        out = frame.copy()
        for name, values in columns.items():
            out[name] = values
        if self.with_result:
            ok = [t for t in texts if t is not None]
            results = iter(self.tagger.tag_many(ok, batch_size=self.batch_size))
            out[RESULT_COLUMN] = [
                json.dumps(next(results).to_dict(), ensure_ascii=False) if t is not None else None for t in texts
            ]
        return out


def _to_frame(batch: Any) -> Any:
    import pandas as pd

    if hasattr(batch, "to_pandas"):
        return batch.to_pandas()
    return pd.DataFrame(dict(batch))


def tag_ray(
    dataset: Any,
    text_column: str = "text",
    model: str | Path | Any = None,
    *,
    batch_size: int = 64,
    concurrency: int = 1,
    num_cpus: float | None = None,
    rows_per_batch: int = 256,
    prefix: str = "pressctx_",
) -> Any:
    """Tag a ``ray.data.Dataset`` lazily; each worker loads the model once.

    Args:
        dataset: a ``ray.data.Dataset`` with a text column (for example from
            ``ray.data.read_parquet``).
        text_column: the column to tag.
        model: a shipped model name, a model folder (readable on every node) or a loaded
            tagger; ``None`` for the default model.
        batch_size: segments per model batch.
        concurrency: number of tagging workers (each holds one model).
        num_cpus: CPUs reserved per worker (default: Ray's, 1).
        rows_per_batch: documents handed to a worker at once.
        prefix: prefix of the new columns.

    Returns:
        A ``ray.data.Dataset`` with the input columns and ``{prefix}labels``,
        ``{prefix}score_<label>``, ``{prefix}spans`` and ``{prefix}error``; rows whose text
        is not a string have the error set and no labels.

    Raises:
        DataError: if ``dataset`` is not a Ray dataset or lacks ``text_column``.
        ImportError: if Ray is not installed (``pip install pressctx[ray]``).

    Example:
        >>> ds = ray.data.read_parquet("archive/")  # doctest: +SKIP
        >>> tagged = pressctx.tag_ray(ds, text_column="body", concurrency=2)  # doctest: +SKIP
    """
    try:
        import ray.data
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise ImportError("tag_ray needs Ray Data: pip install 'pressctx[ray]'") from exc
    if not isinstance(dataset, ray.data.Dataset):
        raise DataError(f"dataset must be a ray.data.Dataset, got {type(dataset).__name__}")
    names = dataset.schema().names if dataset.schema() is not None else []
    if text_column not in names:
        raise DataError(f"no column {text_column!r}; columns are {names}")
    options: dict[str, Any] = {}
    if num_cpus is not None:
        options["num_cpus"] = num_cpus
    return dataset.map_batches(
        TagPredictor,
        fn_constructor_kwargs={"model": model, "text_column": text_column, "batch_size": batch_size, "prefix": prefix},
        batch_format="pandas",
        batch_size=rows_per_batch,
        concurrency=concurrency,
        **options,
    )


def process_records_ray(
    model: Any,
    records: Any,
    batch_size: int = 64,
    concurrency: int = 1,
    block: int = 20_000,
    cascade: bool = True,
    runtime: str | None = None,
    precision: str | None = None,
) -> Any:
    """``pressctx tag --engine ray``: tag records with Ray workers, yield output dicts in input order.

    Records are sent in blocks of ``block`` documents, so memory stays bounded. Broken
    records pass through as ``{"id", "error"}``, as with local tagging.

    Args:
        model: a shipped model name or a model folder.
        records: :class:`~pressctx.io.records.Record` objects.
        batch_size: segments per model batch.
        concurrency: Ray workers.
        block: records per Ray dataset.
        cascade: ``False`` to score every segment with the transformer.
        runtime: ``"torch"`` or ``"onnx"`` for a transformer's encoder; ``None`` keeps the model's setting.
        precision: ``"fp32"``, ``"int8"`` or ``"bf16"`` for a transformer's encoder; ``None`` keeps the
            model's setting.

    Yields:
        One output dict per record: ``{"id", **result.to_dict()}`` or ``{"id", "error"}``.
    """
    import ray
    import ray.data

    if not ray.is_initialized():
        ray.init(logging_level="ERROR", log_to_driver=False, include_dashboard=False)
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    tagger_spec: Any = model
    if not cascade or runtime is not None or precision is not None:
        from .. import load

        tagger_spec = load(model, cascade=False if not cascade else None, runtime=runtime, precision=precision)

    def run(pending: list) -> Any:
        good = [r for r in pending if r.error is None]
        rows = [{"_i": i, "text": r.text} for i, r in enumerate(good)]
        tagged: dict[int, str] = {}
        if rows:
            ds = ray.data.from_items(rows).map_batches(
                TagPredictor,
                fn_constructor_kwargs={"model": tagger_spec, "batch_size": batch_size, "with_result": True},
                batch_format="pandas",
                batch_size=256,
                concurrency=concurrency,
            )
            for row in ds.iter_rows():
                tagged[int(row["_i"])] = row[RESULT_COLUMN]
        results = iter(tagged[i] for i in range(len(good)))
        for rec in pending:
            if rec.error is not None:
                yield {"id": rec.id, "error": rec.error}
                continue
            out = {"id": rec.id, **json.loads(next(results))}
            if rec.warning:
                out["warning"] = rec.warning
            yield out

    pending: list = []
    for rec in records:
        pending.append(rec)
        if len(pending) >= block:
            yield from run(pending)
            pending = []
    if pending:
        yield from run(pending)

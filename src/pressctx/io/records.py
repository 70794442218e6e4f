"""Tagging whole archives: records from files, one output record per input record.

Inputs are ``.txt`` and ``.html`` files (one document each), JSONL, CSV or
Parquet files (one document per row; with ``fmt="html"`` their text field holds a
page's HTML), or standard input. A row that cannot be processed (broken
JSON, missing text field, text that is not a string) becomes an output record
with an ``error`` field; nothing is dropped.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..models.base import Tagger
from ..results import relink_laws_for_address

__all__ = ["Record", "iter_records", "process_records", "tag_dataset", "tag_columns", "FORMATS"]

FORMATS = ("auto", "txt", "html", "jsonl", "csv", "parquet")


@dataclass
class Record:
    """One input document.

    Attributes:
        id: the id field's value, or ``"FILE:LINE"`` / ``"FILE:ROW"`` / the file path.
        text: the document, or ``None`` when the record is broken.
        error: why the record could not be read, or ``None``.
        warning: a note about a readable record (e.g. bytes replaced while decoding).
        html: ``text`` is a web page's HTML, to extract before tagging.
        url: the document's address (a row's ``url`` field): the page to extract for HTML
            records, and for every record the outlet whose country the law linker takes as
            its fallback cue (:func:`~pressctx.lawlinking.country_of_outlet`).
        fields: input fields passed through to the output (``keep_fields``).
    """

    id: Any
    text: str | None
    error: str | None = None
    warning: str | None = None
    html: bool = False
    url: str | None = None
    fields: dict[str, Any] | None = None


def _format_of(path: str, fmt: str) -> str:
    if fmt != "auto":
        return fmt
    suffix = Path(path).suffix.lower()
    return {
        ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet",
        ".html": "html", ".htm": "html", ".xhtml": "html",
    }.get(suffix, "txt")


def _record_from_row(
    row: Any, where: str, text_field: str, id_field: str | None, html: bool = False, keep: Sequence[str] = ()
) -> Record:
    if not isinstance(row, dict):
        return Record(where, None, f"{where}: expected a JSON object, got {type(row).__name__}")
    rid = row.get(id_field, where) if id_field else where
    if rid is None:
        rid = where
    fields = {k: row[k] for k in keep if k in row} or None
    if text_field not in row:
        return Record(rid, None, f"{where}: no {text_field!r} field (fields: {sorted(row)[:10]})", fields=fields)
    text = row[text_field]
    if not isinstance(text, str):
        return Record(
            rid, None, f"{where}: {text_field!r} must be a string, got {type(text).__name__}", fields=fields
        )
    url = row.get("url") if isinstance(row.get("url"), str) else None
    return Record(rid, text, html=html, url=url, fields=fields)


def _jsonl_records(
    lines: Iterable[tuple[str, str | None]],
    name: str,
    text_field: str,
    id_field: str | None,
    html: bool = False,
    keep: Sequence[str] = (),
) -> Iterator[Record]:
    """Records from ``(line, decoding warning)`` pairs, numbered from 1."""
    for lineno, (line, warning) in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{name}:{lineno}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Record(where, None, f"{where}: invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        rec = _record_from_row(row, where, text_field, id_field, html, keep)
        rec.warning = warning
        yield rec


def _decode(data: bytes, name: str) -> tuple[str, str | None]:
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        # Replacement keeps the run going; the record says what happened.
        return data.decode("utf-8", errors="replace"), (
            f"{name}: invalid UTF-8 at byte {exc.start}; undecodable bytes were replaced with U+FFFD"
        )


def iter_records(
    paths: Sequence[str],
    text_field: str = "text",
    id_field: str | None = "id",
    fmt: str = "auto",
    stdin: Any = None,
    keep_fields: Sequence[str] = (),
) -> Iterator[Record]:
    """Read documents from files or standard input (``"-"``), lazily.

    Args:
        paths: file paths, or ``"-"`` for standard input.
        text_field: the text column of JSONL/CSV/Parquet rows.
        id_field: the id column (falls back to ``FILE:LINE``).
        fmt: ``"auto"`` (by suffix, ``.html``/``.htm`` being web pages; standard
            input is JSONL when its first character is ``{``, else one text document)
            or a fixed format. ``"html"`` reads ``.jsonl``/``.csv``/``.parquet`` files
            as rows whose text field holds HTML (and whose ``url`` field, if any, the
            page's address), and any other file as one web page.
        stdin: a binary stream to read for ``"-"`` (default: ``sys.stdin.buffer``).
        keep_fields: row fields copied to :attr:`Record.fields` (e.g. ``outlet``, ``date``).

    Yields:
        One :class:`Record` per document, broken ones included.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    for path in paths:
        if path == "-":
            data = (stdin or sys.stdin.buffer).read()
            text, warning = _decode(data, "<stdin>")
            html = fmt == "html"
            starts_json = text.lstrip().startswith("{")
            kind = fmt if fmt not in ("auto", "html") else ("jsonl" if starts_json else "txt")
            if kind == "jsonl":
                lines = ((line, warning) for line in io.StringIO(text))
                yield from _jsonl_records(lines, "<stdin>", text_field, id_field, html, keep_fields)
            elif kind == "txt":
                yield Record("<stdin>", text, warning=warning, html=html)
            elif kind == "csv":
                for r, row in enumerate(csv.DictReader(io.StringIO(text)), 1):
                    yield _record_from_row(row, f"<stdin>:{r}", text_field, id_field, False, keep_fields)
            else:
                yield Record("<stdin>", None, "Parquet cannot be read from standard input; pass a file")
            continue
        kind = _format_of(path, fmt)
        html = kind == "html"
        if html:
            inner = _format_of(path, "auto")
            kind = inner if inner in ("jsonl", "csv", "parquet") else "txt"
        p = Path(path)
        if not p.is_file():
            yield Record(path, None, f"{path}: no such file")
            continue
        try:
            if kind == "txt":
                text, warning = _decode(p.read_bytes(), path)
                yield Record(path, text, warning=warning, html=html)
            elif kind == "jsonl":
                with p.open("rb") as fh:
                    decoded = (_decode(raw, f"{path}:{n}") for n, raw in enumerate(fh, 1))
                    yield from _jsonl_records(decoded, path, text_field, id_field, html, keep_fields)
            elif kind == "csv":
                csv.field_size_limit(2**31 - 1)
                with p.open(encoding="utf-8", errors="replace", newline="") as fh:
                    for r, row in enumerate(csv.DictReader(fh), 1):
                        yield _record_from_row(row, f"{path}:{r}", text_field, id_field, html, keep_fields)
            elif kind == "parquet":
                import pyarrow.parquet as pq

                r = 0
                for batch in pq.ParquetFile(p).iter_batches(batch_size=1024):
                    for row in batch.to_pylist():
                        r += 1
                        yield _record_from_row(row, f"{path}:{r}", text_field, id_field, html, keep_fields)
        except (OSError, ValueError) as exc:
            yield Record(path, None, f"{path}: cannot read ({exc})")


def process_records(
    tagger: Tagger,
    records: Iterable[Record],
    make_output: Callable[[Record, Any], dict[str, Any]],
    batch_size: int = 64,
    block: int = 512,
) -> Iterator[dict[str, Any]]:
    """Tag records in blocks and yield one output dict per record, in order.

    Args:
        tagger: the tagger.
        records: input records (broken ones pass through with their error).
        make_output: builds the output dict from a record and its ``TagResult``.
        batch_size: segments per model batch.
        block: records held in memory at once.

    Yields:
        Output dicts; broken records give ``{"id", "error"}``.
    """
    pending: list[Record] = []

    def flush() -> Iterator[dict[str, Any]]:
        pages: dict[int, Any] = {}
        for i, rec in enumerate(pending):
            if rec.error is None and rec.html:
                from .html import extract_html

                try:
                    pages[i] = extract_html(rec.text, url=rec.url)
                except Exception as exc:  # a page lxml/trafilatura cannot parse is one failed record
                    rec.error = f"{rec.id}: cannot extract text from the HTML ({type(exc).__name__}: {exc})"
        good = [(i, r) for i, r in enumerate(pending) if r.error is None]
        texts = [pages[i].text if i in pages else r.text for i, r in good]
        results = iter(tagger.tag_many(texts, batch_size=batch_size))
        for i, rec in enumerate(pending):
            if rec.error is not None:
                yield {"id": rec.id, **(rec.fields or {}), "error": rec.error}
                continue
            result = next(results)
            result = relink_laws_for_address(result, pages[i].url if i in pages else rec.url)
            if i in pages:
                from .html import with_page

                result = with_page(result, pages[i])
            out = make_output(rec, result)
            if rec.fields:
                out = {"id": out.get("id", rec.id), **rec.fields, **out}
            if rec.warning:
                out["warning"] = rec.warning
            yield out

    for rec in records:
        pending.append(rec)
        if len(pending) >= block:
            yield from flush()
            pending = []
    if pending:
        yield from flush()


def tag_columns(
    texts: Sequence[Any], tagger: Tagger, text_column: str = "text", batch_size: int = 64, prefix: str = "pressctx_"
) -> dict[str, list]:
    """Tag a batch of texts into the columns :func:`tag_dataset` and :func:`pressctx.tag_ray` add.

    Args:
        texts: the batch's texts; a value that is not a string gets no labels, scores
            of 0 and an error message.
        tagger: the tagger.
        text_column: the column's name, for error messages.
        batch_size: segments per model batch.
        prefix: prefix of the column names.

    Returns:
        ``{prefix}labels``, ``{prefix}spans``, ``{prefix}error`` and one
        ``{prefix}score_<label>`` per label, each a list as long as ``texts``.
    """
    ok = [i for i, t in enumerate(texts) if isinstance(t, str)]
    results = dict(zip(ok, tagger.tag_many([texts[i] for i in ok], batch_size=batch_size)))
    out: dict[str, list] = {f"{prefix}labels": [], f"{prefix}spans": [], f"{prefix}error": []}
    for lab in tagger.labels:
        out[f"{prefix}score_{lab}"] = []
    for i, text in enumerate(texts):
        res = results.get(i)
        out[f"{prefix}labels"].append(list(res.labels) if res else [])
        out[f"{prefix}spans"].append(
            [{"start": s.start, "end": s.end, "label": s.label, "score": float(s.score)} for s in res.spans]
            if res
            else []
        )
        out[f"{prefix}error"].append(None if res else f"{text_column} is {type(text).__name__}, not a string")
        for lab in tagger.labels:
            out[f"{prefix}score_{lab}"].append(float(res.scores[lab]) if res else 0.0)
    return out


def tag_dataset(
    dataset: Any,
    text_column: str = "text",
    tagger: Tagger | None = None,
    batch_size: int = 64,
    prefix: str = "pressctx_",
) -> Any:
    """Add press-context columns to a ``datasets.Dataset`` (batched map).

    New columns: ``{prefix}labels`` (list of labels), one ``{prefix}score_<label>``
    float column per label, and ``{prefix}spans`` (list of
    ``{start, end, label, score}``). A row whose text is missing or not a string
    gets no labels, scores of 0 and ``{prefix}error`` set.

    Args:
        dataset: a ``datasets.Dataset``.
        text_column: the column to tag.
        tagger: the tagger (default: :func:`pressctx.load`).
        batch_size: segments per model batch.
        prefix: prefix of the new column names.

    Returns:
        A new ``datasets.Dataset`` with the added columns.

    Raises:
        DataError: if ``text_column`` is missing or a ``DatasetDict`` is passed.

    Example:
        >>> ds = pressctx.tag_dataset(ds, text_column="body")  # doctest: +SKIP
    """
    import datasets

    from ..errors import DataError

    if isinstance(dataset, datasets.DatasetDict):
        raise DataError(f"got a DatasetDict with splits {list(dataset)}; tag one split, e.g. dataset[{list(dataset)[0]!r}]")
    if not isinstance(dataset, datasets.Dataset):
        raise DataError(f"dataset must be a datasets.Dataset, got {type(dataset).__name__}")
    if text_column not in dataset.column_names:
        raise DataError(f"no column {text_column!r}; columns are {dataset.column_names}")
    if tagger is None:
        from .. import load

        tagger = load()
    labels = tagger.labels

    def fn(batch: dict[str, list]) -> dict[str, list]:
        return tag_columns(batch[text_column], tagger, text_column, batch_size, prefix)

    features = dataset.features.copy()
    features[f"{prefix}labels"] = datasets.Sequence(datasets.Value("string"))
    features[f"{prefix}spans"] = [
        {
            "start": datasets.Value("int64"),
            "end": datasets.Value("int64"),
            "label": datasets.Value("string"),
            "score": datasets.Value("float32"),
        }
    ]
    features[f"{prefix}error"] = datasets.Value("string")
    for lab in labels:
        features[f"{prefix}score_{lab}"] = datasets.Value("float32")
    return dataset.map(fn, batched=True, batch_size=256, features=features, desc="pressctx")

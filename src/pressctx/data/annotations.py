"""Exports of annotation tools (Label Studio, Argilla, doccano) as pressctx training rows.

Each reader turns a tool's export into rows ``{"text", "labels", "lang", "doc_id"}``:
a text annotated as a whole (choices, a multi-label question, a label list) gives
one stand-alone row; a text annotated with spans is cut into segments with
:func:`pressctx.segmentation.segment_text`, each segment carrying the labels of
the spans that overlap it, and the segments share a ``doc_id`` so that
evaluation also scores them as a document.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import DataError

__all__ = ["ANNOTATION_FORMATS", "detect_format", "parse_label_map", "read_annotations"]

logger = logging.getLogger(__name__)

#: Formats :func:`read_annotations` reads; ``"pressctx"`` is pressctx's own rows.
ANNOTATION_FORMATS = ("auto", "label-studio", "argilla", "doccano", "pressctx")


def parse_label_map(spec: str | Mapping[str, str] | None) -> dict[str, str]:
    """A label mapping from ``"Disclaimer=disclaimer,Law=censorship_law"`` or a dict.

    A tool label mapped to an empty name (``"Other="``) is dropped; labels not in
    the mapping are kept as they are.

    Raises:
        DataError: for an entry without ``=``.

    Example:
        >>> parse_label_map("Disclaimer=disclaimer,Law=censorship_law")
        {'Disclaimer': 'disclaimer', 'Law': 'censorship_law'}
    """
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        return {str(k): str(v) for k, v in spec.items()}
    out: dict[str, str] = {}
    for item in spec.split(","):
        if not item.strip():
            continue
        if "=" not in item:
            raise DataError(f"label map entry {item.strip()!r} has no '='; write TOOL_LABEL=pressctx_label, e.g. Law=censorship_law")
        src, _, dst = item.partition("=")
        out[src.strip()] = dst.strip()
    return out


def _load_rows(data: Any) -> tuple[list[Any], str]:
    if isinstance(data, (str, Path)):
        from . import _rows_from_path

        # A JSON array (Label Studio, Argilla), JSON lines (doccano), CSV or Parquet.
        return _rows_from_path(Path(data)), str(data)
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        return list(data), "rows"
    raise DataError(f"data must be a path or a list of dicts, got {type(data).__name__}")


def detect_format(rows: Sequence[Any]) -> str:
    """The tool that wrote ``rows``: ``"label-studio"``, ``"argilla"``, ``"doccano"`` or ``"pressctx"``.

    Args:
        rows: parsed records of an export.

    Returns:
        The format name; ``"pressctx"`` for rows that match no tool's layout.
    """
    row = next((r for r in rows if isinstance(r, dict)), None)
    if row is None:
        return "pressctx"
    if isinstance(row.get("data"), dict) and ("annotations" in row or "completions" in row):
        return "label-studio"
    if isinstance(row.get("fields"), dict) and "responses" in row:
        return "argilla"
    if any(isinstance(k, str) and k.endswith(".responses") for k in row):
        return "argilla"
    if "annotation" in row and ("inputs" in row or "multi_label" in row):
        return "argilla"
    if "text" in row and ("label" in row or "entities" in row):
        return "doccano"
    labels = row.get("labels")
    if isinstance(labels, list) and labels and isinstance(labels[0], list):
        return "doccano"
    return "pressctx"


class _Converter:
    """Builds pressctx rows from (text, whole-text labels, spans) per annotated item."""

    def __init__(self, fmt: str, source: str, label_map: dict[str, str]) -> None:
        self.fmt = fmt
        self.source = source
        self.label_map = label_map
        self.rows: list[dict[str, Any]] = []

    def label(self, name: Any, where: str) -> str:
        if not isinstance(name, str):
            raise DataError(f"{where}: a label must be a string, got {name!r}")
        return self.label_map.get(name, name)

    def add(self, item_id: Any, text: Any, labels: Iterable[Any], spans: Sequence[tuple[Any, Any, Any]], lang: Any, where: str) -> None:
        from ..segmentation import segment_text

        if not isinstance(text, str):
            raise DataError(f"{where}: the text must be a string, got {type(text).__name__}")
        names = [n for n in (self.label(x, where) for x in labels) if n]
        lang = lang if isinstance(lang, str) and lang else "unk"
        if not spans:
            self.rows.append({"text": text, "labels": list(dict.fromkeys(names)), "lang": lang, "doc_id": None})
            return
        if names:
            logger.warning("%s: whole-text labels %s ignored; the item's span labels are used", where, names)
        checked = []
        for start, end, lab in spans:
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
                raise DataError(
                    f"{where}: span [{start!r}, {end!r}, {lab!r}] is not inside the text ({len(text)} characters); "
                    "spans need integer character offsets with start < end"
                )
            name = self.label(lab, where)
            if name:
                checked.append((start, end, name))
        doc_id = f"{self.fmt}:{item_id}"
        for seg in segment_text(text):
            on = [name for s, e, name in checked if s < seg.end and e > seg.start]
            self.rows.append({"text": seg.text, "labels": list(dict.fromkeys(on)), "lang": lang, "doc_id": doc_id})


def _label_studio(rows: list[Any], conv: _Converter) -> None:
    for i, task in enumerate(rows):
        where = f"{conv.source}, task {i}"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise DataError(f"{where}: a Label Studio task needs a 'data' object; got {str(task)[:80]!r}")
        data = task["data"]
        text = data.get("text")
        if text is None:
            strings = [v for v in data.values() if isinstance(v, str)]
            if len(strings) != 1:
                raise DataError(f"{where}: no 'text' in the task's data (keys {sorted(data)}); name the text field 'text'")
            text = strings[0]
        annotations = task.get("annotations", task.get("completions")) or []
        done = [a for a in annotations if isinstance(a, dict) and not a.get("was_cancelled")]
        if not done:
            continue  # not annotated yet
        chosen = next((a for a in done if a.get("ground_truth")), done[0])
        labels: list[Any] = []
        spans: list[tuple[Any, Any, Any]] = []
        for res in chosen.get("result") or []:
            value = res.get("value") if isinstance(res, dict) else None
            if not isinstance(value, dict):
                raise DataError(f"{where}: an annotation result without a 'value' object: {str(res)[:80]!r}")
            if "choices" in value:
                labels.extend(value["choices"])
            elif "start" in value and "end" in value:
                names = value.get("labels") or value.get("hypertextlabels") or []
                spans.extend((value["start"], value["end"], n) for n in names)
        lang = data.get("lang")
        conv.add(task.get("id", i), text, labels, spans, lang, where)


def _argilla_values(resp: Any) -> list[Any]:
    """Submitted response values of one question (nested or flat layout)."""
    if isinstance(resp, list) and resp and isinstance(resp[0], dict) and "value" in resp[0]:
        return [r["value"] for r in resp if r.get("status", "submitted") in (None, "submitted")]
    return list(resp) if isinstance(resp, list) else []


def _argilla(rows: list[Any], conv: _Converter) -> None:
    for i, rec in enumerate(rows):
        where = f"{conv.source}, record {i}"
        if not isinstance(rec, dict):
            raise DataError(f"{where}: expected an Argilla record object, got {type(rec).__name__}")
        if "annotation" in rec and ("inputs" in rec or "multi_label" in rec):  # Argilla 1.x text classification
            if rec.get("status") not in (None, "Validated") or rec.get("annotation") is None:
                continue
            ann = rec["annotation"]
            text = rec.get("text") or next(iter((rec.get("inputs") or {}).values()), None)
            conv.add(rec.get("id", i), text, ann if isinstance(ann, list) else [ann], [], rec.get("metadata", {}).get("lang"), where)
            continue
        if isinstance(rec.get("fields"), dict):  # Argilla 2.x, nested (records.to_json / to_list(flatten=False))
            fields, metadata = rec["fields"], rec.get("metadata") or {}
            responses = {q: _argilla_values(v) for q, v in (rec.get("responses") or {}).items()}
        else:  # Argilla 2.x, flat (to_list(flatten=True), to_datasets)
            fields = {k: v for k, v in rec.items() if isinstance(v, str) and "." not in k and k not in ("id", "status", "_server_id")}
            metadata = {k[9:]: v for k, v in rec.items() if k.startswith("metadata.")}
            responses = {}
            for k, v in rec.items():
                if k.endswith(".responses"):
                    status = rec.get(k + ".status") or []
                    vals = list(v or [])
                    responses[k[: -len(".responses")]] = [
                        x for j, x in enumerate(vals) if j >= len(status) or status[j] in (None, "submitted")
                    ]
        text = fields.get("text")
        if text is None:
            if len(fields) != 1:
                raise DataError(f"{where}: no 'text' field (fields {sorted(fields)}); name the text field 'text'")
            text = next(iter(fields.values()))
        question = next((q for q, vals in responses.items() if vals), None)
        if question is None:
            continue  # no submitted response yet
        vals = responses[question]
        first = vals[0]
        if isinstance(first, list) and first and isinstance(first[0], dict):  # span question
            spans = [(s.get("start"), s.get("end"), s.get("label")) for s in first]
            conv.add(rec.get("id", i), text, [], spans, metadata.get("lang"), where)
            continue
        # Label and multi-label questions: a label stays when at least half the submitted responses chose it.
        votes: dict[str, int] = {}
        for v in vals:
            for name in dict.fromkeys(v if isinstance(v, list) else [v]):
                votes[name] = votes.get(name, 0) + 1
        labels = [n for n, c in votes.items() if 2 * c >= len(vals)]
        conv.add(rec.get("id", i), text, labels, [], metadata.get("lang"), where)


def _doccano(rows: list[Any], conv: _Converter) -> None:
    for i, rec in enumerate(rows):
        where = f"{conv.source}, line {i + 1}"
        if not isinstance(rec, dict) or "text" not in rec:
            raise DataError(f"{where}: a doccano line needs 'text' and 'label'; got {str(rec)[:80]!r}")
        raw = rec.get("label", rec.get("labels", []))
        labels: list[Any] = []
        spans: list[tuple[Any, Any, Any]] = []
        for item in raw if isinstance(raw, list) else [raw]:
            if isinstance(item, (list, tuple)):
                if len(item) != 3:
                    raise DataError(f"{where}: span label {item!r} is not [start, end, label]")
                spans.append(tuple(item))
            else:
                labels.append(item)
        for ent in rec.get("entities") or []:
            spans.append((ent.get("start_offset"), ent.get("end_offset"), ent.get("label")))
        conv.add(rec.get("id", i), rec["text"], labels, spans, rec.get("lang"), where)


def read_annotations(
    data: Any, data_format: str = "auto", label_map: str | Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Read an annotation tool's export as pressctx rows.

    Reads Label Studio JSON exports (tasks with ``choices`` results and ``labels``
    span results), Argilla exports (2.x ``records.to_json``/``to_list`` in the nested
    or flat layout, with label, multi-label or span questions; 1.x text
    classification records) and doccano JSONL (``label`` as a list of names or of
    ``[start, end, label]`` spans; ``entities``). Unannotated items (no submitted
    response, cancelled annotations) are skipped.

    Args:
        data: a path (``.json`` array or JSONL) or a list of parsed records.
        data_format: one of :data:`ANNOTATION_FORMATS`; ``"auto"`` detects it
            from the records (:func:`detect_format`).
        label_map: the tool's label names to pressctx's, as
            ``"Disclaimer=disclaimer,Law=censorship_law"`` or a dict.

    Returns:
        Rows ``{"text", "labels", "lang", "doc_id"}`` (pressctx's own rows are
        returned with only the label mapping applied).

    Raises:
        DataError: for an unknown format, a malformed export (the message names
            the item and what is wrong), or an export with no annotated items.

    Example:
        >>> rows = read_annotations("project-1.json", label_map="Law=censorship_law")  # doctest: +SKIP
        >>> pressctx.evaluate(pressctx.load(), rows)  # doctest: +SKIP
    """
    if data_format not in ANNOTATION_FORMATS:
        raise DataError(f"unknown data format {data_format!r}; use one of {list(ANNOTATION_FORMATS)}")
    mapping = parse_label_map(label_map)
    rows, source = _load_rows(data)
    if not rows:
        raise DataError(f"{source}: no records")
    fmt = detect_format(rows) if data_format == "auto" else data_format
    if fmt == "pressctx":
        if not mapping:
            return rows
        out = []
        for row in rows:
            row = dict(row)
            if isinstance(row.get("labels"), list):
                row["labels"] = [n for n in (mapping.get(x, x) for x in row["labels"]) if n]
            out.append(row)
        return out
    conv = _Converter(fmt, source, mapping)
    {"label-studio": _label_studio, "argilla": _argilla, "doccano": _doccano}[fmt](rows, conv)
    if not conv.rows:
        raise DataError(f"{source}: no annotated items in this {fmt} export (all pending, skipped or cancelled)")
    return conv.rows

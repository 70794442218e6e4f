"""The shipped corpus and readers for labelled data (datasets, JSONL, CSV, Parquet).

Run ``python -m pressctx.data stats`` for the corpus statistics.
"""
from __future__ import annotations

import argparse
import collections
import csv
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import DataError

__all__ = [
    "Examples",
    "load_corpus",
    "load_documents",
    "read_examples",
    "corpus_stats",
    "default_labels",
    "data_hash",
    "training_data_record",
    "SPLITS",
    "CORPORA",
    "corpus_data",
    "read_annotations",
]

SPLITS = ("train", "validation", "test")
_CORPUS_PACKAGE = "pressctx.data"
#: The shipped corpora: name -> folder inside ``pressctx/data``.
CORPORA = {"v1": "corpus", "real": "real"}


def _corpus_file(name: str, corpus: str = "v1"):
    return resources.files(_CORPUS_PACKAGE).joinpath(CORPORA[corpus], name)


def _read_jsonl_resource(name: str, corpus: str = "v1") -> list[dict[str, Any]]:
    with _corpus_file(name, corpus).open("r", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _check_corpus_name(name: Any) -> str:
    if name is None:
        return "v1"
    if name not in CORPORA:
        raise DataError(f"unknown corpus {name!r}; the shipped corpora are {sorted(CORPORA)}")
    return name


#: Columns of the real-derived corpus beyond corpus v1's.
REAL_COLUMNS = ("source", "outlet", "origin", "mined", "note")


def load_corpus(name: str | None = None):
    """A shipped labelled corpus, one segment a row.

    Args:
        name: ``None`` or ``"v1"`` for corpus v1, written by the team from the label
            definitions (the default, unchanged since it shipped); ``"real"`` for the
            part derived from real published text: close paraphrases of sentences of real
            pages, split by outlet (an outlet's web domain is in one split only).

    Returns:
        ``datasets.DatasetDict`` with splits ``train``, ``validation``, ``test`` and
        columns ``text``, ``labels`` (list of label names), ``lang``, ``country``,
        ``kind``, ``neg`` (hard-negative kind or ``"ordinary"``; null for positives),
        ``instruments``, ``doc_id`` (null for stand-alone segments), ``position``
        (index in the document, -1 for stand-alone) and ``written``. The real corpus
        adds ``source`` (the address of the page), ``outlet`` (its web domain),
        ``origin`` (``"real"``), ``mined`` (a hard negative found by running the v1
        model over real text) and ``note`` (the annotator's note on a borderline case).

    Raises:
        DataError: for an unknown corpus name.

    Example:
        >>> corpus = pressctx.load_corpus()  # doctest: +SKIP
        >>> real = pressctx.load_corpus("real")  # doctest: +SKIP
        >>> real["test"][0]["source"]  # doctest: +SKIP
    """
    import datasets

    name = _check_corpus_name(name)
    columns = {
        "text": datasets.Value("string"),
        "labels": datasets.Sequence(datasets.Value("string")),
        "lang": datasets.Value("string"),
        "country": datasets.Value("string"),
        "kind": datasets.Value("string"),
        "neg": datasets.Value("string"),
        "instruments": datasets.Sequence(datasets.Value("string")),
        "doc_id": datasets.Value("string"),
        "position": datasets.Value("int32"),
        "written": datasets.Value("string"),
    }
    if name == "real":
        columns.update({
            "source": datasets.Value("string"),
            "outlet": datasets.Value("string"),
            "origin": datasets.Value("string"),
            "mined": datasets.Value("bool"),
            "note": datasets.Value("string"),
        })
    features = datasets.Features(columns)
    splits = {}
    for split in SPLITS:
        rows = _read_jsonl_resource(f"segments-{split}.jsonl", name)
        splits[split] = datasets.Dataset.from_list(
            [{k: row.get(k) for k in features} for row in rows], features=features
        )
    return datasets.DatasetDict(splits)


def load_documents(name: str | None = None):
    """A shipped corpus's documents (news articles with per-segment labels).

    Args:
        name: ``None`` or ``"v1"`` for corpus v1, ``"real"`` for the real-derived articles
            (each the stored text of one real page, every sentence in order).

    Returns:
        ``datasets.DatasetDict`` with the same splits as :func:`load_corpus`; columns
        ``doc_id``, ``lang``, ``country``, ``title``, ``text`` (the article) and
        ``segments`` (list of ``{"text", "labels", "start", "end"}``, offsets into ``text``),
        and ``labels`` (the document's labels); real articles also ``source`` and ``outlet``.

    Raises:
        DataError: for an unknown corpus name.
    """
    import datasets

    name = _check_corpus_name(name)
    splits = {}
    for split in SPLITS:
        rows = _read_jsonl_resource(f"documents-{split}.jsonl", name)
        splits[split] = datasets.Dataset.from_list(rows)
    return datasets.DatasetDict(splits)


def corpus_data(spec: str) -> Any:
    """One split of the shipped corpora, named as on the command line.

    Args:
        spec: ``"corpus[:split]"`` or ``"v1[:split]"`` for corpus v1, ``"real[:split]"``
            for the real-derived corpus, ``"real+corpus[:split]"`` for both (real rows
            first). The split defaults to ``test``.

    Returns:
        A ``datasets.Dataset`` for one corpus, a list of row dicts (the columns both
        share) for several.

    Raises:
        DataError: for an unknown corpus or split.

    Example:
        >>> pressctx.evaluate(pressctx.load(), corpus_data("real:validation"))  # doctest: +SKIP
    """
    names, _, split = spec.partition(":")
    split = split or "test"
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r} in {spec!r}; use one of {list(SPLITS)}")
    parts = ["v1" if n == "corpus" else n for n in names.split("+")]
    for n in parts:
        _check_corpus_name(n)
    if len(parts) == 1:
        return load_corpus(parts[0])[split]
    rows: list[dict[str, Any]] = []
    for n in parts:
        rows.extend(load_corpus(n)[split].select_columns(["text", "labels", "lang", "doc_id"]).to_list())
    return rows


@dataclass
class Examples:
    """Labelled segments read from any supported source.

    Attributes:
        texts: segment texts.
        labels: label names per segment.
        langs: language per segment (``"unk"`` where the data has none).
        doc_ids: document id per segment (``None`` for stand-alone segments).
        source: where the data came from, for messages.
    """

    texts: list[str]
    labels: list[list[str]]
    langs: list[str]
    doc_ids: list[str | None] = field(default_factory=list)
    source: str = "data"

    def __len__(self) -> int:
        return len(self.texts)

    def label_names(self) -> list[str]:
        """Every label that occurs, in first-seen order."""
        seen: dict[str, None] = {}
        for names in self.labels:
            for name in names:
                seen.setdefault(name, None)
        return list(seen)

    def documents(self) -> dict[str, list[int]]:
        """Row indices per document id, in row order."""
        docs: dict[str, list[int]] = collections.defaultdict(list)
        for i, doc_id in enumerate(self.doc_ids):
            if doc_id is not None:
                docs[doc_id].append(i)
        return dict(docs)


def _parse_labels(value: Any, row: int, source: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("["):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise DataError(f"{source}, row {row}: labels {value!r} is not a JSON list") from exc
        else:
            # CSV cells: "disclaimer;censorship_law" (also "|" or ","), "" for none.
            for sep in (";", "|", ","):
                if sep in value:
                    return [v.strip() for v in value.split(sep) if v.strip()]
            return [value] if value else []
    if hasattr(value, "tolist"):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise DataError(f"{source}, row {row}: labels must be a list of label names, got {value!r}")
    return list(value)


def _rows_from_path(path: Path) -> list[dict[str, Any]]:
    suffix = "".join(path.suffixes[-2:]) if path.suffix == ".gz" else path.suffix
    if not path.is_file():
        raise DataError(f"no such data file: {path}")
    if suffix == ".json" and path.read_text(encoding="utf-8").lstrip().startswith("["):
        try:  # a JSON array (Label Studio and Argilla export these)
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})") from exc
    if suffix in (".jsonl", ".json", ".ndjson"):
        rows = []
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise DataError(f"{path}, line {lineno}: invalid JSON ({exc.msg})") from exc
        return rows
    if suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    raise DataError(f"{path}: unsupported file type {suffix!r}; use .jsonl, .csv or .parquet")


def _rows_from_any(data: Any) -> tuple[list[dict[str, Any]], str]:
    try:
        import datasets
    except ImportError:  # pragma: no cover - datasets is a dependency
        datasets = None
    if datasets is not None and isinstance(data, (datasets.DatasetDict, dict)) and not isinstance(data, datasets.Dataset):
        keys = list(data.keys())
        hint = f"data[{keys[-1]!r}]" if keys else "one split"
        raise DataError(f"got a DatasetDict with splits {keys}; pass a single split, e.g. {hint}")
    if datasets is not None and isinstance(data, datasets.Dataset):
        return data.to_list(), "dataset"
    if isinstance(data, (str, Path)):
        return _rows_from_path(Path(data)), str(data)
    if isinstance(data, Sequence) and all(isinstance(r, dict) for r in data):
        return list(data), "rows"
    raise DataError(
        f"data must be a datasets.Dataset, a path to a .jsonl/.csv/.parquet file or a list of dicts, "
        f"got {type(data).__name__}"
    )


def read_examples(
    data: Any,
    labels: Sequence[str] | None = None,
    text_field: str = "text",
    data_format: str = "auto",
    label_map: str | dict[str, str] | None = None,
) -> Examples:
    """Read labelled segments and check them against a label set.

    Rows are segments (``text``, ``labels``, optional ``lang``, ``doc_id``) or
    documents (``doc_id``, ``segments`` with ``text`` and ``labels`` each), which
    are flattened to segments that keep their document id. Exports of Label
    Studio, Argilla and doccano are recognised and converted
    (:func:`pressctx.data.annotations.read_annotations`).

    Args:
        data: a ``datasets.Dataset`` (one split), a path to a JSON/JSONL/CSV/Parquet
            file, or a list of dicts.
        labels: the allowed labels; ``None`` accepts any.
        text_field: the column holding the text.
        data_format: ``"auto"`` (detect), ``"label-studio"``, ``"argilla"``,
            ``"doccano"`` or ``"pressctx"``.
        label_map: tool label names to pressctx's (``"Law=censorship_law"`` or a dict).

    Returns:
        :class:`Examples`.

    Raises:
        DataError: naming the missing column, unknown label or bad row.
    """
    rows, source = _rows_from_any(data)
    if not rows:
        raise DataError(f"{source}: no rows")
    from .annotations import detect_format, read_annotations

    if label_map or data_format != "auto" or detect_format(rows) != "pressctx":
        rows = read_annotations(
            data if isinstance(data, (str, Path)) else rows, data_format=data_format, label_map=label_map
        )
    texts: list[str] = []
    out_labels: list[list[str]] = []
    langs: list[str] = []
    doc_ids: list[str | None] = []
    allowed = set(labels) if labels is not None else None
    for r, row in enumerate(rows):
        if isinstance(row.get("segments"), list) or ("segments" in row and text_field not in row):
            segs = row.get("segments")
            if not isinstance(segs, list):
                raise DataError(f"{source}, row {r}: 'segments' must be a list")
            doc_id = str(row.get("doc_id", f"{source}#{r}"))
            items = [(seg, seg.get("lang", row.get("lang"))) for seg in segs]
        else:
            doc_id = row.get("doc_id")
            items = [(row, row.get("lang"))]
        for item, lang in items:
            if text_field not in item or "labels" not in item:
                missing = [c for c in (text_field, "labels") if c not in item]
                raise DataError(
                    f"{source}, row {r}: missing column(s) {missing}; found {sorted(item)}. "
                    "Each row needs 'text' and 'labels' (a list of label names)"
                )
            text = item[text_field]
            if not isinstance(text, str):
                raise DataError(f"{source}, row {r}: {text_field!r} must be a string, got {type(text).__name__}")
            names = _parse_labels(item["labels"], r, source)
            if allowed is not None:
                unknown = [n for n in names if n not in allowed]
                if unknown:
                    raise DataError(
                        f"{source}, row {r}: unknown label {unknown[0]!r}; this model's labels are {sorted(allowed)}"
                    )
            texts.append(text)
            out_labels.append(names)
            langs.append(str(lang) if lang else "unk")
            doc_ids.append(None if doc_id in (None, "") else str(doc_id))
    return Examples(texts, out_labels, langs, doc_ids, source)


def read_annotations(data: Any, data_format: str = "auto", label_map: Any = None) -> list[dict[str, Any]]:
    """Rows from an annotation tool's export; see :func:`pressctx.data.annotations.read_annotations`."""
    from .annotations import read_annotations as _read

    return _read(data, data_format=data_format, label_map=label_map)


def default_labels(examples: Examples) -> list[str]:
    """pressctx's three labels when the data uses only those, else every label found, sorted."""
    from ..labels import LABELS

    found = examples.label_names()
    return list(LABELS) if all(name in LABELS for name in found) else sorted(found)


def data_hash(*examples: Examples) -> str:
    """SHA-256 of the texts and labels of one or more example sets (order-sensitive)."""
    import hashlib

    h = hashlib.sha256()
    for ex in examples:
        for text, labels in zip(ex.texts, ex.labels):
            h.update(json.dumps([text, sorted(labels)], ensure_ascii=False).encode("utf-8"))
            h.update(b"\n")
        h.update(b"--\n")
    return h.hexdigest()


def training_data_record(train: Examples, dev: Examples | None) -> dict[str, Any]:
    """What a model directory records about its training data."""
    return {
        "source": train.source,
        "train_segments": len(train),
        "validation_segments": len(dev) if dev is not None else 0,
        "sha256": data_hash(train, *([dev] if dev is not None else [])),
    }


def corpus_stats() -> dict[str, Any]:
    """Statistics of the shipped corpus (the floors of the corpus issue are checked in tests).

    Returns:
        A dict with counts per split, label, language, country, hard-negative kind,
        instruments, documents and the share of individually written segments.
    """
    from ..labels import LABELS

    rows = {split: _read_jsonl_resource(f"segments-{split}.jsonl") for split in SPLITS}
    docs = {split: _read_jsonl_resource(f"documents-{split}.jsonl") for split in SPLITS}
    allrows = [r for split in SPLITS for r in rows[split]]
    n = len(allrows)
    negatives = [r for r in allrows if not r["labels"]]
    hard = [r for r in negatives if r.get("neg") not in (None, "ordinary")]
    words = [len(r["text"].split()) for r in allrows]
    stats: dict[str, Any] = {
        "segments": n,
        "documents": sum(len(d) for d in docs.values()),
        "document_segments": {
            "min": min(len(d["segments"]) for s in SPLITS for d in docs[s]),
            "max": max(len(d["segments"]) for s in SPLITS for d in docs[s]),
        },
        "per_split": {
            s: {
                "segments": len(rows[s]),
                "documents": len(docs[s]),
                **{lab: sum(lab in r["labels"] for r in rows[s]) for lab in LABELS},
                "langs": dict(collections.Counter(r["lang"] for r in rows[s]).most_common()),
            }
            for s in SPLITS
        },
        "labels": {lab: sum(lab in r["labels"] for r in allrows) for lab in LABELS},
        "negatives": len(negatives),
        "negative_share": round(len(negatives) / n, 3),
        "hard_negatives": len(hard),
        "hard_share_of_negatives": round(len(hard) / max(len(negatives), 1), 3),
        "negative_kinds": dict(collections.Counter(r.get("neg") for r in negatives).most_common()),
        "langs": {k: {"segments": v, "share": round(v / n, 3)} for k, v in collections.Counter(r["lang"] for r in allrows).most_common()},
        "countries": len({r["country"] for r in allrows if r.get("country") not in (None, "XX")}),
        "country_counts": dict(collections.Counter(r["country"] for r in allrows).most_common()),
        "instruments": len({i for r in allrows for i in r.get("instruments") or []}),
        "kinds": dict(collections.Counter(r.get("kind") for r in allrows).most_common()),
        "words": {"min": min(words), "max": max(words), "mean": round(sum(words) / n, 1)},
        "individually_written_share": round(sum(r.get("written") == "individual" for r in allrows) / n, 3),
    }
    return stats


def _format_stats(stats: dict[str, Any]) -> str:
    lines = [
        f"segments: {stats['segments']}   documents: {stats['documents']} "
        f"(segments per document {stats['document_segments']['min']}-{stats['document_segments']['max']})",
        "positives per label: " + ", ".join(f"{k} {v}" for k, v in stats["labels"].items()),
        f"negatives: {stats['negatives']} ({stats['negative_share']:.1%} of segments); hard negatives: "
        f"{stats['hard_negatives']} ({stats['hard_share_of_negatives']:.1%} of negatives)",
        "negative kinds: " + ", ".join(f"{k} {v}" for k, v in stats["negative_kinds"].items()),
        "languages: " + ", ".join(f"{k} {v['segments']} ({v['share']:.1%})" for k, v in stats["langs"].items()),
        f"countries: {stats['countries']}   distinct legal instruments: {stats['instruments']}",
        f"words per segment: {stats['words']['min']}-{stats['words']['max']} (mean {stats['words']['mean']})",
        f"individually written: {stats['individually_written_share']:.1%}",
        "kinds: " + ", ".join(f"{k} {v}" for k, v in stats["kinds"].items()),
        "",
        f"{'split':<11}{'segments':>9}{'docs':>6}" + "".join(f"{lab:>21}" for lab in stats["labels"]) + "  langs",
    ]
    for split, s in stats["per_split"].items():
        lines.append(
            f"{split:<11}{s['segments']:>9}{s['documents']:>6}"
            + "".join(f"{s[lab]:>21}" for lab in stats["labels"])
            + "  "
            + " ".join(f"{k}:{v}" for k, v in s["langs"].items())
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pressctx.data stats [--real] [--json]``."""
    parser = argparse.ArgumentParser(prog="python -m pressctx.data", description="The shipped corpus.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("stats", help="print corpus statistics")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--real", action="store_true", help="the real-derived corpus, against its floors")
    args = parser.parse_args(argv)
    if args.real:
        from .real import format_real_stats, real_corpus_stats

        stats = real_corpus_stats()
        print(json.dumps(stats, indent=2, ensure_ascii=False) if args.json else format_real_stats(stats))
        return 0
    stats = corpus_stats()
    print(json.dumps(stats, indent=2, ensure_ascii=False) if args.json else _format_stats(stats))
    return 0


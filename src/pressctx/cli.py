"""Command line: ``pressctx tag | strip | evaluate | train | report`` (also ``python -m pressctx``).

Each command is a thin layer over a library function that returns data.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

__all__ = ["main"]


def _progress(total: int | None, quiet: bool, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="doc", disable=quiet or not sys.stderr.isatty(), file=sys.stderr)


def _count_done(path: Path) -> int:
    """Complete records already in a JSONL output (a torn last line is cut off)."""
    if not path.exists():
        return 0
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        data = data[: data.rfind(b"\n") + 1]
        path.write_bytes(data)
    return data.count(b"\n")


class _ParquetSink:
    """Writes output records to Parquet in row groups (nested fields as JSON strings)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[dict[str, Any]] = []
        self.writer = None

    def write(self, rec: dict[str, Any]) -> None:
        flat = {k: (json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v) for k, v in rec.items()}
        flat.setdefault("error", None)
        flat["id"] = None if flat.get("id") is None else str(flat["id"])
        self.rows.append(flat)
        if len(self.rows) >= 2048:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.rows:
            return
        keys = sorted({k for r in self.rows for k in r})
        table = pa.Table.from_pylist([{k: r.get(k) for k in keys} for r in self.rows])
        if self.writer is None:
            self.schema = table.schema
            self.writer = pq.ParquetWriter(self.path, table.schema)
        else:
            table = table.select([f.name for f in self.schema]).cast(self.schema)
        self.writer.write_table(table)
        self.rows = []

    def close(self) -> None:
        self.flush()
        if self.writer is not None:
            self.writer.close()


def _run_records(args: argparse.Namespace, make_output) -> int:
    from . import load
    from .io.records import iter_records, process_records

    engine = getattr(args, "engine", "local")
    runtime = getattr(args, "runtime", None)
    precision = getattr(args, "precision", None)
    cascade = False if getattr(args, "no_cascade", False) else None
    tagger = load(args.model, cascade=cascade, runtime=runtime, precision=precision) if engine == "local" else None
    keep = [x.strip() for x in (args.keep_fields or "").split(",") if x.strip()]
    if engine == "ray" and (args.format == "html" or any(Path(f).suffix.lower() in (".html", ".htm") for f in args.files)):
        print("pressctx: HTML input is tagged with --engine local only", file=sys.stderr)
        return 2
    records: Iterator = iter_records(
        args.files, text_field=args.text_field, id_field=args.id_field, fmt=args.format, keep_fields=keep
    )
    out_path = Path(args.output) if args.output else None
    parquet = out_path is not None and out_path.suffix == ".parquet"
    skip = 0
    if args.resume:
        if out_path is None or parquet:
            print("pressctx: --resume needs --output FILE.jsonl", file=sys.stderr)
            return 2
        skip = _count_done(out_path)
    if skip:
        import itertools

        records = itertools.islice(records, skip, None)
        print(f"pressctx: resuming after {skip} records already in {out_path}", file=sys.stderr)
    sink: Any
    fh: TextIO | None = None
    if parquet:
        sink = _ParquetSink(out_path)
    else:
        fh = open(out_path, "a" if args.resume else "w", encoding="utf-8") if out_path else sys.stdout

        class _Lines:
            def write(self, rec: dict[str, Any]) -> None:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

            def close(self) -> None:
                fh.flush()
                if fh is not sys.stdout:
                    fh.close()

        sink = _Lines()
    n = failed = warned = 0
    labelled: dict[str, int] = {}
    with _progress(None, args.quiet, args.command) as bar:
        try:
            if engine == "ray":
                from .integrations.ray import process_records_ray

                outputs = process_records_ray(
                    args.model, records, batch_size=args.batch_size, concurrency=args.concurrency,
                    cascade=not getattr(args, "no_cascade", False), runtime=runtime, precision=precision,
                )
            else:
                outputs = process_records(tagger, records, make_output, batch_size=args.batch_size)
            for rec in outputs:
                sink.write(rec)
                n += 1
                failed += "error" in rec and rec["error"] is not None
                warned += "warning" in rec
                for lab in rec.get("labels", []):
                    labelled[lab] = labelled.get(lab, 0) + 1
                bar.update(1)
        finally:
            sink.close()
    parts = [f"{n} records", f"{n - failed} tagged", f"{failed} failed"]
    if warned:
        parts.append(f"{warned} with warnings")
    if labelled:
        parts.append("documents per label: " + ", ".join(f"{k} {v}" for k, v in labelled.items()))
    print(f"pressctx {args.command}: " + "; ".join(parts), file=sys.stderr)
    return 1 if failed else 0


def _cmd_tag(args: argparse.Namespace) -> int:
    def make(rec, result) -> dict[str, Any]:
        return {"id": rec.id, **result.to_dict(include_text=args.include_text)}

    return _run_records(args, make)


def _cmd_strip(args: argparse.Namespace) -> int:
    labels = tuple(x.strip() for x in args.labels.split(",") if x.strip())

    def make(rec, result) -> dict[str, Any]:
        return {"id": rec.id, **result.strip(labels=labels).to_dict(), "labels": list(result.labels)}

    return _run_records(args, make)


def _is_corpus_spec(value: str) -> bool:
    from .data import CORPORA

    names = value.partition(":")[0].split("+")
    return not Path(value).exists() and all(n == "corpus" or n in CORPORA for n in names)


def _shipped_or_path(value: str, split: str) -> Any:
    """A shipped corpus split for ``corpus``/``real``/``real+corpus`` (``:split`` optional), else the path."""
    if not _is_corpus_spec(value):
        return value
    from .data import corpus_data

    return corpus_data(value if ":" in value else f"{value}:{split}")


def _annotated(value: Any, args: argparse.Namespace) -> Any:
    """A data path read through ``--data-format``/``--label-map`` when either is given."""
    if not isinstance(value, str) or (args.data_format == "auto" and not args.label_map):
        return value
    from .data.annotations import read_annotations

    return read_annotations(value, data_format=args.data_format, label_map=args.label_map)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from . import load
    from .evaluation import evaluate, format_differences, format_side_by_side

    data: Any = _annotated(_shipped_or_path(args.data, "test"), args)
    reports = [evaluate(load(m), data, name=m, batch_size=args.batch_size) for m in args.model]
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], indent=2, ensure_ascii=False))
    else:
        print(format_side_by_side(reports), end="")
        if len(reports) > 1:
            print("\n" + format_differences(reports), end="")
    if args.plots:
        from .reports.plots import plot_evaluation

        for path in plot_evaluation(reports, args.plots).values():
            print(f"wrote {path}", file=sys.stderr)
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from .training.args import TrainingArguments

    overrides = {
        "base_model": args.base,
        "epochs": args.epochs,
        "max_steps": args.max_steps,
        "seed": args.seed,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "weights": args.weights,
        "labels": [x.strip() for x in args.labels.split(",")] if args.labels else None,
        "align_data": args.align_data or None,
        "encoder_layers": args.encoder_layers,
        "progress": False if args.quiet else None,
    }
    train_data: Any = _annotated(_shipped_or_path(args.data, "train"), args)
    eval_data: Any = _annotated(_shipped_or_path(args.validation, "validation"), args) if args.validation else None
    if eval_data is None and _is_corpus_spec(args.data):
        # A shipped corpus is validated on the real validation split when it is part of the data.
        names = args.data.partition(":")[0]
        eval_data = _shipped_or_path("real" if "real" in names.split("+") else names, "validation")
    if args.kind == "baseline":
        from .training.baseline import train_baseline

        tagger = train_baseline(train_data, eval_data)
        tagger.save_pretrained(args.output)
        print(f"saved baseline to {args.output}", file=sys.stderr)
        return 0
    from .training.trainer import Trainer

    if args.config:
        targs = TrainingArguments.from_file(args.config, overrides=overrides)
    else:
        targs = TrainingArguments.from_dict({k: v for k, v in overrides.items() if v is not None})
    tagger = Trainer(targs, train_data, eval_data).train()
    tagger.save_pretrained(args.output, weights=targs.weights)
    print(f"saved model to {args.output}", file=sys.stderr)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .reports.monitor import monitor_report, write_monitor_report

    report = monitor_report(args.tags, outlet_field=args.outlet_field, date_field=args.date_field)
    paths = write_monitor_report(report, args.output, top=args.top)
    skipped = "; ".join(f"{k} {v}" for k, v in sorted(report.skipped.items()))
    print(
        f"pressctx report: {len(report.outlets)} outlets, {len(report.months)} months, "
        f"{sum(r.articles for r in report.rows)} articles" + (f" (left out: {skipped})" if skipped else ""),
        file=sys.stderr,
    )
    for path in paths.values():
        print(path)
    return 0


def _add_record_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "files", nargs="+", metavar="FILE", help="input files (.txt, .html, .jsonl, .csv, .parquet) or - for stdin"
    )
    p.add_argument("--model", default="default", help="'default' (the multilingual model), 'minilm', 'baseline' or a model folder")
    p.add_argument("--output", "-o", help="output file (.jsonl, or .parquet); default: standard output")
    p.add_argument("--batch-size", type=int, default=64, help="segments per model batch")
    p.add_argument("--text-field", default="text", help="text column of JSONL/CSV/Parquet rows")
    p.add_argument("--id-field", default="id", help="id column (default 'id'; falls back to FILE:LINE)")
    p.add_argument(
        "--format", default="auto", choices=("auto", "txt", "html", "jsonl", "csv", "parquet"),
        help="input format; 'html' also reads the text field of JSONL/CSV/Parquet rows as web pages",
    )
    p.add_argument(
        "--keep-fields", metavar="A,B", help="input fields copied to each output record (e.g. outlet,date for `report`)"
    )
    p.add_argument("--resume", action="store_true", help="skip records already written to --output (JSONL)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--no-cascade", action="store_true", help="score every segment with the transformer (no screen)")
    p.add_argument(
        "--runtime", choices=("torch", "onnx"),
        help="where a transformer's encoder runs (default: the model's setting; the shipped models use onnx)",
    )
    p.add_argument(
        "--precision", choices=("fp32", "int8", "bf16"),
        help="a transformer's encoder precision (default: the model's setting; bf16 runs in torch)",
    )


def _add_annotation_args(p: argparse.ArgumentParser) -> None:
    from .data.annotations import ANNOTATION_FORMATS

    p.add_argument(
        "--data-format", default="auto", choices=ANNOTATION_FORMATS,
        help="format of --data/--validation: an annotation tool's export or pressctx rows (default: detected)",
    )
    p.add_argument(
        "--label-map", metavar="TOOL=OURS,...",
        help="rename the export's labels, e.g. 'Disclaimer=disclaimer,Law=censorship_law' ('X=' drops X)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``pressctx`` command."""
    from . import __version__

    parser = argparse.ArgumentParser(prog="pressctx", description="Tag news text with press-freedom context.")
    parser.add_argument("--version", action="version", version=f"pressctx {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("tag", help="tag documents; one JSON line per input document")
    _add_record_args(p)
    p.add_argument("--engine", default="local", choices=("local", "ray"),
                   help="'ray' tags with Ray Data workers (pip install pressctx[ray]; joins a running cluster "
                        "if RAY_ADDRESS is set, else starts a local one)")
    p.add_argument("--concurrency", type=int, default=1, help="Ray workers, each holding one model (--engine ray)")
    p.add_argument("--include-text", action="store_true", help="repeat each document's text in its record")
    p.set_defaults(func=_cmd_tag)

    p = sub.add_parser("strip", help="remove tagged spans (default: disclaimers) from documents")
    _add_record_args(p)
    p.add_argument("--labels", default="disclaimer", help="comma-separated labels whose spans are removed")
    p.set_defaults(func=_cmd_strip)

    p = sub.add_parser("evaluate", help="evaluate one or more models on labelled data")
    p.add_argument("--model", action="append", required=True, help="model name or folder; repeat to compare")
    p.add_argument("--data", required=True, help="JSONL/CSV/Parquet path, or a shipped corpus split: corpus[:split] (v1), real[:split], real+corpus[:split]")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--plots", metavar="DIR",
        help="write charts: precision-recall per label, macro F1 per language, label confusion",
    )
    _add_annotation_args(p)
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("report", help="per-outlet, per-month tables and charts from `pressctx tag` output")
    p.add_argument("tags", metavar="TAGS.jsonl", help="output of `pressctx tag` (with outlet and date fields, or from HTML)")
    p.add_argument("--output", "-o", required=True, metavar="DIR", help="folder for report.md, report.csv, laws.csv and PNG charts")
    p.add_argument("--outlet-field", default="outlet", help="record field naming the outlet (fallback: the page's site name)")
    p.add_argument("--date-field", default="date", help="record field with the date, ISO 8601 (fallback: the page's date)")
    p.add_argument("--top", type=int, default=3, help="laws listed per outlet and month")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("train", help="fine-tune a tagger on labelled segments")
    p.add_argument("--data", required=True, help="training data (JSONL/CSV/Parquet), or a shipped corpus: 'corpus' (v1), 'real', 'real+corpus' (validation then defaults to the real validation split)")
    p.add_argument("--validation", help="validation data for thresholds and figures")
    p.add_argument("--output", required=True, help="folder for the trained model")
    p.add_argument("--base", help="base encoder: model id or folder (default all-MiniLM-L6-v2)")
    p.add_argument("--config", help="TOML or JSON file of training arguments; flags override it")
    p.add_argument("--kind", choices=("transformer", "baseline"), default="transformer")
    p.add_argument(
        "--align-data",
        action="append",
        metavar="PATH",
        help="sentence pairs (columns source, target) or a folder of them: align the encoder across "
        "languages before fine-tuning; repeat for several (e.g. corpus/parallel)",
    )
    p.add_argument(
        "--encoder-layers", type=int, metavar="N", help="keep only the base's first N layers (faster; see docs/models.md)"
    )
    p.add_argument("--epochs", type=float)
    p.add_argument("--max-steps", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--learning-rate", type=float)
    p.add_argument("--weights", choices=("full", "delta"))
    p.add_argument("--labels", help="comma-separated label set (default: from the data)")
    p.add_argument("--quiet", "-q", action="store_true")
    _add_annotation_args(p)
    p.set_defaults(func=_cmd_train)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pressctx`` command.

    Returns:
        The exit status: 0 on success, 1 if a record failed, 2 on a usage or data error.
    """
    from .errors import PressctxError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except PressctxError as exc:
        print(f"pressctx {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

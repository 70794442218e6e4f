"""Retrain the shipped models on the real-derived corpus plus corpus v1, and write their model cards.

Usage:
    python scripts/train_shipped.py [--output models] [--models baseline,minilm,multilingual]

Training data: the real-derived corpus's train split and corpus v1's train split
(v1 rows that near-duplicate a real validation or test row are left out). Every choice
is made on the **real validation split**: thresholds, the screen's cut-off (the screen
passes on at least 99% of the segments the full transformer labels), the encoder in ONNX Runtime
(where onnxruntime is installed) in int8 or float32, or else torch's int8: each kept when
real-validation macro F1 drops by at most 0.005 from torch float32, ONNX int8 first (and only if it leaves the
default's labels on the seed article beside the checkout unchanged), then the input length read at inference
(the shortest of ``LENGTHS`` under the same rule). Figures are then measured on the real
test split, with corpus v1's test split beside them.

The train phase saves the trained models under ``--raw``; the finalize phase re-tunes them on
the real validation split as it is then (after label audits) and writes ``OUTPUT/baseline``, ``OUTPUT/transformer`` (all-MiniLM-L6-v2, config
``configs/shipped.toml``) and ``OUTPUT/multilingual`` (multilingual-e5-small, config
``configs/multilingual.toml``), and prints the real-validation comparison, the test
figures and the wall time of each step.
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {"minilm": ROOT / "configs" / "shipped.toml", "multilingual": ROOT / "configs" / "multilingual.toml"}
FOLDERS = {"baseline": "baseline", "minilm": "transformer", "multilingual": "multilingual"}
#: The model ``pressctx.load()`` returns (src/pressctx/__init__.py, SHIPPED_MODELS["default"]); since
#: 2026-12-08 the multilingual one (docs/models.md, "Choosing the default").
DEFAULT_MODEL = "multilingual"
INT8_TOLERANCE = 0.005
#: The real article beside the checkout whose labels the default must keep (tests/test_real_article.py).
SEED_DIR = ROOT.parent / "shared" / "seed"
SCREEN_RECALL = 0.99
#: Input lengths (tokens of segment plus context) tried at inference below the training length, each on
#: its own: the shortest whose real-validation segment and document macro F1 stay within INT8_TOLERANCE
#: of the training length's (and that leaves the default's labels on the seed article unchanged) is kept.
LENGTHS = (112, 104, 96, 88, 80)
#: A screen that passes more than this share of validation segments saves the transformer less than
#: a quarter of its work while its TF-IDF vocabulary costs about 100 MB of memory: it is not shipped.
SCREEN_MAX_PASSED = 0.75
#: Share of corpus v1's train split used beside the real train split (documents kept whole).
V1_SHARE = 0.35

LIMITS = """## Limits

- Trained on paraphrases of real published sentences (English, Spanish, Russian, Portuguese, French;
  outlets of the test split never seen in training) and on corpus v1, written by the team from the
  label definitions. Closing notes at the foot of long pages are rare in the real part.
- Within a document each segment is read with its neighbouring segments; segments passed to
  `predict_proba` on their own get no context.
- `censorship_law` recognises laws that the training data covers; the law registry
  (`pressctx.find_laws`) links mentions to laws independently of the classifier.
"""


CASCADE_LIMIT = """- Documents are tagged as a cascade: the baseline screens every segment and the transformer reads
  only the segments the screen cannot rule out (`pressctx.load(..., cascade=False)` turns it off).
"""
RUNTIME_LIMIT = """- The encoder runs in ONNX Runtime ({precision}); `pressctx.load(..., runtime="torch")`
  runs it in torch (float32), and a machine without `onnxruntime` falls back to torch float32 with a warning.
"""
LENGTH_LIMIT = """- Each segment is read with its neighbours up to {length} tokens (trained at {full}; the shorter
  input was chosen on real validation); `tagger.max_length = {full}` reads all of the training length.
"""
RUNTIME_PRECISION = {"fp32": "float32, the same scores as torch",
                     "int8": "int8 weights but the feed-forward outputs, chosen on real validation; "
                             "`precision=\"fp32\"` runs it in float32"}


def _in_share(key: str, share: float) -> bool:
    """A fixed pseudo-random draw: whether ``key`` falls in the first ``share`` of the hash space."""
    import hashlib

    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) < share * 0x100000000


def training_rows(real, v1, v1_share: float = V1_SHARE) -> tuple[list[dict], dict]:
    """Real train rows, then a fixed share of v1 train (whole documents and loose rows, drawn by
    hash) that near-duplicates no real validation or test row."""
    from pressctx.data.dedup import near_duplicate_pairs

    held = [r["text"] for split in ("validation", "test") for r in real[split]]
    v1_train = [r for r in v1["train"].to_list() if _in_share(r["doc_id"] or r["text"], v1_share)]
    close = {i for i, _, _ in near_duplicate_pairs([r["text"] for r in v1_train], held)}
    cols = ("text", "labels", "lang", "doc_id")
    rows = [{k: r[k] for k in cols} for r in real["train"]]
    rows += [{k: r[k] for k in cols} for i, r in enumerate(v1_train) if i not in close]
    return rows, {"real_train": len(real["train"]), "v1_train": len(v1_train) - len(close), "v1_dropped": len(close)}


def retune(tagger, validation) -> dict:
    """Tune ``tagger``'s thresholds on ``validation`` (cascade off); returns the validation metrics."""
    import numpy as np

    from pressctx.data import read_examples
    from pressctx.evaluation import label_metrics, predict_examples_proba
    from pressctx.labels import to_indicator
    from pressctx.training.thresholds import tune_thresholds

    ex = read_examples(validation, labels=tagger.labels)
    was = getattr(tagger, "cascade", False)
    if hasattr(tagger, "cascade"):
        tagger.cascade = False
    try:
        probs = predict_examples_proba(tagger, ex, progress=False)
    finally:
        if hasattr(tagger, "cascade"):
            tagger.cascade = was
    y = to_indicator(ex.labels, tagger.labels)
    tagger.thresholds = tuple(tune_thresholds(y, probs))
    preds = (probs >= np.asarray(tagger.thresholds)).astype(int)
    return label_metrics(y, preds, tagger.labels)


def train_phase(names: list[str], raw: Path, max_steps: int | None, layers: int | None = None,
                extra: dict | None = None, suffix: str = "") -> None:
    """Train the models on the real + v1 training rows and save them, unfinished, under ``raw``.

    With ``layers``, the transformers keep only their base's first ``layers`` layers and are
    saved as ``raw/<name>-L<layers>`` (the depth comparison in docs/models.md). ``extra`` overrides
    fields of the transformers' configurations; ``suffix`` is added to their folder names."""
    import pressctx
    from pressctx.training.baseline import train_baseline

    real, v1 = pressctx.load_corpus("real"), pressctx.load_corpus()
    rows, counts = training_rows(real, v1)
    source = (f"real-derived corpus train ({counts['real_train']} segments) + {V1_SHARE:.0%} of corpus v1 train "
              f"({counts['v1_train']} segments; {counts['v1_dropped']} near-duplicating real validation/test left out)")
    print(json.dumps(counts), flush=True)
    val = real["validation"]
    if "baseline" in names:
        t0 = time.perf_counter()
        baseline = train_baseline(rows, val)
        baseline.metadata["training_data"]["source"] = source
        baseline.metadata["train_seconds"] = round(time.perf_counter() - t0, 1)
        baseline.save_pretrained(raw / "baseline")
        print(f"baseline trained in {time.perf_counter() - t0:.1f} s", flush=True)
    for name in ("multilingual", "minilm"):
        if name not in names:
            continue
        overrides = {"max_steps": max_steps} if max_steps else {}
        overrides.update(extra or {})
        if layers:
            overrides["encoder_layers"] = layers
        targs = pressctx.TrainingArguments.from_file(CONFIGS[name], overrides=overrides or None)
        tagger = pressctx.Trainer(targs, rows, val).train()
        tagger.metadata["training_data"]["source"] = source
        tagger.save_pretrained(raw / (f"{name}-L{layers}{suffix}" if layers else name + suffix), weights=targs.weights)
        print(json.dumps({name: {"train_seconds": tagger.metadata["train_seconds"]}}), flush=True)


def finalize_phase(names: list[str], raw: Path, out: Path) -> None:
    """Tune thresholds, the screen and precision on real validation; measure on test; write the shipped folders."""
    import pressctx
    from pressctx.evaluation import evaluate, format_side_by_side
    from pressctx.models.onnx import onnx_available
    from pressctx.training.cascade import attach_screen
    from pressctx.training.modelcard import write_model_card

    real, v1 = pressctx.load_corpus("real"), pressctx.load_corpus()
    val, test, v1_test = real["validation"], real["test"], v1["test"]
    taggers: dict[str, object] = {}
    baseline = pressctx.load(raw / "baseline")
    baseline.metadata["validation"] = retune(baseline, val)
    taggers["baseline"] = baseline
    for name in ("minilm", "multilingual"):
        if name not in names:
            continue
        tagger = pressctx.load(raw / name, cascade=False)
        tagger.metadata["validation"] = retune(tagger, val)
        full_val = evaluate(tagger, val, name=f"{name} fp32 full")
        screen = attach_screen(tagger, copy.deepcopy(baseline), val, recall=SCREEN_RECALL)
        # The default keeps its screen whatever it passes of the press-dense validation split: it is
        # the model for archives of ordinary news, where the screen rules out about 70% of segments.
        if screen["validation_passed_share"] > SCREEN_MAX_PASSED and name != DEFAULT_MODEL:
            tagger.screen, tagger.screen_cutoff, tagger.cascade = None, None, False
            screen["dropped"] = f"passed {screen['validation_passed_share']:.1%} of validation > {SCREEN_MAX_PASSED:.0%}"
        fp32_val = evaluate(tagger, val, name=f"{name} fp32 cascade")
        fp32_f1 = fp32_val.to_dict()["segment"]["macro"]["f1"]
        quant = copy.deepcopy(tagger)
        quant.set_precision("int8")
        int8_val = evaluate(quant, val, name=f"{name} int8 cascade")
        drop = fp32_f1 - int8_val.to_dict()["segment"]["macro"]["f1"]
        choice = {"screen": screen, "int8_drop_validation": round(drop, 4),
                  "full_fp32_validation_macro_f1": round(full_val.to_dict()["segment"]["macro"]["f1"], 4)}
        reports = [full_val, fp32_val, int8_val]
        if onnx_available():
            # ONNX Runtime in float32 (the same numbers, faster), then its int8 under the same rule.
            tagger.set_runtime("onnx")
            moved = evaluate(tagger, val, name=f"{name} onnx fp32")
            keep_int8, choice["onnx_int8"], moved_int8 = onnx_int8_choice(tagger, val, fp32_f1, name)
            reports += [moved, moved_int8]
            seg = {rt: round(r.to_dict()["segment"]["macro"]["f1"], 4)
                   for rt, r in (("torch fp32", fp32_val), ("onnx fp32", moved), ("onnx int8", moved_int8))}
            if keep_int8:
                pass  # keep ONNX Runtime int8
            elif fp32_f1 - seg["onnx fp32"] <= INT8_TOLERANCE:
                tagger.set_precision("fp32")
            else:
                tagger.set_precision("fp32")
                tagger.set_runtime("torch")
            choice["runtime"] = {"chosen": tagger.runtime, "validation_segment_macro_f1": seg}
        if tagger.runtime == "torch" and drop <= INT8_TOLERANCE:
            tagger = quant
        choice["precision"] = tagger.precision
        choice["max_length"] = length_choice(tagger, val, name)
        print(format_side_by_side(reports))
        print(json.dumps({name: choice}), flush=True)
        tagger.metadata["choices"] = choice
        taggers[name] = tagger

    val_reports = [evaluate(t, val, name=n) for n, t in taggers.items()]
    print("== real validation (choices) ==")
    print(format_side_by_side(val_reports))
    test_reports = [evaluate(t, test, name=n) for n, t in taggers.items()]
    v1_reports = [evaluate(t, v1_test, name=n) for n, t in taggers.items()]
    print("== real test ==")
    print(format_side_by_side(test_reports))
    print("== corpus v1 test ==")
    print(format_side_by_side(v1_reports))
    for i, (name, tagger) in enumerate(taggers.items()):
        others = [r for j, r in enumerate(test_reports) if j != i]
        tagger.metadata["test"] = {"real": test_reports[i].to_dict(), "v1": v1_reports[i].to_dict()}
        tagger.metadata["validation_real"] = val_reports[i].to_dict()
        folder = out / FOLDERS[name]
        if name == "baseline":
            tagger.save_pretrained(folder)
        else:
            tagger.save_pretrained(folder, weights="delta")
        _write_card(folder, name, tagger, [test_reports[i], *others], v1_reports[i])


def _write_card(folder: Path, name: str, tagger, test_reports: list, v1_report) -> None:
    """The model card: real test figures (this model's first, then the others'), corpus v1 test, limits."""
    from pressctx.evaluation import format_side_by_side
    from pressctx.training.modelcard import write_model_card

    if name == "baseline":
        title = "pressctx baseline (TF-IDF + logistic regression)"
    else:
        title = f"pressctx {name} ({tagger.base}, fine-tuned)" + (" — the default model" if name == DEFAULT_MODEL else "")
    extra = "## Corpus v1 test split\n\n```\n" + format_side_by_side([v1_report]) + "```\n\n" + LIMITS + (CASCADE_LIMIT if getattr(tagger, "screen", None) is not None else "") + (RUNTIME_LIMIT.format(precision=RUNTIME_PRECISION[tagger.precision]) if getattr(tagger, "runtime", "torch") == "onnx" else "") + _length_line(tagger)
    write_model_card(folder, tagger, test_reports, title, extra,
                     test_name="the real-derived test split (outlets never seen in training)")


def onnx_int8_choice(tagger, val, fp32_f1: float, name: str, fp32_report: dict | None = None):
    """Switch a float32 tagger in ONNX Runtime to int8 and say whether int8 may be kept.

    Kept when real-validation segment macro F1 drops by at most INT8_TOLERANCE from ``fp32_f1``
    and, for the default (``DEFAULT_MODEL``), the labels of the seed article beside the checkout
    (tests/test_real_article.py pins them) are those float32 gives. The tagger is left in int8.

    Returns:
        ``(keep, info, int8_report)``: ``info`` is what ``config.json`` records under ``choices``.
    """
    from pressctx.evaluation import evaluate

    seeds = _seed_texts(name)
    seed_fp32 = _seed_labels(tagger, seeds)
    tagger.set_precision("int8")
    int8_report = evaluate(tagger, val, name=f"{name} onnx int8")
    int8 = int8_report.to_dict()
    seed_changed = _relabelled(seed_fp32, _seed_labels(tagger, seeds))
    keep = fp32_f1 - int8["segment"]["macro"]["f1"] <= INT8_TOLERANCE and not seed_changed
    info = {"validation_segment_macro_f1": {"fp32": round(fp32_f1, 4), "int8": round(int8["segment"]["macro"]["f1"], 4)},
            "rule": f"drop of at most {INT8_TOLERANCE}; the default's labels on the seed article (../shared/seed) unchanged"}
    if fp32_report is not None:
        info["validation_document_macro_f1"] = {"fp32": round(fp32_report["document"]["macro"]["f1"], 4),
                                                "int8": round(int8["document"]["macro"]["f1"], 4)}
    if seeds:
        info["seed_segments_relabelled"] = seed_changed
    return keep, info, int8_report


def _seed_texts(name: str) -> list[str]:
    """The seed articles whose labels the default (``DEFAULT_MODEL``) must keep; none for other models."""
    return [path.read_text(encoding="utf-8") for path in sorted(SEED_DIR.glob("*.txt"))] if name == DEFAULT_MODEL else []


def _seed_labels(tagger, seeds: list[str]) -> list[list[tuple[str, ...]]]:
    """Each seed article's labels, segment by segment."""
    return [[seg.labels for seg in r.segments] for r in tagger.tag_many(seeds)]


def _relabelled(before: list[list[tuple[str, ...]]], after: list[list[tuple[str, ...]]]) -> int:
    """How many seed segments changed labels."""
    return sum(a != b for x, y in zip(before, after) for a, b in zip(x, y))


def _length_line(tagger) -> str:
    """The model card's line on the input length, when it is shorter than the training length."""
    full = getattr(tagger, "training_max_length", None)
    if full is None or tagger.max_length >= full:
        return ""
    return LENGTH_LIMIT.format(length=tagger.max_length, full=full)


def length_choice(tagger, val, name: str) -> dict:
    """Shorten what ``tagger`` reads at inference (``max_length``) where real validation holds.

    Each of ``LENGTHS`` below the training length (``training_max_length``) is measured on
    the tagger as configured (screen, precision, runtime); a length holds when validation segment
    and document macro F1 are each at most INT8_TOLERANCE below the training length's and, for the
    default (``DEFAULT_MODEL``), the seed article's labels are unchanged. The shortest length that holds is kept (the training
    length when none does); the tagger is left at it.

    Returns:
        What ``config.json`` records under ``choices["max_length"]``.
    """
    from pressctx.evaluation import evaluate

    full = tagger.training_max_length
    seeds = _seed_texts(name)

    def measure(length: int) -> tuple[dict, list]:
        tagger.max_length = length
        report = evaluate(tagger, val, name=f"{name} max_length {length}").to_dict()
        return report, _seed_labels(tagger, seeds)

    base, seed_base = measure(full)
    base_f1, base_doc = base["segment"]["macro"]["f1"], base["document"]["macro"]["f1"]
    tried = {full: {"segment": round(base_f1, 4), "document": round(base_doc, 4)}}
    chosen = full
    for length in (n for n in LENGTHS if n < full):
        report, seed = measure(length)
        relabelled = _relabelled(seed_base, seed)
        tried[length] = {"segment": round(report["segment"]["macro"]["f1"], 4),
                         "document": round(report["document"]["macro"]["f1"], 4), "seed_segments_relabelled": relabelled}
        tried[length]["holds"] = (base_f1 - report["segment"]["macro"]["f1"] <= INT8_TOLERANCE
                                  and base_doc - report["document"]["macro"]["f1"] <= INT8_TOLERANCE
                                  and not relabelled)
        print(json.dumps({name: {"max_length": length, **tried[length]}}), flush=True)
        if tried[length]["holds"]:
            chosen = min(chosen, length)
    tagger.max_length = chosen
    return {"chosen": chosen, "training_length": full, "validation_macro_f1": tried,
            "rule": f"the shortest of {', '.join(map(str, LENGTHS))} whose segment and document macro F1 each drop "
                    f"by at most {INT8_TOLERANCE} and that (for the default) leaves the seed article's labels unchanged"}


def rechoose_phase(out: Path, names: list[str]) -> None:
    """Check the shipped transformers' choices again on the real validation split as it now is.

    For each shipped transformer folder: the screen's cut-off is set again only if it now keeps
    under 99% of the segments the full transformer labels; then ONNX Runtime int8 is kept if
    validation segment macro F1 drops by at most INT8_TOLERANCE from float32 (the finalize rule);
    last, the input length read at inference is chosen again (``length_choice``). Only
    ``config.json`` (precision, cut-off, max_length, ``choices``) and the model card's runtime line
    change; the weights are not touched. Nothing is read from the test split.
    """
    import pressctx
    from pressctx.evaluation import evaluate
    from pressctx.training.cascade import choose_cutoff, screen_and_flags

    val = pressctx.load_corpus("real")["validation"]
    for name in names:
        folder = out / FOLDERS.get(name, name)
        if name == "baseline" or not (folder / "config.json").is_file():
            continue
        tagger = pressctx.load(folder, precision="fp32")
        # The screen and precision are checked against the model read at its training length.
        tagger.max_length = tagger.training_max_length
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        choices = config.setdefault("choices", {})
        stamp = f"{time.strftime('%Y-%m-%d')}, real validation {len(val)} segments"
        if tagger.screen is not None:
            scores, flagged = screen_and_flags(tagger, tagger.screen, val)
            kept = float((scores[flagged] >= tagger.screen_cutoff).mean())
            check = {"checked": stamp, "cutoff": tagger.screen_cutoff, "validation_flagged_kept": round(kept, 4),
                     "validation_passed_share": round(float((scores >= tagger.screen_cutoff).mean()), 4)}
            if kept < SCREEN_RECALL:
                cutoff = choose_cutoff(scores, flagged, SCREEN_RECALL)
                check.update({"reset_to": cutoff, "passed_share_after": round(float((scores >= cutoff).mean()), 4)})
                tagger.screen_cutoff = config["screen"]["cutoff"] = cutoff
            choices.setdefault("screen_rechecks", []).append(check)
            print(json.dumps({name: {"screen": check}}), flush=True)
        fp32 = evaluate(tagger, val, name=f"{name} fp32").to_dict()
        keep, info, _ = onnx_int8_choice(tagger, val, fp32["segment"]["macro"]["f1"], name, fp32)
        keep = keep and tagger.runtime == "onnx"
        config["precision"] = "int8" if keep else "fp32"
        choices["onnx_int8"] = {"checked": stamp, **info, "kept": keep}
        choices["precision"] = config["precision"]
        print(json.dumps({name: choices["onnx_int8"]}), flush=True)
        tagger.set_precision(config["precision"])
        choices["max_length"] = {"checked": stamp, **length_choice(tagger, val, name)}
        config["max_length"] = tagger.max_length
        print(json.dumps({name: choices["max_length"]}), flush=True)
        (folder / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        card = folder / "README.md"
        if card.is_file():
            text = card.read_text(encoding="utf-8")
            for old_line in (RUNTIME_LIMIT.format(precision=RUNTIME_PRECISION["fp32"]),
                             RUNTIME_LIMIT.format(precision=RUNTIME_PRECISION["int8"])):
                text = text.replace(old_line, RUNTIME_LIMIT.format(precision=RUNTIME_PRECISION[config["precision"]]))
            full = tagger.training_max_length
            for n in (*LENGTHS, full):
                text = text.replace(LENGTH_LIMIT.format(length=n, full=full), "")
            runtime_line = RUNTIME_LIMIT.format(precision=RUNTIME_PRECISION[config["precision"]])
            if runtime_line in text:
                text = text.replace(runtime_line, runtime_line + _length_line(tagger))
            card.write_text(text, encoding="utf-8")


def screen_phase(out: Path, raw: Path) -> None:
    """Give the shipped default model a screen when it has none (it was shipped as another model).

    What finalize does for the default: the baseline trained beside it (``--raw``), its thresholds
    tuned on real validation, becomes the screen; its cut-off is the highest at which it passes on
    at least SCREEN_RECALL of the validation segments that the full transformer, read at its
    training length in float32, labels. The precision and input length chosen before stay; the
    default path's validation figures and the seed article's labels with and without the screen
    are printed and recorded under ``choices.screen``. Nothing is read from the test split.
    """
    import pressctx
    from pressctx.evaluation import evaluate
    from pressctx.training.cascade import attach_screen

    folder = out / FOLDERS[DEFAULT_MODEL]
    val = pressctx.load_corpus("real")["validation"]
    shipped = pressctx.load(folder)
    if shipped.screen is not None:
        print(f"{folder} has a screen already (cut-off {shipped.screen_cutoff})")
        return
    baseline = pressctx.load(raw / "baseline")
    retune(baseline, val)
    tagger = pressctx.load(folder, cascade=False, precision="fp32")
    length, tagger.max_length = tagger.max_length, tagger.training_max_length
    info = attach_screen(tagger, baseline, val, recall=SCREEN_RECALL)
    tagger.max_length = length
    tagger.set_precision(shipped.precision)
    seeds = _seed_texts(DEFAULT_MODEL)
    relabelled = _relabelled(_seed_labels(shipped, seeds), _seed_labels(tagger, seeds))
    before = evaluate(shipped, val, name="without screen").to_dict()
    after = evaluate(tagger, val, name="with screen").to_dict()
    info.update({
        "kept_for": "the default model (ordinary news)",
        "validation_macro_f1": {
            "without_screen": [round(before["segment"]["macro"]["f1"], 4), round(before["document"]["macro"]["f1"], 4)],
            "with_screen": [round(after["segment"]["macro"]["f1"], 4), round(after["document"]["macro"]["f1"], 4)]},
        "seed_segments_relabelled": relabelled,
    })
    print(json.dumps({DEFAULT_MODEL: {"screen": info}}), flush=True)
    if relabelled:
        raise SystemExit(f"the screen changes {relabelled} labels of the seed article; not written")
    tagger.metadata.setdefault("choices", {})["screen"] = info
    # The choice is fixed; the test split is read now, for the model card and config.json only.
    real_test, v1_test = pressctx.load_corpus("real")["test"], pressctx.load_corpus()["test"]
    others = [n for n in FOLDERS if n != DEFAULT_MODEL and (out / FOLDERS[n] / "config.json").is_file()]
    test_report, v1_report = evaluate(tagger, real_test, name=DEFAULT_MODEL), evaluate(tagger, v1_test, name=DEFAULT_MODEL)
    other_reports = [evaluate(pressctx.load(out / FOLDERS[n]), real_test, name=n) for n in others]
    tagger.metadata["test"] = {"real": test_report.to_dict(), "v1": v1_report.to_dict()}
    tagger.metadata["validation_real"] = after
    tagger.save_pretrained(folder, weights="delta")
    _write_card(folder, DEFAULT_MODEL, tagger, [test_report, *other_reports], v1_report)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "src" / "pressctx" / "_models"))
    parser.add_argument("--models", default="baseline,minilm", help="baseline always; add multilingual for multilingual-e5-small (about 2.5 times minilm's training time)")
    parser.add_argument("--phase", default="all", choices=("all", "train", "finalize", "rechoose", "screen"),
                        help="train (save unfinished models under --raw), finalize (tune on real validation, "
                             "measure, write --output), or both; rechoose: check the screen cut-off and "
                             "ONNX int8 of the models already in --output on real validation as it now is; "
                             "screen: give the default model in --output a screen (the baseline in --raw) "
                             "when it has none")
    parser.add_argument("--raw", default=str(ROOT / "runs" / "raw-models"), help="where the train phase saves models")
    parser.add_argument("--layers", type=int, default=None,
                        help="train phase only: keep the base's first N layers and save as <name>-L<N> (depth comparison)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="train phase only: override a training setting (JSON value), e.g. --set epochs=3")
    parser.add_argument("--suffix", default="", help="train phase only: added to the saved transformers' folder names")
    parser.add_argument("--max-steps", type=int, default=None, help="stop each transformer early (a quick check of the script)")
    args = parser.parse_args()
    names = ["baseline", *[n for n in args.models.split(",") if n != "baseline"]]
    t0 = time.perf_counter()
    if args.phase in ("all", "train"):
        extra = {k: json.loads(v) for k, v in (item.split("=", 1) for item in args.set)}
        train_phase(names, Path(args.raw), args.max_steps, args.layers, extra, args.suffix)
    if args.phase in ("all", "finalize"):
        finalize_phase(names, Path(args.raw), Path(args.output))
    if args.phase == "rechoose":
        rechoose_phase(Path(args.output), names)
    if args.phase == "screen":
        screen_phase(Path(args.output), Path(args.raw))
    print(json.dumps({"total_seconds": round(time.perf_counter() - t0, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

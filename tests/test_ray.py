"""Ray Data tagging on a real local Ray instance: the same output as tag_many."""
from __future__ import annotations

import pytest

import pressctx

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


def _records(corpus_docs):
    rows = [{"id": i, "text": d["text"]} for i, d in enumerate(corpus_docs)]
    rows += [{"id": len(rows), "text": ""}, {"id": len(rows) + 1, "text": None}]
    return rows


def test_tag_ray_equals_tag_many(local_ray, baseline_tagger):
    docs = pressctx.load_documents()["test"].to_list() + pressctx.load_documents()["validation"].to_list()
    docs = (docs * 4)[:300]
    rows = _records(docs)
    ds = ray.data.from_items(rows)
    out = sorted(pressctx.tag_ray(ds, text_column="text", model=baseline_tagger, concurrency=2).take_all(), key=lambda r: r["id"])
    assert len(out) == len(rows)
    expected = list(baseline_tagger.tag_many([r["text"] for r in rows if isinstance(r["text"], str)]))
    good = [r for r in out if r["text"] is not None]
    assert len(good) == len(expected)
    for row, res in zip(good, expected):
        assert list(row["pressctx_labels"]) == list(res.labels)
        for lab in baseline_tagger.labels:
            assert row[f"pressctx_score_{lab}"] == pytest.approx(res.scores[lab], abs=1e-6)
        assert [(s["start"], s["end"], s["label"]) for s in row["pressctx_spans"]] == [(s.start, s.end, s.label) for s in res.spans]
        assert row["pressctx_error"] is None
    bad = out[-1]
    assert bad["pressctx_error"] and list(bad["pressctx_labels"]) == []


def test_tag_ray_rejects_wrong_input(local_ray):
    with pytest.raises(pressctx.DataError, match="ray.data.Dataset"):
        pressctx.tag_ray([{"text": "x"}])
    with pytest.raises(pressctx.DataError, match="no column 'body'"):
        pressctx.tag_ray(ray.data.from_items([{"text": "x"}]), text_column="body", model="baseline")


def test_cli_engine_ray_matches_local(local_ray, tmp_path):
    import json

    from pressctx.cli import main

    src = tmp_path / "in.jsonl"
    docs = pressctx.load_documents()["test"].to_list()[:20]
    src.write_text("".join(json.dumps({"id": d["doc_id"], "text": d["text"]}) + "\n" for d in docs) + "not json\n")
    assert main(["tag", str(src), "--model", "baseline", "-o", str(tmp_path / "local.jsonl"), "-q"]) == 1
    assert main(["tag", str(src), "--model", "baseline", "--engine", "ray", "-o", str(tmp_path / "ray.jsonl"), "-q"]) == 1
    local = (tmp_path / "local.jsonl").read_text().splitlines()
    remote = (tmp_path / "ray.jsonl").read_text().splitlines()
    assert len(local) == len(docs) + 1
    assert [json.loads(x) for x in remote] == [json.loads(x) for x in local]

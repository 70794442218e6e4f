from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from pressctx.cli import main

DOC = "Oil output rose in March. *Journalism here is done under the law against hatred.\nViews: 41"


@pytest.fixture(scope="module")
def model_dir(baseline_tagger, tmp_path_factory):
    return str(baseline_tagger.save_pretrained(tmp_path_factory.mktemp("m") / "bl"))


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_tag_jsonl_with_broken_lines(model_dir, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "a", "text": DOC}) + "\n"
        + "{not json\n"
        + json.dumps({"id": "c", "body": "no text field"}) + "\n"
        + json.dumps({"id": "d", "text": 12}) + "\n"
        + json.dumps({"id": "e", "text": ""}) + "\n"
        + "[1, 2]\n"
    )
    out = tmp_path / "out.jsonl"
    code = main(["tag", str(src), "--model", model_dir, "-o", str(out), "--quiet"])
    assert code == 1
    recs = read_jsonl(out)
    assert len(recs) == 6
    assert [r["id"] for r in recs] == ["a", f"{src}:2", "c", "d", "e", f"{src}:6"]
    assert [("error" in r) for r in recs] == [False, True, True, True, False, True]
    assert "invalid JSON" in recs[1]["error"] and "'text'" in recs[2]["error"] and "string" in recs[3]["error"]
    assert recs[4]["segments"] == []
    assert recs[0]["segments"][0]["text"] == "Oil output rose in March."
    err = capsys.readouterr().err
    assert "6 records" in err and "4 failed" in err


def test_tag_txt_files_and_stdin(model_dir, tmp_path, capsys, monkeypatch):
    a = tmp_path / "a.txt"
    a.write_text(DOC)
    b = tmp_path / "b.txt"
    b.write_bytes(b"Caf\xe9 news. Another sentence.")
    assert main(["tag", str(a), str(b), "--model", model_dir, "-q"]) == 0
    captured = capsys.readouterr()
    recs = [json.loads(x) for x in captured.out.splitlines()]
    assert [r["id"] for r in recs] == [str(a), str(b)]
    assert "invalid UTF-8" in recs[1]["warning"] and "\ufffd" in recs[1]["segments"][0]["text"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DOC.encode())))
    assert main(["tag", "-", "--model", model_dir, "-q"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_tag_csv_and_parquet_in_parquet_out(model_dir, tmp_path):
    import pyarrow.parquet as pq

    csv = tmp_path / "in.csv"
    csv.write_text(f'doc,body\n1,"{DOC}"\n2,Plain news.\n')
    out = tmp_path / "out.jsonl"
    assert main(["tag", str(csv), "--model", model_dir, "--text-field", "body", "--id-field", "doc", "-o", str(out), "-q"]) == 0
    assert [r["id"] for r in read_jsonl(out)] == ["1", "2"]
    import datasets

    pin = tmp_path / "in.parquet"
    datasets.Dataset.from_list([{"id": i, "text": DOC} for i in range(5)]).to_parquet(str(pin))
    pout = tmp_path / "out.parquet"
    assert main(["tag", str(pin), "--model", model_dir, "-o", str(pout), "-q"]) == 0
    table = pq.read_table(pout).to_pylist()
    assert [r["id"] for r in table] == ["0", "1", "2", "3", "4"]
    assert json.loads(table[0]["segments"])[0]["text"] == "Oil output rose in March."


def test_resume_skips_written_records(model_dir, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps({"id": i, "text": f"Story number {i}."}) for i in range(10)) + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["tag", str(src), "--model", model_dir, "-o", str(out), "-q"]) == 0
    lines = out.read_text().splitlines()
    out.write_text("\n".join(lines[:4]) + "\n" + lines[4][:10])  # torn last line
    assert main(["tag", str(src), "--model", model_dir, "-o", str(out), "--resume", "-q"]) == 0
    assert [r["id"] for r in read_jsonl(out)] == list(range(10))


def test_strip_command(model_dir, tmp_path, capsys):
    src = tmp_path / "a.txt"
    src.write_text(DOC)
    assert main(["strip", str(src), "--model", model_dir, "--labels", "disclaimer", "-q"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert set(rec) >= {"id", "text", "removed", "labels"}
    for span in rec["removed"]:
        assert DOC[span["start"] : span["end"]] == span["text"]
        assert span["text"] not in rec["text"]


def test_python_dash_m_entry_point():
    out = subprocess.run([sys.executable, "-m", "pressctx", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "tag" in out.stdout and "evaluate" in out.stdout and "train" in out.stdout

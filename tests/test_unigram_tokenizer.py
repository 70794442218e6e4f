"""The compact unigram tokenizer gives the ids of the transformers tokenizer it stands in for."""
from __future__ import annotations

import pickle

import pytest

import pressctx
from pressctx.models.transformer import context_string
from pressctx.models.unigram import CompactUnigramTokenizer, compact_tokenizer

pytest.importorskip("sentencepiece")

TRICKY = [
    "", " ", "  two  spaces  ", "tab\there\nnewline", "<s>inside</s> text", "a<mask>b", "<pad><unk>",
    "e\u0301 n\u0303 (combining marks)", "ＡＢＣ ﬁ ① ½", "日本語のテキスト", "😀🤖 emoji ☃☃", "\u0001\u0002 controls",
    "\u200b zero width \u00a0 nbsp", "Ǆ ǅ ǆ ß ẞ İ ı", "¿Dónde está la libertad de prensa?", "Свобода слова — «иноагент».",
    "x" * 600,
]


@pytest.fixture(scope="module")
def folder():
    return pressctx.shipped_model_dir("multilingual")


@pytest.fixture(scope="module")
def reference(folder):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)


@pytest.fixture(scope="module")
def compact(folder):
    tok = compact_tokenizer(folder)
    assert isinstance(tok, CompactUnigramTokenizer)
    return tok


@pytest.fixture(scope="module")
def real_pairs():
    """Segments of real validation articles with the context string the tagger builds."""
    rows = pressctx.load_corpus("real")["validation"]
    docs: dict[str, list[str]] = {}
    for r in rows.select(range(600)):
        docs.setdefault(r["doc_id"], []).append(r["text"])
    return [(d[i], context_string(d, i, "</s>")) for d in docs.values() for i in range(len(d))]


def _ids(tok, texts, pairs, max_length):
    enc = tok(texts, pairs, padding=True, truncation="longest_first", max_length=max_length)
    return enc["input_ids"], enc["attention_mask"]


@pytest.mark.parametrize("max_length", [16, 80, 128])
def test_same_ids_as_transformers_on_pairs_with_truncation(reference, compact, real_pairs, max_length):
    texts = [t for t, _ in real_pairs] + TRICKY
    pairs = [c for _, c in real_pairs] + TRICKY[::-1]
    assert _ids(compact, texts, pairs, max_length) == _ids(reference, texts, pairs, max_length)


def test_same_ids_on_single_texts_and_empty_pairs(reference, compact):
    assert compact(TRICKY)["input_ids"] == reference(TRICKY)["input_ids"]
    assert (compact(TRICKY, truncation=True, max_length=12)["input_ids"]
            == reference(TRICKY, truncation=True, max_length=12)["input_ids"])
    # What predict_proba feeds a context model: each segment with an empty context.
    assert compact(TRICKY, [""] * len(TRICKY))["input_ids"] == reference(TRICKY, [""] * len(TRICKY))["input_ids"]
    assert compact("solo")["input_ids"] == reference("solo")["input_ids"]


def test_tensors_for_the_encoder(reference, compact):
    a = compact(["uno", "dos tres cuatro"], padding=True, return_tensors="pt")
    b = reference(["uno", "dos tres cuatro"], padding=True, return_tensors="pt")
    assert set(a) == {"input_ids", "attention_mask"}
    assert a["input_ids"].equal(b["input_ids"]) and a["attention_mask"].equal(b["attention_mask"])
    assert compact.model_input_names == list(reference.model_input_names)
    assert compact.sep_token == reference.sep_token
    one, ref = compact("uno", return_tensors="pt"), reference("uno", return_tensors="pt")
    assert one["input_ids"].shape == ref["input_ids"].shape and one["input_ids"].equal(ref["input_ids"])


def test_pickles_and_saves(compact, reference, tmp_path):
    copy = pickle.loads(pickle.dumps(compact))
    assert copy(TRICKY)["input_ids"] == compact(TRICKY)["input_ids"]
    compact.save_pretrained(tmp_path)
    from transformers import AutoTokenizer

    saved = AutoTokenizer.from_pretrained(str(tmp_path), local_files_only=True)
    assert saved(TRICKY)["input_ids"] == reference(TRICKY)["input_ids"]


def test_rejects_what_it_does_not_do(compact):
    with pytest.raises(TypeError, match="unsupported"):
        compact(["a"], return_offsets_mapping=True)
    with pytest.raises(ValueError, match="truncation"):
        compact(["a"], truncation="only_second", max_length=4)
    with pytest.raises(ValueError, match="pairs"):
        compact(["a", "b"], ["c"])


def test_only_for_large_unigram_vocabularies(tmp_path):
    # MiniLM's WordPiece vocabulary keeps the transformers tokenizer.
    assert compact_tokenizer(pressctx.shipped_model_dir("transformer")) is None
    assert compact_tokenizer(tmp_path) is None
    (tmp_path / "tokenizer.json").write_text("{not json", encoding="utf-8")
    assert compact_tokenizer(tmp_path) is None


def test_the_multilingual_tagger_uses_it(multilingual_tagger):
    assert isinstance(multilingual_tagger.tokenizer, CompactUnigramTokenizer)

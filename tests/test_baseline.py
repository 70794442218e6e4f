import numpy as np
import pytest
from sklearn.base import clone

from pressctx import BaselineClassifier, NotFittedError
from pressctx.models.baseline import BaselineTagger

X = ["the foreign agents law was used", "rain is expected", "the law against hatred punishes", "football results",
     "reporters were detained", "markets rose"] * 3
Y = np.array([[1], [0], [1], [0], [0], [0]] * 3)


def test_estimator_conventions():
    est = BaselineClassifier(C=2.0)
    assert est.get_params()["C"] == 2.0
    assert clone(est).get_params() == est.get_params()
    assert not hasattr(est, "vectorizer_")
    assert est.fit(X, Y) is est
    assert est.predict_proba(["the hatred law"]).shape == (1, 1)
    assert est.predict(X[:2]).tolist() == [[1], [0]]


def test_not_fitted_and_bad_input():
    with pytest.raises(NotFittedError):
        BaselineClassifier().predict_proba(["x"])
    with pytest.raises(TypeError, match="sequence of str"):
        BaselineClassifier().fit("one string", Y)
    with pytest.raises(ValueError, match="single class"):
        BaselineClassifier().fit(X, np.zeros((len(X), 1)))
    with pytest.raises(ValueError, match="rows"):
        BaselineClassifier().fit(X[:3], Y)


def test_save_load_round_trip_uses_skops_not_pickle(tmp_path, baseline_tagger):
    import pressctx

    path = baseline_tagger.save_pretrained(tmp_path / "bl")
    files = sorted(p.name for p in path.iterdir())
    assert files == ["config.json", "model.skops"]
    assert not any(p.suffix in (".pkl", ".pickle", ".joblib") for p in path.iterdir())
    loaded = pressctx.load(path)
    assert isinstance(loaded, BaselineTagger)
    texts = ["The foreign agents law was used against the outlet.", "Rain is expected on Sunday."]
    np.testing.assert_allclose(loaded.predict_proba(texts), baseline_tagger.predict_proba(texts))
    assert loaded.thresholds == baseline_tagger.thresholds


def test_load_refuses_untrusted_types(tmp_path, baseline_tagger):
    import skops.io as sio

    import pressctx
    from pressctx.errors import ModelLoadError

    path = baseline_tagger.save_pretrained(tmp_path / "bl")
    import os

    sio.dump({"payload": os.system}, path / "model.skops")
    with pytest.raises(ModelLoadError, match="does not load"):
        pressctx.load(path)

"""Loading and running the shipped models must not touch the network."""
from __future__ import annotations

import socket

import pytest

import pressctx


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted during an offline test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("name", ["default", "baseline"])
def test_shipped_models_load_and_run_without_network(no_network, name):
    tagger = pressctx.load(name) if name != "default" else pressctx.load()
    result = tagger.tag("The ministry published the tax calendar. Views: 12")
    assert len(result.segments) == 2


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(pressctx.ModelLoadError, match="no model folder"):
        pressctx.load(tmp_path / "nothing-here")
    (tmp_path / "empty").mkdir()
    with pytest.raises(pressctx.ModelLoadError, match="not a pressctx model"):
        pressctx.load(tmp_path / "empty")
    with pytest.raises(TypeError):
        pressctx.load(3)


def test_missing_multilingual_model_files_say_how_to_get_one(monkeypatch, tmp_path):
    import pressctx

    monkeypatch.setattr(pressctx, "shipped_model_dir", lambda name: tmp_path / name)
    with pytest.raises(pressctx.ModelLoadError, match="--base multilingual-e5-small"):
        pressctx.load("multilingual")

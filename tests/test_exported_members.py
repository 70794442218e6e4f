import pressctx


def test_all_names_exist():
    for name in pressctx.__all__:
        assert hasattr(pressctx, name), name


def test_api_contract_names():
    for name in ("LABELS", "load", "load_corpus", "find_laws", "laws", "evaluate", "tag_dataset"):
        assert name in pressctx.__all__
    assert pressctx.LABELS == ("disclaimer", "censorship_law", "hostile_environment")


def test_import_is_light():
    import subprocess
    import sys

    code = "import sys, pressctx; print(any(m in sys.modules for m in ('torch', 'transformers', 'datasets', 'sklearn')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"

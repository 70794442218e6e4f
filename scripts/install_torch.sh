#!/usr/bin/env bash
# Install torch into the current Python environment, the CPU build on CPU machines.
# An unpinned `pip install torch` on Linux pulls a multi-GB CUDA build; we avoid that.
set -euo pipefail
PY=${PYTHON:-python}
V=${TORCH_VERSION:-2.13.0}
if "$PY" -c "import torch" >/dev/null 2>&1; then
  echo "torch $("$PY" -c 'import torch; print(torch.__version__)') already installed"
  exit 0
fi
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then
  exec "$PY" -m pip install "torch==$V"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A local wheel folder (pip's find-links) may already hold the CPU build: use it.
if "$PY" -m pip download --quiet --no-deps --no-index --dest "$tmp" "torch==$V" >/dev/null 2>&1 \
   && ls "$tmp"/torch-*cpu* >/dev/null 2>&1; then
  exec "$PY" -m pip install "torch==$V"
fi
# Otherwise PyTorch's CPU index (other packages still come from PyPI).
exec "$PY" -m pip install --index-url https://download.pytorch.org/whl/cpu --extra-index-url https://pypi.org/simple "torch==$V"

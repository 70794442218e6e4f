"""Time a full retrain of the shipped models (transformer + baseline) on the shipped corpus.

Runs scripts/train_shipped.py into a temporary folder (the shipped models are left alone) and prints
the wall time, the machine's cores and torch's threads. The target is under 20 minutes
on 2 CPU cores.

Usage: python benchmarks/retrain.py
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    import torch

    print(f"cores: {os.cpu_count()}  torch threads: {torch.get_num_threads()}  torch {torch.__version__}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "scripts" / "train_shipped.py"), "--output", tmp], check=True)
        elapsed = time.perf_counter() - start
    print(f"retrain wall time: {elapsed / 60:.1f} min ({elapsed:.0f} s); target < 20 min")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Creates .venv-torch with PyTorch (CPU), numpy and safetensors, for benchmarks, fixture generation
# and the PyTorch interop check only.
# Idempotent; the tests never need it. Uses a local torch wheel when the machine image has one.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-torch
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import torch, numpy, safetensors" 2>/dev/null; then
    exit 0
fi
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import torch, numpy" 2>/dev/null; then
    "$venv/bin/pip" install -q safetensors  # an environment made before the interop check
    exit 0
fi
python3 -m venv "$venv"
wheel=$(ls /opt/wheels/torch-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$wheel" ]; then
    wheel=$(find / -name 'torch-*.whl' -not -path '*/proc/*' 2>/dev/null | head -n 1 || true)
fi
if [ -n "$wheel" ]; then
    echo "setup-torch-venv: installing $wheel"
    "$venv/bin/pip" install -q "$wheel" numpy safetensors
else
    echo "setup-torch-venv: installing torch (CPU) from PyPI"
    "$venv/bin/pip" install -q torch numpy --index-url https://download.pytorch.org/whl/cpu || "$venv/bin/pip" install -q torch numpy
    "$venv/bin/pip" install -q safetensors
fi
"$venv/bin/python" -c "import torch; print('setup-torch-venv: torch', torch.__version__)"

#!/usr/bin/env bash
# Creates .venv-faiss with faiss-cpu and numpy from PyPI, for `make bench-search` only.
# Idempotent: does nothing when the venv already imports both. The tests never need it.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-faiss
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import faiss, numpy" 2>/dev/null; then
    exit 0
fi
python3 -m venv "$venv"
echo "setup-faiss: installing faiss-cpu and numpy from PyPI"
"$venv/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
"$venv/bin/pip" install -q faiss-cpu numpy
"$venv/bin/python" -c "import faiss; print('setup-faiss: faiss', faiss.__version__)"

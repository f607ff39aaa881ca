#!/usr/bin/env bash
# Kills `hashing train` half-way (SIGKILL, no chance to clean up), resumes it, and checks that it
# ends with the same codes as an uninterrupted run with the same seed.
# Usage: Scripts/check-resume.sh [METHOD] [EPOCHS]
set -euo pipefail
cd "$(dirname "$0")/.."
method="${1:-ssdh}"
epochs="${2:-6}"
binary="${HASHING_BINARY:-.build/release/hashing}"
[ -x "$binary" ] || swift build -c release --product hashing
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
options=(--method "$method" --bits 16 --dataset embedded-digits --epochs "$epochs" --query-per-class 30 --validation-per-class 20
         --training-per-class 200 --batch-size 50 --seed 7 --progress lines --top-k 100)

echo "check-resume: uninterrupted run"
"$binary" train "${options[@]}" --output "$work/straight" > "$work/straight.log"

echo "check-resume: run to be killed"
"$binary" train "${options[@]}" --output "$work/killed" > "$work/killed.log" &
pid=$!
# Wait until at least two epochs are checkpointed, then kill without warning.
for _ in $(seq 1 600); do
    if grep -q "^epoch 2/" "$work/killed.log" 2>/dev/null; then break; fi
    sleep 0.1
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
completed=$(grep -c "^epoch " "$work/killed.log" || true)
echo "check-resume: killed after $completed of $epochs epochs"
[ "$completed" -lt "$epochs" ] || { echo "check-resume: the run finished before it was killed; use more epochs" >&2; exit 1; }

echo "check-resume: resuming"
"$binary" train "${options[@]}" --output "$work/killed" --resume > "$work/resumed.log"
grep -q "resuming after epoch" "$work/resumed.log" || { echo "check-resume: the run did not resume" >&2; exit 1; }
if cmp -s <(python3 -c "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print([(n, z.read(n).hex()) for n in sorted(z.namelist())])" "$work/straight/codes.npz") \
          <(python3 -c "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print([(n, z.read(n).hex()) for n in sorted(z.namelist())])" "$work/killed/codes.npz"); then
    echo "check-resume: identical codes after kill -9 and --resume ($method)"
else
    echo "check-resume: codes differ after resuming ($method)" >&2
    exit 1
fi

#!/usr/bin/env bash
# Runs the Intersectant-GAN grids of Examples/IntersectantGAN and copies their tables, run lists and
# one picture per pair into results/IntersectantGAN. Resumable: finished cells are skipped. The seed-1
# full-model cell of each ablation grid is the same run as in the pair's main grid and is copied
# over instead of being trained twice.
set -euo pipefail
cd "$(dirname "$0")/.."
hashing=.build/release/hashing
examples=Examples/IntersectantGAN
results=results/IntersectantGAN
run_grid() { # grid-file output-directory
    "$hashing" experiment "$examples/$1.json" --output "$2" --threads "${THREADS:-2}"
    mkdir -p "$results"
    grep -v "^!\[" "$2/results.md" > "$results/$1-results.md"
    python3 Scripts/list_experiment_runs.py "$2" "$examples/$1.json" "$results/$1-runs.md"
}
run_grid tuning runs/igan-tuning
for pair in mnist-to-mfeat mfeat-to-mnist; do
    run_grid "$pair" "runs/igan-$pair"
    full="$pair"_intersectant-gan_lenet_64bits_seed1
    mkdir -p "runs/igan-$pair-ablation/runs"
    [ -d "runs/igan-$pair-ablation/runs/$full" ] || cp -r "runs/igan-$pair/runs/$full" "runs/igan-$pair-ablation/runs/"
    run_grid "$pair-ablation" "runs/igan-$pair-ablation"
done
run_grid mnist-to-mfeat-framed runs/igan-mnist-to-mfeat-framed
run_grid color-mnist runs/igan-color-mnist
mkdir -p "$results/pictures"
for pair in mnist-to-mfeat mfeat-to-mnist; do
    cp "runs/igan-$pair/runs/$pair"_intersectant-gan_lenet_64bits_seed1/pictures/stage-2-adversarial-1.png "$results/pictures/$pair.png"
done
cp runs/igan-color-mnist/runs/mnist-to-color-mnist_intersectant-gan_digits-convnet_64bits_seed1/pictures/stage-2-adversarial-1.png \
    "$results/pictures/mnist-to-color-mnist.png"
python3 Scripts/intersectant_gan_summary.py runs

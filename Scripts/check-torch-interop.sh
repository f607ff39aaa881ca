#!/usr/bin/env bash
# PyTorch reads our models (make check-torch-interop; the project's PyTorch environment, not make
# test): for each case below trains a small run (32 bits, 3 epochs), encodes its query images with
# `hashing encode --write-inputs`, and has
# Scripts/check_torch_interop.py rebuild the network in PyTorch, load best.safetensors with the
# safetensors library, and compare the codes.
#   Scripts/check-torch-interop.sh [hashing binary] [python with torch and safetensors]
set -euo pipefail
cd "$(dirname "$0")/.."
hashing=${1:-.build/release/hashing}
python=${2:-.venv-torch/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
# Every method and every backbone at least once: SSDH, DCWH and IDCWH on LeNet; SSDH and DCWH on
# LeNet with batch norm; SSDH on digits-convnet, DCWH on small-vgg; on the domain pair
# optdigits-to-mfeat SSDH (one batch-norm branch), SemanticHash, DAH on lenet-bn (DSBN: the target
# queries take the target branch) and Intersectant-GAN on lenet and digits-convnet; a composed method
# (sigmoid hash layer, classification and binarization losses, DANN) on lenet-bn on the pair.
for case in ssdh:lenet dcwh:lenet idcwh:lenet ssdh:lenet-bn dcwh:lenet-bn ssdh:lenet-bn:optdigits-to-mfeat ssdh:digits-convnet \
    dcwh:small-vgg semantic-hash:lenet:optdigits-to-mfeat dah:lenet-bn:optdigits-to-mfeat intersectant-gan:lenet:optdigits-to-mfeat \
    intersectant-gan:digits-convnet:optdigits-to-mfeat composed:lenet-bn:optdigits-to-mfeat; do
    IFS=: read -r method backbone dataset <<< "$case"
    dataset=${dataset:-embedded-digits}
    name="$method-$backbone-$dataset"
    sizes=(--query-per-class 50 --training-per-class 250 --validation-per-class 30)
    [ "$dataset" = embedded-digits ] || sizes=()
    chosen=(--method "$method")
    [ "$method" = composed ] && chosen=(--hash-layer sigmoid --loss classification --loss binarization --adapter dann)
    # Intersectant-GAN's generators compare images in [0, 1] with the inputs, which stay unstandardised.
    [ "$method" = intersectant-gan ] && chosen+=(--input-normalization none)
    "$hashing" train "${chosen[@]}" --backbone "$backbone" --dataset "$dataset" --bits 32 --epochs 3 --seed 0 "${sizes[@]}" \
        --progress quiet --output "$work/$name" > "$work/$name.log"
    "$hashing" encode --run "$work/$name" --role query --output "$work/$name-codes.npz" --write-inputs "$work/$name-inputs.npz" > /dev/null
    "$python" Scripts/check_torch_interop.py --run "$work/$name" --codes "$work/$name-codes.npz" --set query \
        --inputs "$work/$name-inputs.npz" || status=1
done
exit "$status"

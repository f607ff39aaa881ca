# Hashing — build, test, demo and benchmarks. Every target installs what it needs first.
SWIFT ?= swift
PYTHON := .venv-torch/bin/python

.PHONY: all deps data data-all test demo lenet-demo check-resume check-bit-identity experiment-compositions experiments experiment-supervised experiment-quick experiment-domain-adaptation experiment-domain-adaptation-protocol experiment-semantic-hash experiment-intersectant-gan bench-train bench-epoch bench-encode bench-memory bench-gan bench-search bench-eval check-faiss-interop check-torch-interop load-test torch-env faiss-env fixtures lint format clean

all: test

deps:
	@Scripts/install-deps.sh

data:
	@Scripts/fetch-mnist.sh

## Every fetchable data set (MNIST, Fashion-MNIST, optdigits, mfeat-pix, the colour-digit photos).
data-all: data
	@Scripts/fetch-fashion-mnist.sh
	@Scripts/fetch-optdigits.sh
	@Scripts/fetch-mfeat.sh
	@Scripts/fetch-photos.sh

## The whole test suite (debug build; no network, no Python).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## The main job: train SSDH on the embedded digits (no download), print mAP@all, P@H≤2 and the report's path.
demo: deps
	$(SWIFT) build -c release --product hashing
	.build/release/hashing demo

## The engine's end-to-end check: LeNet on MNIST, test accuracy.
lenet-demo: deps data
	$(SWIFT) build -c release --product lenet-demo
	.build/release/lenet-demo

## Refactors keep results: the paper methods built from components train to the same codes, bit for
## bit, as the build of BASE (default: the commit before the components) on a fixed short run each.
BASE ?= 4ecdc3c
check-bit-identity: deps
	$(SWIFT) build -c release --product hashing
	Scripts/check-bit-identity.sh $(BASE) .build/release/hashing 2

## Seven compositions of registered parts that no paper defines, each beside its source-only run, on
## the embedded domain pairs (3 seeds, 32 bits; ≈ 40 min on 2 cores); refreshes results/Compositions.
experiment-compositions: deps
	$(SWIFT) build -c release --product hashing
	.build/release/hashing experiment Examples/Compositions/experiment.json --output runs/compositions
	mkdir -p results/Compositions/plots
	cp runs/compositions/results.md results/Compositions/results.md
	cp runs/compositions/plots/*.svg results/Compositions/plots/
	python3 Scripts/list_experiment_runs.py runs/compositions Examples/Compositions/experiment.json results/Compositions/runs.md
	python3 Scripts/composition_summary.py results/Compositions/summary.md runs/compositions/results.json

## Kill `hashing train` half-way, resume it, and compare its codes with an uninterrupted run.
check-resume: deps
	$(SWIFT) build -c release --product hashing
	Scripts/check-resume.sh ssdh

## The paper grids (hours): each writes runs/<grid>/results.md (the tables), results.json (every cell) and plots/.
## Run again to continue where it stopped; see Examples/*/experiment.json.
experiments: experiment-supervised
	$(MAKE) experiment-domain-adaptation
	$(MAKE) experiment-semantic-hash
	Scripts/update-readme-results.sh

## The supervised grids (SSDH; DCWH and IDCWH) on MNIST and Fashion-MNIST, 3 seeds (≈ 8 hours on
## 2 cores): continues from the finished cells kept in results/<grid>/cells, keeps the new ones
## there, and refreshes the committed results, run lists, plots and the README's tables.
experiment-supervised: deps data
	@Scripts/fetch-fashion-mnist.sh
	$(SWIFT) build -c release --product hashing
	Scripts/run-supervised-grids.sh

## The source-only baselines on the domain pairs (embedded pairs, then MNIST <-> mfeat); refreshes
## the committed results/DomainAdaptation and the README's tables.
experiment-domain-adaptation: deps data
	$(SWIFT) build -c release --product hashing
	.build/release/hashing experiment Examples/DomainAdaptation/experiment.json --output runs/domain-adaptation
	.build/release/hashing experiment Examples/DomainAdaptation/mnist-pairs.json --output runs/da-mnist
	mkdir -p results/DomainAdaptation/plots
	cp runs/domain-adaptation/results.md results/DomainAdaptation/results.md
	cp runs/da-mnist/results.md results/DomainAdaptation/mnist-pairs-results.md
	cp runs/domain-adaptation/plots/*.svg runs/da-mnist/plots/*.svg results/DomainAdaptation/plots/
	Scripts/update-readme-results.sh

## Issue 30's protocol (docs/domain-adaptation.md): every grid of the five-pair table, continued from
## the saved cells, and results/DomainAdaptation/summary.md. Days of CPU; GRIDS="..." runs some.
experiment-domain-adaptation-protocol: deps data
	$(SWIFT) build -c release --product hashing
	Scripts/run-domain-adaptation-protocol.sh $(GRIDS)

## SemanticHash and DAH against their source-only baseline on the MNIST-source pairs (≈ 1 h on
## 2 cores); refreshes the committed results/SemanticHash and the README's tables.
experiment-semantic-hash: deps data
	$(SWIFT) build -c release --product hashing
	.build/release/hashing experiment Examples/SemanticHash/mnist-source.json --output runs/sh-mnist
	mkdir -p results/SemanticHash/plots
	cp runs/sh-mnist/results.md results/SemanticHash/mnist-source-results.md
	python3 Scripts/list_experiment_runs.py runs/sh-mnist Examples/SemanticHash/mnist-source.json results/SemanticHash/mnist-source-runs.md
	.build/release/hashing experiment Examples/SemanticHash/free-embeddings.json --output runs/sh-free
	grep -v "^!\[" runs/sh-free/results.md > results/SemanticHash/free-embeddings-results.md
	python3 Scripts/list_experiment_runs.py runs/sh-free Examples/SemanticHash/free-embeddings.json results/SemanticHash/free-embeddings-runs.md
	cp runs/sh-mnist/plots/*.svg results/SemanticHash/plots/
	.build/release/hashing experiment Examples/SemanticHash/mfeat-source.json --output runs/sh-mfeat
	cp runs/sh-mfeat/results.md results/SemanticHash/mfeat-source-results.md
	python3 Scripts/list_experiment_runs.py runs/sh-mfeat Examples/SemanticHash/mfeat-source.json results/SemanticHash/mfeat-source-runs.md
	cp runs/sh-mfeat/plots/*.svg results/SemanticHash/plots/
	bash Scripts/fetch-photos.sh
	.build/release/hashing experiment Examples/SemanticHash/color-mnist.json --output runs/sh-color
	cp runs/sh-color/results.md results/SemanticHash/color-mnist-results.md
	python3 Scripts/list_experiment_runs.py runs/sh-color Examples/SemanticHash/color-mnist.json results/SemanticHash/color-mnist-runs.md
	cp runs/sh-color/plots/*.svg results/SemanticHash/plots/
	@Scripts/fetch-fashion-mnist.sh
	.build/release/hashing experiment Examples/SemanticHash/single-domain.json --output runs/sh-single
	grep -v "^!\[" runs/sh-single/results.md > results/SemanticHash/single-domain-results.md
	python3 Scripts/list_experiment_runs.py runs/sh-single Examples/SemanticHash/single-domain.json results/SemanticHash/single-domain-runs.md
	.build/release/hashing experiment Examples/SemanticHash/fashion-mnist.json --output runs/sh-fashion
	grep -v "^!\[" runs/sh-fashion/results.md > results/SemanticHash/fashion-mnist-results.md
	python3 Scripts/list_experiment_runs.py runs/sh-fashion Examples/SemanticHash/fashion-mnist.json results/SemanticHash/fashion-mnist-runs.md
	Scripts/update-readme-results.sh

## Intersectant-GAN (≈ 2–3 h on 2 cores): the β / adversarial-weight choice on source validation, the
## full model and source-only on the three pairs (3 seeds), the ablation on two pairs (seed 1);
## refreshes the committed results/IntersectantGAN, run lists and pictures.
experiment-intersectant-gan: deps data
	@Scripts/fetch-mfeat.sh
	@Scripts/fetch-photos.sh
	$(SWIFT) build -c release --product hashing
	Scripts/run-intersectant-gan-grids.sh
	Scripts/update-readme-results.sh

## A small grid on the embedded digits (minutes, no download); refreshes the committed results/Quick/results.md and plots.
experiment-quick: deps
	$(SWIFT) build -c release --product hashing
	.build/release/hashing experiment Examples/Quick/experiment.json --output runs/quick
	cp runs/quick/results.md results/Quick/results.md
	mkdir -p results/Quick/plots && cp runs/quick/plots/*.svg results/Quick/plots/
	Scripts/update-readme-results.sh

## LeNet training throughput against PyTorch CPU (1 and 2 threads), same run.
bench-train: deps torch-env
	$(SWIFT) build -c release --product bench-train
	.build/release/bench-train --threads 1,2 --python $(PYTHON)

## One whole SSDH epoch on MNIST (48 bits, batch 128) through the real Trainer and data path, validation
## included, against the same epoch in PyTorch CPU (Benchmarks/pytorch/ssdh_epoch.py), same run, 1 and 2
## threads, with where our epoch's time goes.
bench-epoch: deps data torch-env
	$(SWIFT) build -c release --product bench-epoch
	.build/release/bench-epoch --threads 1,2 --python $(PYTHON)

## Images to packed codes: every MNIST image (65,000) through SSDH's network (48 bits) in evaluation mode,
## binarised and packed, against PyTorch inference of the same network (Benchmarks/pytorch/ssdh_encode.py).
bench-encode: deps data torch-env
	$(SWIFT) build -c release --product bench-encode
	.build/release/bench-encode --threads 1,2 --python $(PYTHON)

## Peak memory (max RSS) of `hashing train` (SSDH 48 bits on MNIST, 2 epochs and the final evaluation).
bench-memory: deps data
	$(SWIFT) build -c release --product hashing
	Benchmarks/memory/bench-memory.sh .build/release/hashing

## One full Intersectant-GAN training step (five networks, batch 100 + 100, 64 bits) against the same
## step in PyTorch CPU (Benchmarks/pytorch/igan_step.py), same run, 1 and 2 threads.
bench-gan: deps torch-env
	$(SWIFT) build -c release --product bench-gan
	.build/release/bench-gan --threads 1,2 --python $(PYTHON)

## Exact Hamming search, same run and same codes: our flat scan vs FAISS IndexBinaryFlat (1M codes, 1,000
## queries, k = 100, one thread, 256 and 64 bits), and multi-index hashing vs our flat scan (radius 2, clustered codes);
## on an AVX-512 machine, the k-NN again with our AVX2 kernel against FAISS at its AVX2 level.
bench-search: deps faiss-env
	$(SWIFT) build -c release --product bench-search
	.build/release/bench-search --python .venv-faiss/bin/python
	@# On a CPU with more than AVX2, measure the AVX2 path too (FAISS then runs at its AVX2 level).
	@if grep -q avx512_vpopcntdq /proc/cpuinfo 2>/dev/null; then \
		.build/release/bench-search --python .venv-faiss/bin/python --kernel avx2 --mih-bits ""; fi

faiss-env:
	@Scripts/setup-faiss.sh

## PyTorch reads our models: trains SSDH, DCWH and IDCWH on LeNet, rebuilds each network in PyTorch, loads
## best.safetensors with the safetensors library and compares the codes (not part of make test).
check-torch-interop: deps torch-env
	$(SWIFT) build -c release --product hashing
	Scripts/check-torch-interop.sh .build/release/hashing $(PYTHON)

## hashing serve under load: wrk at 1, 8 and 64 connections (q/s, p50/p99), then a burst of malformed requests.
load-test: deps
	$(SWIFT) build -c release --product hashing
	Scripts/load-test.sh .build/release/hashing

## FAISS reads `hashing export`: a trained run's codes as a FAISS binary index and packed .npy, searched by
## FAISS and compared with `hashing search` (needs PyPI for faiss-cpu; not part of make test).
check-faiss-interop: deps faiss-env
	$(SWIFT) build -c release --product hashing
	Scripts/check-faiss-interop.sh .build/release/hashing .venv-faiss/bin/python

## Retrieval evaluation speed at MNIST size (10,000 × 55,000 codes, 48 bits).
bench-eval: deps
	$(SWIFT) build -c release --product bench-eval
	.build/release/bench-eval

torch-env:
	@Scripts/setup-torch-venv.sh

## Regenerates the committed PyTorch golden values under Tests/Fixtures/torch.
fixtures: torch-env
	$(PYTHON) Scripts/make_torch_fixtures.py
	$(PYTHON) Scripts/make_domain_fixtures.py
	$(PYTHON) Scripts/make_prototype_fixtures.py
	$(PYTHON) Scripts/make_gan_fixtures.py

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Core Backbones Methods Datasets Evaluation Workflows Examples Benchmarks Tests

format:
	$(SWIFT) format --in-place --recursive Package.swift Core Backbones Methods Datasets Evaluation Workflows Examples Benchmarks Tests

clean:
	rm -rf .build

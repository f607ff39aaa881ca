# Hashing — build, test, demo and benchmarks. Every target installs what it needs first.
SWIFT ?= swift
PYTHON := .venv-torch/bin/python

.PHONY: all deps data test demo bench-train torch-env fixtures lint format clean

all: test

deps:
	@Scripts/install-deps.sh

data:
	@Scripts/fetch-mnist.sh

## The whole test suite (debug build; no network, no Python).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## The main job: train LeNet on MNIST and print its test accuracy.
demo: deps data
	$(SWIFT) build -c release --product lenet-demo
	.build/release/lenet-demo

## LeNet training throughput against PyTorch CPU (1 and 2 threads), same run.
bench-train: deps torch-env
	$(SWIFT) build -c release --product bench-train
	.build/release/bench-train --threads 1,2 --python $(PYTHON)

torch-env:
	@Scripts/setup-torch-venv.sh

## Regenerates the committed PyTorch golden values under Tests/Fixtures/torch.
fixtures: torch-env
	$(PYTHON) Scripts/make_torch_fixtures.py

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Core Backbones Datasets Examples Benchmarks Tests

format:
	$(SWIFT) format --in-place --recursive Package.swift Core Backbones Datasets Examples Benchmarks Tests

clean:
	rm -rf .build

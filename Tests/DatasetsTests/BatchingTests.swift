import Foundation
import Testing

@testable import Datasets

/// A data set of `count` images of shape `[channels, 2, 3]` whose pixels encode the image index
/// (pixel value = index mod 256), labels `index % classCount`.
private func indexedDataset(count: Int, channels: Int = 1, classCount: Int = 3) throws -> DigitsDataset {
    let size = channels * 6
    return try DigitsDataset(
        name: "indexed", images: (0..<count).flatMap { [UInt8](repeating: UInt8($0 % 256), count: size) },
        imageShape: [channels, 2, 3], labels: (0..<count).map { $0 % classCount }, classCount: classCount)
}

@Suite("Batching")
struct BatchingTests {
    @Test("batches have shape [B, C, H, W], values scaled to [0, 1], and matching labels")
    func shapesAndScaling() throws {
        let dataset = try indexedDataset(count: 10)
        let loader = try BatchLoader(dataset: dataset, batchSize: 4, seed: 1, shuffles: false)
        let batches = Array(loader.batches(epoch: 0))
        #expect(batches.count == 3)
        #expect(batches.map(\.count) == [4, 4, 2])
        #expect(batches[0].images.shape == [4, 1, 2, 3])
        #expect(batches[2].images.shape == [2, 1, 2, 3])
        #expect(batches[0].indices == [0, 1, 2, 3])
        #expect(batches[1].labels == [1, 2, 0, 1])
        #expect(batches[1].images.scalars[6] == Float(5) / 255)
        #expect(batches.flatMap(\.indices) == Array(0..<10))
    }

    @Test("an epoch visits every index once, in an order fixed by seed and epoch")
    func epochDeterminism() throws {
        let dataset = try indexedDataset(count: 50)
        let loader = try BatchLoader(dataset: dataset, indices: Array(5..<45), batchSize: 8, seed: 9)
        let epoch3 = loader.order(epoch: 3)
        #expect(epoch3.sorted() == Array(5..<45))
        #expect(epoch3 == loader.order(epoch: 3))
        #expect(epoch3 != loader.order(epoch: 4))
        let sameSeed = try BatchLoader(dataset: dataset, indices: Array(5..<45), batchSize: 8, seed: 9)
        #expect(sameSeed.order(epoch: 3) == epoch3)
        let otherSeed = try BatchLoader(dataset: dataset, indices: Array(5..<45), batchSize: 8, seed: 10)
        #expect(otherSeed.order(epoch: 3) != epoch3)
        #expect(Array(loader.batches(epoch: 3)).flatMap(\.indices) == epoch3)
    }

    @Test("resuming mid-epoch gives the same batches, augmentations included")
    func resume() throws {
        let dataset = try indexedDataset(count: 30)
        let loader = try BatchLoader(
            dataset: dataset, batchSize: 7, seed: 4, augmentation: Augmentation(cropPadding: 1, horizontalFlipProbability: 0.5))
        let full = Array(loader.batches(epoch: 2))
        let resumed = Array(loader.batches(epoch: 2, startingAt: 2))
        #expect(resumed.count == full.count - 2)
        for (fromStart, fromMiddle) in zip(full.dropFirst(2), resumed) {
            #expect(fromStart.indices == fromMiddle.indices)
            #expect(fromStart.images.scalars == fromMiddle.images.scalars)
            #expect(fromStart.index == fromMiddle.index)
        }
        let single = loader.batch(epoch: 2, index: 3)
        #expect(single.images.scalars == full[3].images.scalars)
        #expect(single.labels == full[3].labels)
    }

    @Test("dropsLast leaves out the smaller last batch")
    func dropLast() throws {
        let dataset = try indexedDataset(count: 10)
        let loader = try BatchLoader(dataset: dataset, batchSize: 4, seed: 1, dropsLast: true)
        #expect(loader.batchesPerEpoch == 2)
        #expect(Array(loader.batches(epoch: 0)).allSatisfy { $0.count == 4 })
        expectDatasetError("invalidConfiguration", containing: ["no full batch"]) {
            try BatchLoader(dataset: dataset, indices: [1, 2], batchSize: 4, seed: 1, dropsLast: true)
        }
    }

    @Test("bad configurations give clear errors")
    func badConfigurations() throws {
        let dataset = try indexedDataset(count: 10)
        expectDatasetError("invalidConfiguration", containing: ["batch size 0"]) {
            try BatchLoader(dataset: dataset, batchSize: 0, seed: 1)
        }
        expectDatasetError("invalidConfiguration", containing: ["index 10"]) {
            try BatchLoader(dataset: dataset, indices: [10], batchSize: 1, seed: 1)
        }
        expectDatasetError("invalidConfiguration", containing: ["no images"]) {
            try BatchLoader(dataset: dataset, indices: [], batchSize: 1, seed: 1)
        }
        expectDatasetError("invalidConfiguration", containing: ["normalisation of 3 channels"]) {
            try BatchLoader(
                dataset: dataset, batchSize: 2, seed: 1,
                augmentation: Augmentation(normalization: try ChannelNormalization(mean: [0, 0, 0], standardDeviation: [1, 1, 1])))
        }
    }

    @Test("normalisation and channel replication apply to every batch")
    func normalization() throws {
        let dataset = try indexedDataset(count: 4)
        let normalization = try ChannelNormalization(mean: [0.5, 0, 0], standardDeviation: [0.5, 1, 2])
        let loader = try BatchLoader(
            dataset: dataset, batchSize: 4, seed: 1, shuffles: false,
            augmentation: Augmentation(channelCount: 3, normalization: normalization))
        #expect(loader.imageShape == [3, 2, 3])
        let batch = loader.batch(epoch: 0, index: 0)
        #expect(batch.images.shape == [4, 3, 2, 3])
        let value = Float(3) / 255
        #expect(abs(batch.images.scalars[3 * 18] - (value - 0.5) / 0.5) < 1e-6)
        #expect(abs(batch.images.scalars[3 * 18 + 6] - value) < 1e-6)
        #expect(abs(batch.images.scalars[3 * 18 + 12] - value / 2) < 1e-6)
    }

    @Test("paired batches: every step has both domains, the shorter one cycles, target labels hidden")
    func paired() throws {
        let source = try indexedDataset(count: 40)
        let target = try indexedDataset(count: 12)
        let sourceLoader = try BatchLoader(dataset: source, batchSize: 5, seed: 1, dropsLast: true)
        let targetLoader = try BatchLoader(dataset: target, batchSize: 5, seed: 2, dropsLast: true, providesLabels: false)
        let paired = try PairedBatchLoader(source: sourceLoader, target: targetLoader)
        #expect(paired.stepsPerEpoch == 8)
        let steps = Array(paired.steps(epoch: 0))
        #expect(steps.count == 8)
        #expect(steps.allSatisfy { $0.source.count == 5 && $0.target.count == 5 })
        #expect(steps.allSatisfy { $0.target.labels.isEmpty && $0.source.labels.count == 5 })
        // The source sees its whole epoch 0; the target cycles through its epochs 0, 1, 2, 3.
        #expect(Set(steps.flatMap(\.source.indices)).count == 40)
        #expect(steps[0].target.indices == targetLoader.batch(epoch: 0, index: 0).indices)
        #expect(steps[2].target.indices == targetLoader.batch(epoch: 1, index: 0).indices)
        #expect(steps[7].target.indices == targetLoader.batch(epoch: 3, index: 1).indices)
        // Epoch 1 continues the target's cycle: global step 8 is its epoch 4, batch 0.
        #expect(paired.step(epoch: 1, index: 0).target.indices == targetLoader.batch(epoch: 4, index: 0).indices)
        // Resuming reproduces the steps.
        let resumed = Array(paired.steps(epoch: 0, startingAt: 5))
        #expect(resumed.map(\.target.indices) == steps.dropFirst(5).map(\.target.indices))
        #expect(resumed.map(\.source.indices) == steps.dropFirst(5).map(\.source.indices))
    }

    @Test("paired batches from a domain pair use the training sets and reject mismatched shapes")
    func pairedFromDomainPair() throws {
        let pair = try EmbeddedDigits.domainPair(from: .optdigits, imageSize: ImageSize(side: 16), seed: 3)
        let paired = try PairedBatchLoader(pair: pair, batchSize: 64, seed: 5)
        #expect(paired.stepsPerEpoch == max(pair.sourceSplit.train.count, pair.targetSplit.train.count) / 64)
        let step = paired.step(epoch: 0, index: 0)
        #expect(step.source.images.shape == [64, 1, 16, 16])
        #expect(step.target.images.shape == [64, 1, 16, 16])
        #expect(step.target.labels.isEmpty)
        #expect(Set(step.target.indices).isSubset(of: Set(pair.targetSplit.train)))
        #expect(Set(step.target.indices).isDisjoint(with: Set(pair.targetSplit.query)))

        let small = try BatchLoader(dataset: indexedDataset(count: 4), batchSize: 2, seed: 1)
        let large = try BatchLoader(dataset: indexedDataset(count: 4, channels: 3), batchSize: 2, seed: 1)
        expectDatasetError("invalidConfiguration", containing: ["differ in shape"]) {
            try PairedBatchLoader(source: small, target: large)
        }
    }
}

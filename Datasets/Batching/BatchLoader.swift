import TensorCore

/// One batch of images and their labels.
public struct Batch {
    /// The images, scaled to [0, 1] and then transformed by the loader's ``Augmentation``.
    ///
    /// **Shape**: `[B, C, H, W]`.
    public var images: Tensor
    /// The class of each image; empty when the loader hides labels (an unlabelled target domain).
    public var labels: [Int]
    /// The classes of each image of a multi-label data set (``DigitsDataset/labelSets``); `nil`
    /// for single-label data and when the loader hides labels.
    public var labelSets: [[Int]]? = nil
    /// The position of each image in the data set.
    public var indices: [Int]
    /// The epoch this batch belongs to.
    public var epoch: Int
    /// The position of this batch in its epoch.
    public var index: Int

    /// The number of images.
    public var count: Int { indices.count }
}

/// Seeded, shuffled mini-batches of a ``DigitsDataset``, with a deterministic order per epoch.
///
/// The order of epoch `e` is a shuffle of the loader's indices drawn from a stream of the seed
/// for `e` alone, and the random augmentation of batch `b` of epoch `e` from a stream for
/// `(e, b)` alone. So any batch can be rebuilt on its own (``batch(epoch:index:)``), and a run
/// resumed from epoch `e`, batch `b` sees exactly the batches it would have seen:
///
/// ```swift
/// let loader = try BatchLoader(dataset: train, batchSize: 64, seed: 7)
/// for epoch in startEpoch..<epochCount {
///     for batch in loader.batches(epoch: epoch, startingAt: epoch == startEpoch ? startBatch : 0) {
///         train(batch.images, batch.labels)
///     }
/// }
/// ```
///
/// **Shape**: each batch's images `[B, C′, H′, W′]` (the augmentation's output shape) with
/// `B = batchSize`, except a smaller last batch when `dropsLast` is `false`.
public struct BatchLoader: Sendable {
    /// The images and labels batches are cut from.
    public let dataset: DigitsDataset
    /// The positions in ``dataset`` the loader draws from (such as a split's training set).
    public let indices: [Int]
    /// The number of images per batch.
    public let batchSize: Int
    /// The seed of the orders and augmentations.
    public let seed: UInt64
    /// Whether each epoch visits the indices in a seeded random order (otherwise in the given order).
    public let shuffles: Bool
    /// Whether a last batch smaller than ``batchSize`` is left out.
    public let dropsLast: Bool
    /// The transform applied to every batch after scaling to [0, 1].
    public let augmentation: Augmentation
    /// Whether batches carry labels; `false` for an unlabelled domain (``Batch/labels`` is empty).
    public let providesLabels: Bool

    /// Creates a loader.
    ///
    /// - Parameters:
    ///   - dataset: The images and labels.
    ///   - indices: The positions to draw from, such as `split.train`; all images when `nil`.
    ///   - batchSize: The number of images per batch, positive.
    ///   - seed: The seed of the orders and augmentations.
    ///   - shuffles: Whether to shuffle each epoch; `true` by default (use `false` to evaluate).
    ///   - dropsLast: Whether to leave out a smaller last batch; `false` by default.
    ///   - augmentation: The transform of every batch; none by default.
    ///   - providesLabels: Whether batches carry labels; `true` by default.
    /// - Throws: ``DatasetError/invalidConfiguration(source:reason:)`` for a batch size that is not
    ///   positive, no indices, an index out of range, no batch at all (fewer images than one batch
    ///   with `dropsLast`), or an augmentation that cannot apply to the images.
    public init(
        dataset: DigitsDataset, indices: [Int]? = nil, batchSize: Int, seed: UInt64, shuffles: Bool = true,
        dropsLast: Bool = false, augmentation: Augmentation = .identity, providesLabels: Bool = true
    ) throws {
        let indices = indices ?? Array(0..<dataset.count)
        guard batchSize > 0 else {
            throw DatasetError.invalidConfiguration(source: dataset.name, reason: "batch size \(batchSize) is not positive")
        }
        guard !indices.isEmpty else {
            throw DatasetError.invalidConfiguration(source: dataset.name, reason: "no images to batch")
        }
        if let bad = indices.first(where: { !(0..<dataset.count).contains($0) }) {
            throw DatasetError.invalidConfiguration(source: dataset.name, reason: "index \(bad) is outside 0..<\(dataset.count)")
        }
        guard !dropsLast || indices.count >= batchSize else {
            throw DatasetError.invalidConfiguration(
                source: dataset.name,
                reason: "\(indices.count) images make no full batch of \(batchSize), and the last batch is dropped")
        }
        try augmentation.validate(for: dataset.imageShape, source: dataset.name)
        self.dataset = dataset
        self.indices = indices
        self.batchSize = batchSize
        self.seed = seed
        self.shuffles = shuffles
        self.dropsLast = dropsLast
        self.augmentation = augmentation
        self.providesLabels = providesLabels
    }

    /// The number of batches in every epoch.
    public var batchesPerEpoch: Int {
        dropsLast ? indices.count / batchSize : (indices.count + batchSize - 1) / batchSize
    }

    /// The shape of one image of a batch, `[C, H, W]`, after the augmentation.
    public var imageShape: [Int] { augmentation.outputShape(for: dataset.imageShape) }

    /// The order in which epoch `epoch` visits the indices: the same for the same seed and epoch.
    ///
    /// - Precondition: `epoch >= 0`.
    public func order(epoch: Int) -> [Int] {
        precondition(epoch >= 0, "BatchLoader: epoch \(epoch) is negative")
        guard shuffles else { return indices }
        var generator = SeededSampling.generator(seed: seed, .epochOrder, [epoch])
        return SeededSampling.shuffled(indices, using: &generator)
    }

    /// Batch `index` of epoch `epoch`, built on its own (the same as the one the epoch's sequence yields).
    ///
    /// - Precondition: `epoch >= 0` and `index` is in `0..<batchesPerEpoch`.
    public func batch(epoch: Int, index: Int) -> Batch {
        precondition((0..<batchesPerEpoch).contains(index), "BatchLoader: batch \(index) is outside 0..<\(batchesPerEpoch)")
        return makeBatch(order: order(epoch: epoch), epoch: epoch, index: index)
    }

    /// The batches of one epoch, from batch `startIndex` on (to resume a run mid-epoch).
    ///
    /// - Precondition: `epoch >= 0` and `startIndex` is in `0...batchesPerEpoch`.
    public func batches(epoch: Int, startingAt startIndex: Int = 0) -> EpochBatches {
        precondition((0...batchesPerEpoch).contains(startIndex), "BatchLoader: start \(startIndex) is outside 0...\(batchesPerEpoch)")
        return EpochBatches(loader: self, epoch: epoch, order: order(epoch: epoch), startIndex: startIndex)
    }

    /// Builds batch `index` of epoch `epoch` from that epoch's ``order(epoch:)`` (which callers
    /// building several batches of one epoch draw once).
    public func makeBatch(order: [Int], epoch: Int, index: Int) -> Batch {
        let start = index * batchSize
        let members = Array(order[start..<min(start + batchSize, order.count)])
        let elementCount = dataset.imageElementCount
        let images = Tensor(shape: [members.count] + dataset.imageShape) { output in
            dataset.images.withUnsafeBufferPointer { pixels in
                for (row, member) in members.enumerated() {
                    let source = member * elementCount
                    let target = row * elementCount
                    for offset in 0..<elementCount {
                        output[target + offset] = Float(pixels[source + offset]) * (1 / 255)
                    }
                }
            }
        }
        var generator = SeededSampling.generator(seed: seed, .augmentation, [epoch, index])
        return Batch(
            images: augmentation.apply(to: images, generator: &generator),
            labels: providesLabels ? members.map { dataset.labels[$0] } : [],
            labelSets: providesLabels ? dataset.labelSets.map { sets in members.map { sets[$0] } } : nil, indices: members,
            epoch: epoch, index: index)
    }
}

/// The batches of one epoch of a ``BatchLoader``, in order.
public struct EpochBatches: Sequence {
    let loader: BatchLoader
    /// The epoch.
    public let epoch: Int
    let order: [Int]
    let startIndex: Int

    /// The number of batches left from the start index.
    public var underestimatedCount: Int { loader.batchesPerEpoch - startIndex }

    /// An iterator over the batches.
    public func makeIterator() -> BatchIterator {
        BatchIterator(batches: self, next: startIndex)
    }
}

/// An iterator over the batches of one epoch.
public struct BatchIterator: IteratorProtocol {
    let batches: EpochBatches
    var nextIndex: Int

    init(batches: EpochBatches, next: Int) {
        self.batches = batches
        self.nextIndex = next
    }

    /// The next batch, or `nil` at the end of the epoch.
    public mutating func next() -> Batch? {
        guard nextIndex < batches.loader.batchesPerEpoch else { return nil }
        defer { nextIndex += 1 }
        return batches.loader.makeBatch(order: batches.order, epoch: batches.epoch, index: nextIndex)
    }
}

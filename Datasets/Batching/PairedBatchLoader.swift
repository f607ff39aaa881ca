/// A source batch and a target batch for one training step of domain adaptation.
public struct PairedBatch {
    /// The labelled source batch.
    public var source: Batch
    /// The target batch; its labels are empty unless the loader exposes them.
    public var target: Batch
    /// The epoch of the step.
    public var epoch: Int
    /// The position of the step in its epoch.
    public var step: Int
}

/// Per-domain batches for domain adaptation: each step yields one source batch and one target
/// batch.
///
/// An epoch has as many steps as the longer domain has batches; the shorter domain is cycled. Its
/// batches run on through its own epochs: at global step `g = epoch × stepsPerEpoch + step`, a
/// domain with `n` batches per epoch gives batch `g mod n` of its epoch `g / n`. Every step is
/// therefore determined by the seed, the epoch and the step alone, so a run resumes exactly
/// (``step(epoch:index:)``), and the shorter domain still sees every image once per its own epoch.
///
/// Target labels are hidden by default (``Batch/labels`` is empty): an unsupervised method cannot
/// use them by accident.
public struct PairedBatchLoader: Sendable {
    /// The source domain's loader.
    public let source: BatchLoader
    /// The target domain's loader.
    public let target: BatchLoader
    /// A fixed number of steps per epoch (a budget in steps, the same for every pair whatever its
    /// sizes); `nil` for one pass over the larger domain.
    public let fixedStepsPerEpoch: Int?

    /// Pairs two loaders; their image shapes after augmentation must agree.
    ///
    /// - Parameter stepsPerEpoch: a fixed number of steps per epoch (both domains cycled through
    ///   their own epochs), or `nil` for the larger domain's batch count.
    /// - Throws: ``DatasetError/invalidConfiguration(source:reason:)`` when the two loaders give
    ///   images of different shapes or `stepsPerEpoch` is below 1.
    public init(source: BatchLoader, target: BatchLoader, stepsPerEpoch: Int? = nil) throws {
        if let stepsPerEpoch, stepsPerEpoch < 1 {
            throw DatasetError.invalidConfiguration(source: source.dataset.name, reason: "steps per epoch must be at least 1, got \(stepsPerEpoch)")
        }
        fixedStepsPerEpoch = stepsPerEpoch
        guard source.imageShape == target.imageShape else {
            throw DatasetError.invalidConfiguration(
                source: "\(source.dataset.name) and \(target.dataset.name)",
                reason: "source images \(source.imageShape) and target images \(target.imageShape) differ in shape")
        }
        self.source = source
        self.target = target
    }

    /// Loaders over a domain pair's training sets: the labelled source training images and the
    /// target's unlabelled training images, with separate streams of one seed.
    ///
    /// - Parameters:
    ///   - pair: The domains and their splits.
    ///   - batchSize: Images per batch in each domain.
    ///   - seed: The seed of both orders and augmentations.
    ///   - dropsLast: Whether to leave out smaller last batches; `true` by default, so every step
    ///     has full batches in both domains.
    ///   - augmentation: The transform of both domains' batches.
    ///   - exposesTargetLabels: Whether target batches carry labels (for diagnostics only); `false`
    ///     by default.
    /// - Throws: ``DatasetError`` when a training set is empty or smaller than a batch.
    public init(
        pair: DomainPair, batchSize: Int, seed: UInt64, dropsLast: Bool = true, augmentation: Augmentation = .identity,
        exposesTargetLabels: Bool = false
    ) throws {
        try self.init(
            source: BatchLoader(
                dataset: pair.source, indices: pair.sourceSplit.train, batchSize: batchSize,
                seed: SeededSampling.derivedSeed(seed, .pairedSource), dropsLast: dropsLast, augmentation: augmentation),
            target: BatchLoader(
                dataset: pair.target, indices: pair.targetSplit.train, batchSize: batchSize,
                seed: SeededSampling.derivedSeed(seed, .pairedTarget), dropsLast: dropsLast, augmentation: augmentation,
                providesLabels: exposesTargetLabels))
    }

    /// The number of steps in an epoch: the fixed number, or the larger of the two domains' batch counts.
    public var stepsPerEpoch: Int { fixedStepsPerEpoch ?? max(source.batchesPerEpoch, target.batchesPerEpoch) }

    /// Step `index` of epoch `epoch`, built on its own.
    ///
    /// - Precondition: `epoch >= 0` and `index` is in `0..<stepsPerEpoch`.
    public func step(epoch: Int, index: Int) -> PairedBatch {
        precondition(epoch >= 0, "PairedBatchLoader: epoch \(epoch) is negative")
        precondition((0..<stepsPerEpoch).contains(index), "PairedBatchLoader: step \(index) is outside 0..<\(stepsPerEpoch)")
        var sourceOrder: OrderCache? = nil
        var targetOrder: OrderCache? = nil
        return step(epoch: epoch, index: index, sourceOrder: &sourceOrder, targetOrder: &targetOrder)
    }

    /// One domain's order for one of its epochs, kept between steps so that an epoch's shuffle is
    /// drawn once, not once per step.
    struct OrderCache {
        var epoch: Int
        var order: [Int]
    }

    /// Step `index` of epoch `epoch`, reusing the domains' cached orders when their epochs match.
    func step(epoch: Int, index: Int, sourceOrder: inout OrderCache?, targetOrder: inout OrderCache?) -> PairedBatch {
        let global = epoch * stepsPerEpoch + index
        func batch(of loader: BatchLoader, cache: inout OrderCache?) -> Batch {
            let count = loader.batchesPerEpoch
            let domainEpoch = global / count
            if cache?.epoch != domainEpoch {
                cache = OrderCache(epoch: domainEpoch, order: loader.order(epoch: domainEpoch))
            }
            return loader.makeBatch(order: cache!.order, epoch: domainEpoch, index: global % count)
        }
        return PairedBatch(
            source: batch(of: source, cache: &sourceOrder), target: batch(of: target, cache: &targetOrder), epoch: epoch,
            step: index)
    }

    /// The steps of one epoch, from step `startIndex` on.
    ///
    /// - Precondition: `epoch >= 0` and `startIndex` is in `0...stepsPerEpoch`.
    public func steps(epoch: Int, startingAt startIndex: Int = 0) -> PairedEpochBatches {
        precondition((0...stepsPerEpoch).contains(startIndex), "PairedBatchLoader: start \(startIndex) is outside 0...\(stepsPerEpoch)")
        return PairedEpochBatches(loader: self, epoch: epoch, startIndex: startIndex)
    }
}

/// The steps of one epoch of a ``PairedBatchLoader``.
public struct PairedEpochBatches: Sequence {
    let loader: PairedBatchLoader
    /// The epoch.
    public let epoch: Int
    let startIndex: Int

    /// The number of steps left from the start index.
    public var underestimatedCount: Int { loader.stepsPerEpoch - startIndex }

    /// An iterator over the steps.
    public func makeIterator() -> PairedBatchIterator {
        PairedBatchIterator(batches: self, nextIndex: startIndex)
    }
}

/// An iterator over the steps of one epoch of a ``PairedBatchLoader``.
public struct PairedBatchIterator: IteratorProtocol {
    let batches: PairedEpochBatches
    var nextIndex: Int
    var sourceOrder: PairedBatchLoader.OrderCache? = nil
    var targetOrder: PairedBatchLoader.OrderCache? = nil

    /// The next step, or `nil` at the end of the epoch.
    public mutating func next() -> PairedBatch? {
        guard nextIndex < batches.loader.stepsPerEpoch else { return nil }
        defer { nextIndex += 1 }
        return batches.loader.step(
            epoch: batches.epoch, index: nextIndex, sourceOrder: &sourceOrder, targetOrder: &targetOrder)
    }
}

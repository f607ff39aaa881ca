import Datasets
import HashingCore
import TensorCore

/// Images of a data set at given positions, converted as a ``BatchLoader`` does (scaled to
/// [0, 1], then the augmentation's deterministic steps).
public struct DatasetImageSource: ImageSource {
    public let dataset: DigitsDataset
    public let indices: [Int]
    public let augmentation: Augmentation
    public let providesLabels: Bool

    public init(dataset: DigitsDataset, indices: [Int], augmentation: Augmentation, providesLabels: Bool = true) {
        self.dataset = dataset
        self.indices = indices
        self.augmentation = augmentation.withoutRandomSteps
        self.providesLabels = providesLabels
    }

    public var count: Int { indices.count }
    public var labels: [Int]? { providesLabels ? indices.map { dataset.labels[$0] } : nil }
    public var labelSets: [[Int]]? { providesLabels ? dataset.labelSets.map { sets in indices.map { sets[$0] } } : nil }

    public func images(_ range: Range<Int>) -> Tensor {
        // The indices are valid by construction, so building a loader cannot fail.
        let loader = try! BatchLoader(
            dataset: dataset, indices: Array(indices[range]), batchSize: max(range.count, 1), seed: 0, shuffles: false,
            augmentation: augmentation)
        return loader.batch(epoch: 0, index: 0).images
    }
}

/// The trainer's batches from a ``BatchLoader`` (one domain), or a ``PairedBatchLoader``
/// (source and target, for domain adaptation). Target batches never carry labels.
public struct LoaderBatches: TrainingBatches {
    public let source: BatchLoader
    public let target: BatchLoader?
    let pair: PairedBatchLoader?
    /// A fixed number of steps per epoch, or `nil` for one pass over the (larger) domain.
    public let fixedStepsPerEpoch: Int?

    /// - Parameter stepsPerEpoch: a fixed number of steps per epoch: the domains' batches are
    ///   cycled through their own epochs (as a pair's shorter domain always is), so every run of a
    ///   table gets the same number of steps whatever the data sets' sizes. `nil`: one pass.
    /// - Throws: when the two domains' images differ in shape, or `stepsPerEpoch` is below 1.
    public init(source: BatchLoader, target: BatchLoader? = nil, stepsPerEpoch: Int? = nil) throws {
        self.source = source
        self.target = target
        fixedStepsPerEpoch = stepsPerEpoch
        if let stepsPerEpoch, stepsPerEpoch < 1 { throw WorkflowError.invalid("stepsPerEpoch must be at least 1, got \(stepsPerEpoch)") }
        pair = try target.map { try PairedBatchLoader(source: source, target: $0, stepsPerEpoch: stepsPerEpoch) }
    }

    public var stepsPerEpoch: Int { pair?.stepsPerEpoch ?? fixedStepsPerEpoch ?? source.batchesPerEpoch }

    public func batches(epoch: Int) -> AnySequence<TrainingBatch> {
        if pair == nil, let steps = fixedStepsPerEpoch {
            // One domain, a fixed number of steps: batch `g mod n` of the source's epoch `g / n` at
            // global step g, as a pair cycles its domains.
            let source = self.source
            return AnySequence { () -> AnyIterator<TrainingBatch> in
                var step = 0
                var order: (epoch: Int, indices: [Int])? = nil  // the source epoch's order, drawn once
                return AnyIterator {
                    guard step < steps else { return nil }
                    defer { step += 1 }
                    let global = epoch * steps + step
                    let count = source.batchesPerEpoch
                    if order?.epoch != global / count { order = (global / count, source.order(epoch: global / count)) }
                    let batch = source.makeBatch(order: order!.indices, epoch: global / count, index: global % count)
                    return TrainingBatch(
                        source: DomainBatch(
                            images: batch.images, labels: batch.labels, labelSets: batch.labelSets, indices: batch.indices, domain: .source))
                }
            }
        }
        guard let pair else {
            return AnySequence(
                source.batches(epoch: epoch).lazy.map { batch in
                    TrainingBatch(
                        source: DomainBatch(
                            images: batch.images, labels: batch.labels, labelSets: batch.labelSets, indices: batch.indices, domain: .source))
                })
        }
        // The pair's iterator draws each domain's order once per that domain's epoch (the shorter
        // domain is cycled through its own epochs).
        return AnySequence(
            pair.steps(epoch: epoch).lazy.map { paired in
                TrainingBatch(
                    source: DomainBatch(
                        images: paired.source.images, labels: paired.source.labels, labelSets: paired.source.labelSets,
                        indices: paired.source.indices, domain: .source),
                    target: DomainBatch(images: paired.target.images, labels: nil, indices: paired.target.indices, domain: .target))
            })
    }

    public func trainingImages(of domain: Domain) -> ImageSource? {
        switch domain {
        case .source:
            return DatasetImageSource(dataset: source.dataset, indices: source.indices, augmentation: source.augmentation)
        case .target:
            guard let target else { return nil }
            return DatasetImageSource(dataset: target.dataset, indices: target.indices, augmentation: target.augmentation, providesLabels: false)
        }
    }
}

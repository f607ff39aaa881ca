import Evaluation
import TensorCore

/// A source of images by index, read in chunks (so large sets never sit in memory as one tensor).
public protocol ImageSource {
    /// The number of images.
    var count: Int { get }
    /// Each image's index in its data set (the keys of per-image state such as ``PseudoLabels``).
    var indices: [Int] { get }
    /// Class labels where known: `nil` for the unlabelled target images a method trains on. In
    /// multi-label data each image's first object's class (see ``labelSets``).
    var labels: [Int]? { get }
    /// The classes of every image of multi-label data; `nil` for single-label data (the
    /// default) and for unlabelled images.
    var labelSets: [[Int]]? { get }
    /// Images `start..<end` as `[n, C, H, W]`, scaled as the backbone expects.
    func images(_ range: Range<Int>) -> Tensor
}

extension ImageSource {
    public var labelSets: [[Int]]? { nil }

    /// Whether ``labelSets`` are present.
    public var isMultiLabel: Bool { labelSets != nil }

    /// The labels as retrieval relevance: "shares a label" for multi-label data, "same class"
    /// otherwise; `nil` for unlabelled images.
    public func relevanceLabels() throws -> RelevanceLabels? {
        try labels.map { try RelevanceLabels(classes: $0, labelSets: labelSets) }
    }
}

/// The batches the trainer feeds a method. Epoch `e` must give the same batches every time it is
/// asked for (shuffled by a seed and the epoch number), so a resumed run repeats an uninterrupted
/// one exactly.
public protocol TrainingBatches {
    /// Steps per epoch.
    var stepsPerEpoch: Int { get }
    /// The batches of epoch `epoch`, in order. Target batches never carry labels.
    func batches(epoch: Int) -> AnySequence<TrainingBatch>
    /// All training images of `domain` (for methods that need a pass over the whole set before
    /// an epoch), or `nil` when the domain is absent. The target's have no labels.
    func trainingImages(of domain: Domain) -> ImageSource?
}

/// Validation data: queries searched against a database, from held-out or training images but
/// never from the test queries. In domain adaptation it is labelled source data: target labels
/// take no part in model selection.
public struct ValidationSet {
    public var queries: ImageSource
    public var database: ImageSource
    /// The domain the images come from.
    public var domain: Domain

    public init(queries: ImageSource, database: ImageSource, domain: Domain = .source) {
        precondition(queries.labels != nil && database.labels != nil, "ValidationSet: queries and database need labels")
        self.queries = queries
        self.database = database
        self.domain = domain
    }
}

/// Images encoded together by ``inferenceOutputs(method:source:domain:chunkSize:)`` and the
/// functions built on it (and the unit of `hashing encode --shard`). Chunks of 64, which keep a
/// chunk's activations in cache, measured no faster on an AMD EPYC (Zen 3): `bench-encode
/// --chunk-size 64` against 500, alternating, 5.85–6.24 s against 5.56–5.62 s at 1 thread.
public let inferenceChunkSize = 500

/// Outputs of `method` for every image of `source`, in chunks, in evaluation mode: codes
/// `[N, bitCount]` and, when the method classifies, logits `[N, classCount]`.
public func inferenceOutputs(
    method: any HashingMethod, source: ImageSource, domain: Domain, chunkSize: Int = inferenceChunkSize
) -> HashingOutput {
    precondition(chunkSize >= 1, "inferenceOutputs: chunkSize must be at least 1, got \(chunkSize)")
    var codes: [Float] = []
    codes.reserveCapacity(source.count * method.bitCount)
    var logits: [Float]?
    var classCount = 0
    for start in stride(from: 0, to: source.count, by: chunkSize) {
        let output = method.inference(source.images(start..<min(start + chunkSize, source.count)), domain: domain)
        output.codes.withUnsafeScalars { codes.append(contentsOf: $0) }
        if let scores = output.logits {
            classCount = scores.shape[1]
            if logits == nil { logits = [] }
            scores.withUnsafeScalars { logits!.append(contentsOf: $0) }
        }
    }
    return HashingOutput(
        codes: Tensor(shape: [source.count, method.bitCount], scalars: codes),
        logits: logits.map { Tensor(shape: [source.count, classCount], scalars: $0) })
}

/// Continuous outputs `[N, bitCount]` of `method` for every image of `source`.
public func encodeOutputs(method: any HashingMethod, source: ImageSource, domain: Domain, chunkSize: Int = inferenceChunkSize) -> Tensor {
    inferenceOutputs(method: method, source: source, domain: domain, chunkSize: chunkSize).codes
}

/// Packed binary codes of every image of `source`.
public func encodeCodes(method: any HashingMethod, source: ImageSource, domain: Domain, chunkSize: Int = inferenceChunkSize) -> PackedCodes {
    PackedCodes(
        bits: method.binarization.bits(encodeOutputs(method: method, source: source, domain: domain, chunkSize: chunkSize)),
        bitCount: method.bitCount)
}

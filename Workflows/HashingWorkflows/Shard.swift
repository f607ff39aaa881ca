import Datasets
import Evaluation
import Foundation
import HashingCore
import TensorCore

/// The `i`-th of `n` contiguous slices of a set of images (`hashing encode --shard i/n`, `i` from
/// 0 to n − 1). The slices are made of whole encoding batches (``Shard/batch`` images, the batch
/// one process encodes at a time): of the `B = ⌈N / batch⌉` batches, slice `i` takes
/// `B·i/n ..< B·(i+1)/n`. So the n slices in order are the whole set, and every image is encoded in
/// the same batch as in one process: at the same thread count, the shards' codes equal one
/// process's bit for bit (a different batch could change float rounding near the threshold). n
/// processes or machines each encode one slice; `hashing index --codes` with the n files in slice
/// order builds the index of the whole set.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, index >= 0, index < count else {
            throw WorkflowError.invalid("shard \(index)/\(count): need n ≥ 1 and 0 ≤ i < n (i counts from 0)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `i/n`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw WorkflowError.invalid("--shard must be i/n (e.g. 0/4 … 3/4), got '\(text)'")
        }
        try self.init(index: i, count: n)
    }

    /// Images encoded together (``inferenceOutputs(method:source:domain:chunkSize:)``'s default chunk).
    public static let batch = inferenceChunkSize

    /// This shard's positions among `total` items.
    public func range(of total: Int) -> Range<Int> {
        let batches = (total + Shard.batch - 1) / Shard.batch
        let start = min(total, batches * index / count * Shard.batch)
        let end = min(total, batches * (index + 1) / count * Shard.batch)
        return start..<end
    }

    public var description: String { "\(index)/\(count)" }
}

extension Experiment {
    /// Codes of one shard of a split role: the same codes, labels and indices as rows
    /// `shard.range(of: count)` of ``encode(_:domain:)``, computed from those images alone.
    public func encode(_ role: Split.Role, domain: Domain = .source, shard: Shard) throws -> EncodedSet {
        let all = try images(role, domain: domain)
        let part = DatasetImageSource(
            dataset: all.dataset, indices: Array(all.indices[shard.range(of: all.count)]), augmentation: all.augmentation,
            providesLabels: all.providesLabels)
        return encodeWithPredictions(part, domain: domain).set
    }
}

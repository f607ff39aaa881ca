import Foundation
import TensorCore

/// Labels a method assigns to unlabelled target images it is confident about, keyed by each
/// image's index in its data set.
///
/// An image is selected when its largest softmax probability exceeds the threshold
/// (`argmax p` if `max p > T`, as Intersectant-GAN's eq. 4–5 and DAH's confident pseudo-labels);
/// the others have none and take no part in the losses that use pseudo-labels. Select from a
/// whole pass over the target set before an epoch (``HashingMethod/prepareEpoch(_:data:)``) or
/// from each batch during a step, and ``merge(_:)`` per-step selections into the epoch's.
///
/// ```swift
/// let selected = PseudoLabels.select(logits: output.logits!, indices: batch.indices, threshold: 0.95)
/// let (rows, labels) = selected.rows(of: batch.indices)   // the rows to use and their labels
/// ```
public struct PseudoLabels: Equatable, Sendable {
    /// The confidence threshold T in [0, 1): probabilities must exceed it.
    public var threshold: Float
    /// The selected images: index → class.
    public private(set) var labels: [Int: Int]
    /// The images that were scored (selected or not).
    public private(set) var scoredIndices: Set<Int>

    /// No image scored yet.
    public init(threshold: Float) {
        precondition(threshold >= 0 && threshold < 1, "PseudoLabels: threshold \(threshold) must be in [0, 1)")
        self.threshold = threshold
        labels = [:]
        scoredIndices = []
    }

    /// Selects from class scores.
    ///
    /// **Shape**: logits `[N, classCount]` (unnormalised scores; softmax is applied), `indices` N.
    public static func select(logits: Tensor, indices: [Int], threshold: Float) -> PseudoLabels {
        select(logits: logits, indices: indices, threshold: threshold, classThresholds: nil)
    }

    /// Selects from class scores, keeping an image only when its largest probability exceeds
    /// `threshold` and reaches its predicted class's threshold in `classThresholds` (class-balanced
    /// selection: see ``classThresholds(logits:share:)``).
    ///
    /// **Shape**: logits `[N, classCount]`, `indices` N, `classThresholds` classCount.
    public static func select(logits: Tensor, indices: [Int], threshold: Float, classThresholds: [Float]?) -> PseudoLabels {
        precondition(logits.rank == 2 && logits.shape[0] == indices.count, "PseudoLabels: \(indices.count) indices for logits \(logits.shape)")
        var result = PseudoLabels(threshold: threshold)
        for (index, (best, confidence)) in zip(indices, predictions(logits)) {
            result.scoredIndices.insert(index)
            if confidence > Double(threshold) && classThresholds.map({ Float(confidence) >= $0[best] }) ?? true {
                result.labels[index] = best
            }
        }
        return result
    }

    /// Every image selected, with the label `label(index)` gives (the target-label diagnostic:
    /// ``TargetLabelDiagnostic``).
    public static func given(indices: [Int], threshold: Float, label: (Int) -> Int) -> PseudoLabels {
        var result = PseudoLabels(threshold: threshold)
        result.scoredIndices = Set(indices)
        for index in indices { result.labels[index] = label(index) }
        return result
    }

    /// Every image scored and none selected (pseudo-labels switched off, as during a warm-up).
    public static func unselected(indices: [Int], threshold: Float) -> PseudoLabels {
        var result = PseudoLabels(threshold: threshold)
        result.scoredIndices = Set(indices)
        return result
    }

    /// Per-class confidence thresholds that keep the most confident `share` of the images
    /// predicted as each class (class-balanced selection, as CBST: no class can take over the
    /// pseudo-labels by being the most confident). A class predicted for no image gets +∞.
    ///
    /// **Shape**: logits `[N, classCount]` → classCount thresholds.
    public static func classThresholds(logits: Tensor, share: Double) -> [Float] {
        precondition(logits.rank == 2 && share > 0 && share <= 1, "PseudoLabels.classThresholds: logits \(logits.shape), share \(share)")
        var confidences = [[Float]](repeating: [], count: logits.shape[1])
        for (best, confidence) in predictions(logits) { confidences[best].append(Float(confidence)) }
        return confidences.map { values in
            guard !values.isEmpty else { return .infinity }
            let sorted = values.sorted(by: >)
            let kept = max(1, Int((share * Double(sorted.count)).rounded(.up)))
            return sorted[min(kept, sorted.count) - 1]
        }
    }

    /// Checks a class-balanced selection's shares (`[]`, `[k]` or `[k₀, k₁]`, each in (0, 1]) for a
    /// method's configuration.
    public static func validateClassShares(_ shares: [Double], method: String) throws {
        try require(
            method: method, shares.count <= 2 && shares.allSatisfy { $0 > 0 && $0 <= 1 },
            "pseudoLabelClassShare must be [], [k] or [k0, k1] with shares in (0, 1], got \(shares)")
    }

    /// An epoch's class-balanced thresholds from a pass over the target (`data`): the share is
    /// `[k]`, or `[k₀, k₁]` interpolated over the run's progress.
    ///
    /// - Throws: ``TrainingError/invalidData(_:)`` naming `method` when the pass gives no target
    ///   class scores.
    public static func classThresholds(shares: [Double], progress: TrainingProgress, data: EpochData, method: String) throws -> [Float] {
        guard let target = data.outputs(of: .target), let logits = target.logits else {
            throw TrainingError.invalidData("\(method): class-balanced pseudo-labels need the target's class scores before the epoch")
        }
        let share = shares.count == 1 ? shares[0] : shares[0] + (shares[1] - shares[0]) * progress.fractionCompleted
        return classThresholds(logits: logits, share: share)
    }

    /// Each row's predicted class (the first on ties) and its softmax probability,
    /// `1 / Σ exp(s_j − s_max)`, computed stably.
    ///
    /// **Shape**: logits `[N, classCount]` → N pairs.
    static func predictions(_ logits: Tensor) -> [(best: Int, confidence: Double)] {
        let classCount = logits.shape[1]
        return logits.withUnsafeScalars { scores in
            (0..<logits.shape[0]).map { row in
                let base = row * classCount
                var best = 0
                for column in 1..<max(classCount, 1) where scores[base + column] > scores[base + best] { best = column }
                var sum: Double = 0
                for column in 0..<classCount { sum += Foundation.exp(Double(scores[base + column] - scores[base + best])) }
                return (best, 1 / sum)
            }
        }
    }

    /// The same images scored, keeping only the labels `keep(index, label)` accepts (a second
    /// check, such as DupGAN's agreement between two classifiers).
    public func keeping(where keep: (_ index: Int, _ label: Int) -> Bool) -> PseudoLabels {
        var result = self
        result.labels = labels.filter { keep($0.key, $0.value) }
        return result
    }

    /// The label of the image at `index`, or `nil` when it has none.
    public subscript(index: Int) -> Int? { labels[index] }

    /// The rows of a batch (positions in `indices`) that have a label, and their labels.
    public func rows(of indices: [Int]) -> (rows: [Int], labels: [Int]) {
        var rows: [Int] = []
        var selected: [Int] = []
        for (row, index) in indices.enumerated() {
            if let label = labels[index] {
                rows.append(row)
                selected.append(label)
            }
        }
        return (rows, selected)
    }

    /// Each batch row's label or `nil` (the form ``DomainAdapter`` takes).
    public func labels(of indices: [Int]) -> [Int?] { indices.map { labels[$0] } }

    /// Takes `other`'s verdict for every image it scored (selected or not), keeping the rest.
    public mutating func merge(_ other: PseudoLabels) {
        for index in other.scoredIndices { labels[index] = other.labels[index] }
        scoredIndices.formUnion(other.scoredIndices)
    }

    /// The number of images with a label.
    public var selectedCount: Int { labels.count }

    /// The fraction of scored images that have a label (0 when none was scored).
    public var selectedFraction: Double { scoredIndices.isEmpty ? 0 : Double(labels.count) / Double(scoredIndices.count) }

    /// The fraction of selected labels that are right, by labels only an evaluation may hold
    /// (the trainer's log; never a method). `nil` when nothing is selected.
    public func accuracy(trueLabel: (Int) -> Int) -> Double? {
        guard !labels.isEmpty else { return nil }
        return Double(labels.filter { trueLabel($0.key) == $0.value }.count) / Double(labels.count)
    }
}

/// A method whose target pseudo-labels can be replaced by the true target labels: a diagnostic
/// of the adaptation machinery (issue 30), never a result. With true labels as its pseudo-labels
/// a method should come near supervised target accuracy; if it does not, the machinery is wrong,
/// not the labels. Set only through the run setting `diagnosticTargetPseudoLabels`.
public protocol TargetLabelDiagnostic: AnyObject {
    /// The true label of a target training image by its data-set index; when set, every target
    /// image of every step gets it as its pseudo-label (no threshold, no warm-up).
    var diagnosticTargetLabels: ((Int) -> Int)? { get set }
    /// Whether the method, as configured, reads target pseudo-labels at all.
    var usesTargetPseudoLabels: Bool { get }
}

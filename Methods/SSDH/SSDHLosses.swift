import HashingCore
import NeuralNet
import TensorCore

/// SSDH's classification term E1 (α-weighted): softmax cross-entropy (one label per image), or
/// the paper's multi-label hinge on the batch's label sets (single labels are one-element sets).
public struct SSDHClassificationLoss: HashingLoss {
    public enum Kind: String, Codable, Sendable {
        case softmax
        case multiLabelHinge = "multi-label-hinge"
    }
    public var kind: Kind
    public var weight: Float
    public var hingeExponent: Float

    public init(kind: Kind = .softmax, weight: Float = 1, hingeExponent: Float = 2) {
        self.kind = kind
        self.weight = weight
        self.hingeExponent = hingeExponent
    }

    public func terms(for output: HashingOutput, labels: BatchLabels) throws -> [LossTerm] {
        guard let logits = output.logits else { preconditionFailure("SSDHClassificationLoss needs classifier logits") }
        switch kind {
        case .softmax:
            guard let classes = labels.classes else {
                throw TrainingError.invalidData(
                    "ssdh: softmax classification needs one label per image, and this batch has label sets; use \"classificationLoss\": \"multi-label-hinge\""
                )
            }
            return [LossTerm("classification", crossEntropy(logits: logits, labels: classes) * weight)]
        case .multiLabelHinge:
            let targets = labels.multiHot(classCount: logits.shape[1])
            return [
                LossTerm("classification", SSDHClassificationLoss.multiLabelHinge(scores: logits, targets: targets, exponent: hingeExponent) * weight)
            ]
        }
    }

    /// The multi-label hinge of SSDH (eq. 4): per class, 0 when `(y = 1 ∧ ŷ ≥ 1)` or
    /// `(y = 0 ∧ ŷ ≤ 0)`, else `½|y − ŷ|ᵖ`; summed over classes, averaged over the batch.
    ///
    /// **Shape**: scores and multi-hot targets `[N, C]` → scalar.
    public static func multiLabelHinge(scores: Tensor, targets: Tensor, exponent: Float) -> Tensor {
        precondition(scores.shape == targets.shape, "multiLabelHinge: scores \(scores.shape) and targets \(targets.shape) differ")
        // Positive targets are penalised below 1, negative ones above 0.
        let positiveShortfall = (1 - scores).relu() * targets
        let negativeExcess = scores.relu() * (1 - targets)
        let violation = positiveShortfall + negativeExcess
        let penalty = exponent == 2 ? violation.squared() : violation.pow(exponent)
        return penalty.sum() * (0.5 / Float(scores.shape[0]))
    }
}

/// SSDH's binarisation term: `−β·E2` with `E2 = (1/N)(1/K) Σₙ ‖aₙ − 0.5‖²` (maximised: pushes
/// the sigmoid activations away from 0.5, towards 0 or 1).
public struct SSDHBinarizationLoss: HashingLoss {
    public var weight: Float
    public init(weight: Float = 1) { self.weight = weight }

    public func terms(for output: HashingOutput, labels: BatchLabels) -> [LossTerm] {
        let activations = output.codes
        let e2 = (activations - 0.5).squared().mean()  // mean over N and K = (1/N)(1/K) Σ
        return [LossTerm("binarization", -e2 * weight)]
    }
}

/// SSDH's balance term: `γ·E3` with `E3 = (1/N) Σₙ (mean_k aₙₖ − 0.5)²` (each code fires half
/// its bits).
public struct SSDHBalanceLoss: HashingLoss {
    public var weight: Float
    public init(weight: Float = 1) { self.weight = weight }

    public func terms(for output: HashingOutput, labels: BatchLabels) -> [LossTerm] {
        let e3 = (output.codes.mean(alongAxes: [1]) - 0.5).squared().mean()
        return [LossTerm("balance", e3 * weight)]
    }
}

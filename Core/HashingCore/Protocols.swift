import NeuralNet
@_exported import Optimizers
import Optimizers

/// A network that maps images to feature vectors.
///
/// **Shape**: images `[N, C, H, W]` (``inputShape`` = `[C, H, W]`) → features `[N, featureCount]`.
/// The domain selects domain-specific batch-norm branches where the backbone has them (DSBN);
/// backbones without batch norm ignore it.
public protocol Backbone: Module {
    /// The length of the feature vector.
    var featureCount: Int { get }
    /// The image shape `[C, H, W]` the backbone accepts.
    var inputShape: [Int] { get }
    /// Features of a batch of images from one domain.
    func features(_ images: Tensor, domain: Domain) -> Tensor
}

/// Maps backbone features to `bitCount` continuous outputs whose binarisation is the code.
///
/// **Shape**: `[N, featureCount]` → `[N, bitCount]`.
public protocol HashLayer: Module {
    var bitCount: Int { get }
    func callAsFunction(_ features: Tensor) -> Tensor
}

/// One named, already weighted scalar term of a training objective.
public struct LossTerm {
    public var name: String
    public var value: Tensor

    public init(_ name: String, _ value: Tensor) {
        precondition(value.count == 1, "LossTerm \(name): a loss term must be a scalar, got shape \(value.shape)")
        self.name = name
        self.value = value
    }
}

/// What a hashing network produced for a batch, for losses to consume.
public struct HashingOutput {
    /// Continuous codes before binarisation. **Shape**: `[N, bitCount]`.
    public var codes: Tensor
    /// Class scores where the method has a classifier. **Shape**: `[N, classCount]`.
    public var logits: Tensor?

    public init(codes: Tensor, logits: Tensor? = nil) {
        self.codes = codes
        self.logits = logits
    }
}

/// A loss over a network's outputs and the batch's labels; a method's objective is the sum of
/// its losses' terms. Losses are values, so any backbone combines with any loss.
public protocol HashingLoss {
    /// The loss's terms for one batch (already multiplied by their weights).
    func terms(for output: HashingOutput, labels: [Int]) -> [LossTerm]
}

/// How continuous outputs become bits.
public enum Binarization: String, Codable, Sendable {
    /// `bit = output > 0.5` (sigmoid outputs, as SSDH).
    case greaterThanHalf
    /// `bit = output ≥ 0` (tanh or linear outputs: `sign`, with 0 ↦ 1).
    case nonNegative

    /// The bits of each row of `outputs` `[N, K]`.
    public func bits(_ outputs: Tensor) -> [[Bool]] {
        precondition(outputs.rank == 2, "Binarization: outputs must be [N, K], got \(outputs.shape)")
        let (count, width) = (outputs.shape[0], outputs.shape[1])
        return outputs.withUnsafeScalars { values in
            (0..<count).map { row in
                (0..<width).map { column in
                    let value = values[row * width + column]
                    return self == .greaterThanHalf ? value > 0.5 : value >= 0
                }
            }
        }
    }
}

/// An optimizer of a method, with the learning rate schedules scale from.
public struct MethodOptimizer {
    /// A short name (`"network"`, `"centers"`, `"discriminator"`), used in checkpoints.
    public var name: String
    public var optimizer: any Optimizer
    /// The learning rate at epoch 0; schedules multiply it.
    public var baseLearningRate: Float

    public init(name: String, optimizer: any Optimizer) {
        self.name = name
        self.optimizer = optimizer
        self.baseLearningRate = optimizer.learningRate
    }
}

/// One training step's data: a labelled source batch and, for domain adaptation, an unlabelled
/// (or pseudo-labelled) target batch.
public struct TrainingBatch {
    public var source: DomainBatch
    public var target: DomainBatch?

    public init(source: DomainBatch, target: DomainBatch? = nil) {
        self.source = source
        self.target = target
    }
}

/// Images of one domain with their labels where known.
public struct DomainBatch {
    /// **Shape**: `[N, C, H, W]`, values scaled as the backbone expects.
    public var images: Tensor
    /// Ground-truth labels (source), or `nil` for unlabelled target images.
    public var labels: [Int]?
    /// Each image's index in its data set (for methods that keep per-sample state).
    public var indices: [Int]
    public var domain: Domain

    public init(images: Tensor, labels: [Int]?, indices: [Int], domain: Domain) {
        precondition(images.rank == 4, "DomainBatch: images must be [N, C, H, W], got \(images.shape)")
        if let labels { precondition(labels.count == images.shape[0], "DomainBatch: \(labels.count) labels for \(images.shape[0]) images") }
        self.images = images
        self.labels = labels
        self.indices = indices
        self.domain = domain
    }
}

/// Where the trainer is, for methods whose behaviour depends on progress (loss ramps, center
/// updates, staged training).
public struct TrainingProgress {
    public var epoch: Int
    public var epochCount: Int
    /// Step within the epoch and steps per epoch.
    public var step: Int
    public var stepsPerEpoch: Int

    public init(epoch: Int, epochCount: Int, step: Int, stepsPerEpoch: Int) {
        self.epoch = epoch
        self.epochCount = epochCount
        self.step = step
        self.stepsPerEpoch = stepsPerEpoch
    }

    /// Fractional epochs completed, e.g. 1.5 halfway through the second epoch.
    public var epochsCompleted: Double { Double(epoch) + Double(step) / Double(max(stepsPerEpoch, 1)) }
}

/// Errors a training step can raise.
public enum TrainingError: Error, CustomStringConvertible {
    /// A loss became NaN or infinite.
    case nonFiniteLoss(term: String, value: Float, epoch: Int, step: Int)
    case invalidData(String)

    public var description: String {
        switch self {
        case .nonFiniteLoss(let term, let value, let epoch, let step):
            return
                "training diverged: loss term '\(term)' is \(value) at epoch \(epoch + 1), step \(step + 1); lower the learning rate or check the data"
        case .invalidData(let message):
            return message
        }
    }
}

/// A deep hashing method: its network, its objective and its training step.
///
/// The shared ``Trainer`` owns the loop (shuffling, epochs, schedules, validation, checkpoints);
/// a method supplies what differs between papers. Methods with several networks (a GAN) have
/// several optimizers and differentiate each on its own tape inside ``trainingStep(_:progress:)``.
public protocol HashingMethod: AnyObject {
    /// Code length in bits.
    var bitCount: Int { get }
    /// Every parameter and buffer of the method (checkpoints save this module).
    var network: Module { get }
    /// The optimizers, in a fixed order.
    var optimizers: [MethodOptimizer] { get }
    /// How outputs become bits.
    var binarization: Binarization { get }

    /// Called by the trainer before each epoch with the full training data (e.g. to recompute
    /// class centres or pseudo-labels). The default does nothing.
    func prepareEpoch(_ epoch: Int, encode: (Domain) -> (outputs: Tensor, labels: [Int]?)) throws

    /// Runs one optimisation step (forward, gradients, updates) and returns the named loss
    /// terms' values. Throws ``TrainingError/nonFiniteLoss(term:value:epoch:step:)`` on NaN.
    func trainingStep(_ batch: TrainingBatch, progress: TrainingProgress) throws -> [(name: String, value: Float)]

    /// Continuous outputs `[N, bitCount]` for images of `domain`, in evaluation mode.
    func encode(_ images: Tensor, domain: Domain) -> Tensor
}

extension HashingMethod {
    public func prepareEpoch(_ epoch: Int, encode: (Domain) -> (outputs: Tensor, labels: [Int]?)) throws {}

    /// Computes the objective on the current tape and applies one update of every optimizer:
    /// the common single-network step. Checks every term for NaN/∞ before updating.
    public func optimizeJointly(
        progress: TrainingProgress, _ objective: () -> [LossTerm]
    ) throws -> [(name: String, value: Float)] {
        let parameters = optimizers.flatMap(\.optimizer.parameters)
        var recorded: [LossTerm] = []
        let (_, gradients) = valueAndGradient(of: parameters) {
            recorded = objective()
            return recorded.dropFirst().reduce(recorded.first?.value ?? Tensor(0)) { $0 + $1.value }
        }
        let values = recorded.map { (name: $0.name, value: $0.value.item) }
        for term in values where !term.value.isFinite {
            throw TrainingError.nonFiniteLoss(term: term.name, value: term.value, epoch: progress.epoch, step: progress.step)
        }
        var offset = 0
        for entry in optimizers {
            let count = entry.optimizer.parameters.count
            entry.optimizer.update(Array(gradients[offset..<(offset + count)]))
            offset += count
        }
        return values
    }
}

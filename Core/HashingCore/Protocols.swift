import NeuralNet
import Optimizers
import TensorCore

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

/// Maps backbone features to `bitCount` continuous outputs whose binarisation is the code; the
/// layer owns that binarisation (sigmoid outputs are cut at 0.5, tanh outputs at 0).
///
/// **Shape**: `[N, featureCount]` → `[N, bitCount]`.
public protocol HashLayer: Module {
    var bitCount: Int { get }
    /// How this layer's outputs become bits.
    var binarization: Binarization { get }
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

/// What a hashing network produced for a batch: continuous codes and, for networks that
/// classify, class scores.
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

/// The labels of a batch: a set of class indices per image. A single-label batch has one class per
/// set; a multi-label one (an image showing several objects) any number, none included.
public struct BatchLabels: Equatable, Sendable, ExpressibleByArrayLiteral {
    /// The classes of each image, sorted and without duplicates.
    public let sets: [[Int]]

    /// Multi-label: the classes of each image (any order; duplicates are merged).
    public init(sets: [[Int]]) {
        precondition(sets.allSatisfy { $0.allSatisfy { $0 >= 0 } }, "BatchLabels: class indices must be ≥ 0")
        self.sets = sets.map { Array(Set($0)).sorted() }
    }

    /// Single-label: one class per image.
    public init(classes: [Int]) { self.init(sets: classes.map { [$0] }) }

    public init(arrayLiteral classes: Int...) { self.init(classes: classes) }

    /// The number of images.
    public var count: Int { sets.count }

    /// The class of each image when every image has exactly one; `nil` for a multi-label batch.
    public var classes: [Int]? { sets.allSatisfy { $0.count == 1 } ? sets.map { $0[0] } : nil }

    /// Multi-hot targets: `[N, classCount]`, 1 where an image has the class.
    public func multiHot(classCount: Int) -> Tensor {
        precondition(sets.allSatisfy { $0.allSatisfy { $0 < classCount } }, "BatchLabels: a class index is ≥ \(classCount) classes")
        return Tensor(
            shape: [count, classCount],
            unsafeUninitialized: { values in
                for i in values.indices { values[i] = 0 }
                for (row, classes) in sets.enumerated() { for label in classes { values[row * classCount + label] = 1 } }
            })
    }
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
///
/// The name identifies it everywhere: checkpoints (`optimizer.<name>.…`), per-optimizer
/// schedules (``TrainerConfiguration/optimizerSchedules``), the optimizers a training stage
/// steps (``TrainingStage/optimizers``) and error messages.
public struct MethodOptimizer {
    /// A short name (`"network"`, `"centers"`, `"discriminator"`).
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
/// target batch.
public struct TrainingBatch {
    public var source: DomainBatch
    /// The target batch of a domain pair, for methods that adapt (``HashingMethod/adaptsToTarget``);
    /// its ``DomainBatch/labels`` are always `nil`.
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
    /// Ground-truth labels (source), or `nil` for unlabelled target images. In multi-label data
    /// each image's first object's class; its every class is in ``labelSets``.
    public var labels: [Int]?
    /// The classes of each image of multi-label data (``HashingMethod/trainsOnLabelSets``);
    /// `nil` for single-label data and unlabelled images.
    public var labelSets: [[Int]]?
    /// Each image's index in its data set: the key of per-image state such as ``PseudoLabels``.
    public var indices: [Int]
    public var domain: Domain

    public init(images: Tensor, labels: [Int]?, labelSets: [[Int]]? = nil, indices: [Int], domain: Domain) {
        precondition(images.rank == 4, "DomainBatch: images must be [N, C, H, W], got \(images.shape)")
        if let labels { precondition(labels.count == images.shape[0], "DomainBatch: \(labels.count) labels for \(images.shape[0]) images") }
        if let labelSets {
            precondition(labels != nil, "DomainBatch: label sets without labels")
            precondition(labelSets.count == images.shape[0], "DomainBatch: \(labelSets.count) label sets for \(images.shape[0]) images")
        }
        precondition(indices.count == images.shape[0], "DomainBatch: \(indices.count) indices for \(images.shape[0]) images")
        self.images = images
        self.labels = labels
        self.labelSets = labelSets
        self.indices = indices
        self.domain = domain
    }

    public var count: Int { images.shape[0] }

    /// The labels as the losses receive them: the label sets of multi-label data, one class per
    /// image otherwise; `nil` for unlabelled images.
    public var batchLabels: BatchLabels? {
        if let labelSets { return BatchLabels(sets: labelSets) }
        return labels.map { BatchLabels(classes: $0) }
    }
}

/// Where the trainer is, for methods whose behaviour depends on progress (loss ramps, center
/// updates, staged training).
public struct TrainingProgress {
    /// Epoch of the whole run (0-based) and the run's epoch count.
    public var epoch: Int
    public var epochCount: Int
    /// Step within the epoch and steps per epoch.
    public var step: Int
    public var stepsPerEpoch: Int
    /// The training stage (index into the trainer's stages) and the epoch within it.
    public var stage: Int
    public var stageName: String
    public var epochInStage: Int
    /// The optimizers that step in this stage (`nil`: all of them).
    public var activeOptimizers: Set<String>?

    public init(
        epoch: Int, epochCount: Int, step: Int, stepsPerEpoch: Int, stage: Int = 0, stageName: String = "train", epochInStage: Int? = nil,
        activeOptimizers: Set<String>? = nil
    ) {
        self.epoch = epoch
        self.epochCount = epochCount
        self.step = step
        self.stepsPerEpoch = stepsPerEpoch
        self.stage = stage
        self.stageName = stageName
        self.epochInStage = epochInStage ?? epoch
        self.activeOptimizers = activeOptimizers
    }

    /// Fractional epochs completed, e.g. 1.5 halfway through the second epoch.
    public var epochsCompleted: Double { Double(epoch) + Double(step) / Double(max(stepsPerEpoch, 1)) }

    /// Whether the optimizer named `name` steps in this stage.
    public func steps(_ name: String) -> Bool { activeOptimizers?.contains(name) ?? true }
}

/// Errors a training step can raise.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A loss term became NaN or infinite.
    case nonFiniteLoss(term: String, value: Float, network: String, epoch: Int, step: Int)
    /// A gradient became NaN or infinite although every loss term was finite.
    case nonFiniteGradient(parameter: String, network: String, epoch: Int, step: Int)
    case invalidData(String)
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .nonFiniteLoss(let term, let value, let network, let epoch, let step):
            return
                "training diverged: loss term '\(term)' of optimizer '\(network)' is \(value) at epoch \(epoch + 1), step \(step + 1); lower the learning rate or check the data"
        case .nonFiniteGradient(let parameter, let network, let epoch, let step):
            return
                "training diverged: the gradient of '\(parameter)' (optimizer '\(network)') is not finite at epoch \(epoch + 1), step \(step + 1), though every loss term is; lower the learning rate or check the data"
        case .invalidData(let message), .invalidConfiguration(let message):
            return message
        }
    }
}

/// Named loss values of one step, as the trainer logs them.
public typealias LossValues = [(name: String, value: Float)]

/// Outputs of the network for every training image of one domain, in evaluation mode (what
/// ``HashingMethod/prepareEpoch(_:data:)`` works from).
public struct DomainOutputs {
    /// **Shape**: `[N, bitCount]`.
    public var codes: Tensor
    /// Class scores `[N, classCount]`, for networks that classify.
    public var logits: Tensor?
    /// Ground-truth labels of a labelled domain; `nil` for the target of a domain pair.
    public var labels: [Int]?
    /// Each row's index in its data set (the keys of ``PseudoLabels``).
    public var indices: [Int]

    public init(codes: Tensor, logits: Tensor?, labels: [Int]?, indices: [Int]) {
        self.codes = codes
        self.logits = logits
        self.labels = labels
        self.indices = indices
    }
}

/// What the trainer offers a method before an epoch: passes over the training images, computed
/// only when asked for.
public struct EpochData {
    private let compute: (Domain) -> DomainOutputs?

    public init(_ compute: @escaping (Domain) -> DomainOutputs?) { self.compute = compute }

    /// The outputs for every training image of `domain`, or `nil` when the run has no such domain.
    public func outputs(of domain: Domain) -> DomainOutputs? { compute(domain) }
}

/// A deep hashing method: its network, its objective and its training step.
///
/// The shared ``Trainer`` owns the loop (shuffling, epochs, stages, schedules, validation,
/// checkpoints); a method supplies what differs between papers. Methods with several networks (a
/// GAN) have several optimizers and differentiate each objective with respect to its own
/// optimizer's parameters (``HashingMethod/optimize(_:progress:_:)``).
public protocol HashingMethod: AnyObject {
    /// Code length in bits.
    var bitCount: Int { get }
    /// Every parameter and buffer of the method (checkpoints save this module).
    var network: Module { get }
    /// The optimizers, in a fixed order, with distinct names.
    var optimizers: [MethodOptimizer] { get }
    /// How outputs become bits.
    var binarization: Binarization { get }
    /// Whether the method trains on the unlabelled target domain of a domain pair. Methods that
    /// do not (the supervised ones) are trained on the source alone and are the source-only
    /// baseline of a pair. The default is `false`.
    var adaptsToTarget: Bool { get }
    /// The pseudo-labels of target images the method currently holds, for the trainer's log (the
    /// trainer measures their accuracy with labels the method never sees). The default is `nil`.
    var pseudoLabels: PseudoLabels? { get }
    /// Whether the method trains on multi-label data (batches with ``DomainBatch/labelSets``), as
    /// SSDH with its multi-label hinge does. The trainer refuses multi-label data for a method
    /// that does not, rather than let it train on one class per image. The default is `false`.
    var trainsOnLabelSets: Bool { get }

    /// The method's own training stages for a run of `epochs` epochs (such as pre-training an
    /// encoder before the adversarial stage); empty for one stage of every optimizer. A run's
    /// ``TrainerConfiguration/stages`` override them.
    func trainingStages(epochs: Int) -> [TrainingStage]

    /// Called by the trainer before each epoch (e.g. to recompute class centers or pseudo-labels
    /// from a pass over the training images). The default does nothing.
    func prepareEpoch(_ progress: TrainingProgress, data: EpochData) throws

    /// Runs one optimisation step (forward, gradients, updates) and returns the named loss
    /// terms' values. Throws ``TrainingError/nonFiniteLoss(term:value:network:epoch:step:)`` on NaN.
    func trainingStep(_ batch: TrainingBatch, progress: TrainingProgress) throws -> LossValues

    /// Outputs (codes and class scores) for images of `domain`, in evaluation mode, without a tape.
    func inference(_ images: Tensor, domain: Domain) -> HashingOutput
}

extension HashingMethod {
    public var adaptsToTarget: Bool { false }
    public var pseudoLabels: PseudoLabels? { nil }
    public var trainsOnLabelSets: Bool { false }
    public func trainingStages(epochs: Int) -> [TrainingStage] { [] }
    public func prepareEpoch(_ progress: TrainingProgress, data: EpochData) throws {}

    /// Continuous outputs `[N, bitCount]` for images of `domain`, in evaluation mode.
    public func encode(_ images: Tensor, domain: Domain) -> Tensor { inference(images, domain: domain).codes }

    /// Class scores `[N, classCount]` for images of `domain`, or `nil` when the method does not
    /// classify.
    public func classify(_ images: Tensor, domain: Domain) -> Tensor? { inference(images, domain: domain).logits }
}

/// A network that maps images of one domain to codes and, where it classifies, class scores.
public protocol HashingNetwork: Module {
    /// **Shape**: images `[N, C, H, W]` → codes `[N, bitCount]`, logits `[N, classCount]`.
    func callAsFunction(_ images: Tensor, domain: Domain) -> HashingOutput
}

/// A method whose whole network is one ``HashingNetwork``: `network` and `inference` come free.
public protocol HashingNetworkMethod: HashingMethod {
    associatedtype Network: HashingNetwork
    var model: Network { get }
}

extension HashingNetworkMethod {
    public var network: Module { model }

    public func inference(_ images: Tensor, domain: Domain) -> HashingOutput {
        model.inferenceMode { model(images, domain: domain) }
    }
}

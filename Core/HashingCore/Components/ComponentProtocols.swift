import NeuralNet
import TensorCore

/// What losses and domain adapters see of one domain's images in a training step.
public struct StepOutputs {
    /// The backbone's features. **Shape**: `[N, featureCount]`.
    public var features: Tensor
    /// The hash layer's continuous codes. **Shape**: `[N, bitCount]`.
    public var codes: Tensor
    /// Ground-truth labels: the labelled source's; `nil` for the target.
    public var labels: BatchLabels?
    /// The target's pseudo-labels (`nil` for a row without one); `nil` for the source, or when no
    /// component asked for them.
    public var pseudoLabels: [Int?]?
    /// Each row's index in its data set.
    public var indices: [Int]
    public var domain: Domain

    public init(
        features: Tensor, codes: Tensor, labels: BatchLabels? = nil, pseudoLabels: [Int?]? = nil, indices: [Int],
        domain: Domain
    ) {
        precondition(codes.rank == 2 && features.shape[0] == codes.shape[0], "StepOutputs: features \(features.shape) and codes \(codes.shape)")
        precondition(indices.count == codes.shape[0], "StepOutputs: \(indices.count) indices for \(codes.shape[0]) rows")
        self.features = features
        self.codes = codes
        self.labels = labels
        self.pseudoLabels = pseudoLabels
        self.indices = indices
        self.domain = domain
    }

    public var count: Int { codes.shape[0] }

    /// One class per row, or a clear error naming `component` for multi-label or unlabelled rows.
    public func singleLabels(for component: String) throws -> [Int] {
        guard let labels else { throw TrainingError.invalidData("\(component) needs labelled images") }
        guard let classes = labels.classes else {
            throw TrainingError.invalidData(
                "\(component) takes one label per image, and this batch has label sets; use the classification loss with \"kind\": \"multi-label-hinge\""
            )
        }
        return classes
    }
}

/// Parameters a component trains with an optimizer of its own (such as class centers at their
/// own learning rate); all other parameters share the method's optimizer.
public struct ParameterGroup {
    /// The optimizer's name (checkpoints, schedules, errors).
    public var name: String
    public var parameters: [Parameter]
    /// The group's learning rate; `nil` for the method's.
    public var learningRate: Float?

    public init(name: String, parameters: [Parameter], learningRate: Float? = nil) {
        self.name = name
        self.parameters = parameters
        self.learningRate = learningRate
    }
}

/// A term of a hashing objective on one domain's codes: a classification loss with its head, the
/// class-wise loss with its centers, a quantization term. Any backbone and hash layer combine
/// with any loss.
///
/// A loss may hold state (a classifier, class centers, label prototypes): its ``module`` becomes
/// part of the method's network, so it is trained, checkpointed and restored with it, and
/// ``prepareEpoch(_:data:)`` runs before each epoch through the same hook methods use.
public protocol HashingLoss: AnyObject {
    /// The loss's parameters and buffers (`nil`: it has none).
    var module: Module? { get }
    /// Whether the terms need labels. A loss that does not (quantization, balance) also applies to
    /// the target domain's codes when a method adapts.
    var needsLabels: Bool { get }
    /// Whether the loss takes multi-label batches (a set of classes per image).
    var acceptsLabelSets: Bool { get }
    /// Parameters the loss trains with an optimizer of its own.
    var parameterGroups: [ParameterGroup] { get }
    /// Whether ``classScores(codes:)`` gives class scores.
    var classifies: Bool { get }
    /// Class scores for codes where the loss defines classes, else `nil`. The first loss of a
    /// method that has them gives its predictions and pseudo-labels.
    ///
    /// **Shape**: codes `[N, bitCount]` → `[N, classCount]`.
    func classScores(codes: Tensor) -> Tensor?
    /// Called before each epoch (re-estimating class centers from a pass over the training images).
    func prepareEpoch(_ progress: TrainingProgress, data: EpochData) throws
    /// The loss's terms for one domain's outputs, already multiplied by `weight` (the configured
    /// weight at this point of training). Throws ``TrainingError/invalidData(_:)`` when the
    /// labels do not suit it.
    func terms(_ outputs: StepOutputs, weight: Float, progress: TrainingProgress) throws -> [LossTerm]
}

extension HashingLoss {
    public var module: Module? { self as? Module }
    public var needsLabels: Bool { true }
    public var acceptsLabelSets: Bool { !needsLabels }
    public var parameterGroups: [ParameterGroup] { [] }
    public var classifies: Bool { false }
    public func classScores(codes: Tensor) -> Tensor? { nil }
    public func prepareEpoch(_ progress: TrainingProgress, data: EpochData) throws {}
}

/// A loss whose state includes one center per class (the class-wise loss's centers, the label
/// prototypes), which other components (center similarity, the center loss) work with.
public protocol ClassCenterProvider: AnyObject {
    /// The class centers. **Shape**: `[classCount, bitCount]`.
    var classCenters: Tensor { get }
    /// The centers as a parameter, when they are one (center similarity moves them).
    var classCenterParameter: Parameter? { get }
}

/// A term that aligns the unlabelled target domain with the labelled source: a domain
/// discriminator behind gradient reversal (DANN), covariance alignment (CORAL), a kernel mean
/// discrepancy (MMD), a center loss on pseudo-labels.
///
/// Adapters may hold state (a discriminator) in their ``module``, part of the method's network.
/// A method with an adapter trains on both domains of a pair; without a target batch (a
/// source-only run) an adapter contributes what it can from the source alone, or nothing.
public protocol DomainAdapter: AnyObject {
    var module: Module? { get }
    /// Whether the adapter reads the target's pseudo-labels (``StepOutputs/pseudoLabels``).
    var needsPseudoLabels: Bool { get }
    var parameterGroups: [ParameterGroup] { get }
    func prepareEpoch(_ progress: TrainingProgress, data: EpochData) throws
    /// The terms for one step, already multiplied by `weight`. `target` is `nil` in a run on the
    /// source alone.
    func terms(source: StepOutputs, target: StepOutputs?, weight: Float, progress: TrainingProgress) throws -> [LossTerm]
}

extension DomainAdapter {
    public var module: Module? { self as? Module }
    public var needsPseudoLabels: Bool { false }
    public var parameterGroups: [ParameterGroup] { [] }
    public func prepareEpoch(_ progress: TrainingProgress, data: EpochData) throws {}
}

extension TrainingProgress {
    /// The share of the run done, in [0, 1]: epochs completed over the run's epochs.
    public var fractionCompleted: Double { epochCount > 0 ? min(1, max(0, epochsCompleted / Double(epochCount))) : 0 }
}

import HashingCore
import NeuralNet
import Optimizers
import TensorCore

/// The configuration of ``DCWHMethod``; see the target's README for the defaults' sources.
public struct DCWHConfiguration: SGDConfiguration, Equatable {
    /// `1/σ²` of the normalised Gaussian (the reference code effectively uses 1).
    public var inverseVariance: Float = 1
    /// The hash layer's activation: `tanh` (outputs in (−1, 1), the relaxation of codes in
    /// {−1, 1}) or `identity` (unbounded; the bounded-output term keeps them near ±1).
    public var outputActivation: HashActivation = .tanh
    /// Recompute the class centers as class means of the outputs every this many epochs
    /// (reference: 2).
    public var centerUpdateInterval: Int = 2
    /// Where the centers start: distinct random vertices of {−1, 1}ᴷ, or N(0, 1) samples (this
    /// toolkit's former default, far outside the code cube at 48 bits).
    public var centerInitialization: CenterInitialization = .vertices
    /// Weight of the bounded-output term `relu(|h| − bound)` (0 disables it; inert with `tanh`).
    public var boundedOutputWeight: Float = 0
    public var outputBound: Float = 1.1
    /// Weight of the quantization term `‖sgn(h) − h‖²` (0 disables it). 0.01, IDCWH's β, so
    /// that the two methods differ by IDCWH's center-similarity learning alone; the reference
    /// code's weight is about 1e-4 (see the README for both measured).
    public var quantizationWeight: Float = 0.01
    /// SGD learning rate (the IDCWH paper's feature rate).
    public var learningRate: Float = 0.01
    public var momentum: Float = 0.9
    public var weightDecay: Float = 5e-4

    public init() {}

    public func validate() throws {
        try require(method: "dcwh", inverseVariance > 0, "inverseVariance must be positive")
        try requireClasswiseActivation(outputActivation, method: "dcwh")
        try require(method: "dcwh", centerUpdateInterval >= 1, "centerUpdateInterval must be at least 1")
        try require(method: "dcwh", boundedOutputWeight >= 0 && quantizationWeight >= 0, "term weights must be ≥ 0")
        try require(method: "dcwh", outputBound > 0, "outputBound must be positive")
        try validateSGD(method: "dcwh")
    }
}

/// Class-wise hashing codes are signs: the hash layer's outputs must be centred on 0.
func requireClasswiseActivation(_ activation: HashActivation, method: String) throws {
    try require(
        method: method, activation != .sigmoid,
        "outputActivation must be tanh or identity: codes are sgn(h), and sigmoid outputs are never negative")
}

/// A backbone followed by a linear hash layer, and class centers.
///
/// It classifies as the class-wise loss does: the logits are the normalised Gaussian's
/// exponents `−‖h − μ_c‖² / 2σ²`, so the predicted class is the nearest center.
public final class ClasswiseNetwork: Module, HashingNetwork {
    public let backbone: any Backbone
    public let hash: LinearHashLayer
    /// Class centers `[C, K]`, recomputed as class means (both methods) and, in IDCWH, moved by
    /// the center-similarity loss in between.
    public let centers: Parameter
    /// `1/σ²` of the class-wise loss (a constant, not a parameter).
    public let inverseVariance: Float

    init(
        backbone: any Backbone, bitCount: Int, classCount: Int, activation: HashActivation, centerInitialization: CenterInitialization,
        learnableCenters: Bool, inverseVariance: Float, generator: inout SeededGenerator
    ) {
        self.backbone = backbone
        hash = LinearHashLayer(featureCount: backbone.featureCount, bitCount: bitCount, activation: activation, generator: &generator)
        centers = Parameter(
            centerInitialization.centers(count: classCount, bitCount: bitCount, generator: &generator), isTrainable: learnableCenters)
        self.inverseVariance = inverseVariance
    }

    /// Outputs `h` `[N, K]` and logits `−‖h − μ_c‖²/2σ²` `[N, C]`.
    public func callAsFunction(_ images: Tensor, domain: Domain) -> HashingOutput {
        let outputs = hash(backbone.features(images, domain: domain))
        return HashingOutput(codes: outputs, logits: classwiseLogits(outputs: outputs, centers: centers.value, inverseVariance: inverseVariance))
    }

    /// Recomputes the centers as class means before every `interval`-th epoch (HashingCore's
    /// schedule, which the classwise loss uses too). Returns whether it did.
    @discardableResult
    func updateCentersOnSchedule(_ progress: TrainingProgress, interval: Int, data: EpochData, method: String) throws -> Bool {
        try reestimateClassCenters(centers, progress: progress, interval: interval, data: data, owner: method)
    }
}

/// Shared checks and construction of the two class-wise methods.
func makeClasswiseNetwork(
    method: String, context: MethodContext, activation: HashActivation, centerInitialization: CenterInitialization,
    learnableCenters: Bool, inverseVariance: Float
) throws -> ClasswiseNetwork {
    try context.validate(method: method)
    var generator = SeededGenerator(seed: context.seed)
    let backbone = try context.makeBackbone(generator: &generator)
    return ClasswiseNetwork(
        backbone: backbone, bitCount: context.bitCount, classCount: context.classCount, activation: activation,
        centerInitialization: centerInitialization, learnableCenters: learnableCenters, inverseVariance: inverseVariance, generator: &generator)
}

/// Deep Class-Wise Hashing (Zhe, Chen & Yan, TNNLS 2020), assembled from registered parts: the
/// `tanh` (or `identity`) hash layer, the `classwise` loss with its re-estimated centers, and the
/// `bounded-output` and per-image `quantization` terms when weighted.
///
/// Loss: `L_clw + w_b·bounded + w_q·quantization`, codes `sgn(h)`. The centers start at random
/// vertices of the code cube, are fixed during an epoch and are recomputed as class means of the
/// training outputs every ``DCWHConfiguration/centerUpdateInterval`` epochs.
public final class DCWHMethod: ComposedMethod {
    public let dcwhConfiguration: DCWHConfiguration

    public init(configuration: DCWHConfiguration, context: MethodContext) throws {
        try configuration.validate()
        dcwhConfiguration = configuration
        try super.init(
            configuration: Self.composition(configuration), context: context, components: StandardComponents.registry(), name: "dcwh")
    }

    /// The class-wise loss (its centers).
    public var classwise: ClasswiseLoss { losses[0].loss as! ClasswiseLoss }

    /// DCWH as a composition of registered parts.
    public static func composition(_ configuration: DCWHConfiguration) -> CompositionConfiguration {
        var classwise = ClasswiseLoss.Configuration()
        classwise.inverseVariance = configuration.inverseVariance
        classwise.centerUpdateInterval = configuration.centerUpdateInterval
        classwise.centerInitialization = configuration.centerInitialization
        var losses = [ComponentSpecification("classwise", settings: classwise)]
        if configuration.boundedOutputWeight > 0 {
            var bounded = BoundedOutputLoss.Configuration()
            bounded.bound = configuration.outputBound
            losses.append(ComponentSpecification("bounded-output", weight: configuration.boundedOutputWeight, settings: bounded))
        }
        if configuration.quantizationWeight > 0 {
            var quantization = QuantizationLoss.Configuration()
            quantization.normalization = .perImage
            losses.append(ComponentSpecification("quantization", weight: configuration.quantizationWeight, settings: quantization))
        }
        return CompositionConfiguration(
            hashLayer: ComponentSpecification(configuration.outputActivation.rawValue), losses: losses, optimizer: configuration)
    }

    /// The registry entry: `dcwh`.
    public static let registration = MethodRegistration(
        name: "dcwh",
        summary: "DCWH (Zhe et al., TNNLS 2020): normalised-Gaussian softmax over distances to class-mean centers",
        configuration: DCWHConfiguration.self
    ) { configuration, context in
        try DCWHMethod(configuration: configuration, context: context)
    }
}

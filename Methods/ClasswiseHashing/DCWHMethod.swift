import HashingCore
import NeuralNet
import Optimizers
import TensorCore

/// The configuration of ``DCWHMethod``; see the target's README for the defaults' sources.
public struct DCWHConfiguration: SGDConfiguration, Equatable {
    /// `1/σ²` of the normalised Gaussian (the reference code effectively uses 1).
    public var inverseVariance: Float = 1
    /// Recompute the class centers as class means of the outputs every this many epochs
    /// (reference: 2); centers start as N(0, 1) samples.
    public var centerUpdateInterval: Int = 2
    /// Weight of the bounded-output term `relu(|h| − bound)` (0 disables it).
    public var boundedOutputWeight: Float = 0.1
    public var outputBound: Float = 1.1
    /// Weight of the quantization term `‖sgn(h) − h‖²` (0 disables it).
    public var quantizationWeight: Float = 0.0001
    /// SGD learning rate (the reference code's default, 0.001; 0.01 diverges from scratch on
    /// Fashion-MNIST).
    public var learningRate: Float = 0.001
    public var momentum: Float = 0.9
    public var weightDecay: Float = 5e-4

    public init() {}

    public func validate() throws {
        try require(method: "dcwh", inverseVariance > 0, "inverseVariance must be positive")
        try require(method: "dcwh", centerUpdateInterval >= 1, "centerUpdateInterval must be at least 1")
        try require(method: "dcwh", boundedOutputWeight >= 0 && quantizationWeight >= 0, "term weights must be ≥ 0")
        try require(method: "dcwh", outputBound > 0, "outputBound must be positive")
        try validateSGD(method: "dcwh")
    }
}

/// A backbone followed by a linear hash layer, and class centers.
///
/// It classifies as the class-wise loss does: the logits are the normalised Gaussian's
/// exponents `−‖h − μ_c‖² / 2σ²`, so the predicted class is the nearest center.
public final class ClasswiseNetwork: Module, HashingNetwork {
    public let backbone: any Backbone
    public let hash: LinearHashLayer
    /// Class centers `[C, K]`: recomputed class means (DCWH) or learnable (IDCWH).
    public let centers: Parameter
    /// `1/σ²` of the class-wise loss (a constant, not a parameter).
    public let inverseVariance: Float

    init(
        backbone: any Backbone, bitCount: Int, classCount: Int, learnableCenters: Bool, inverseVariance: Float,
        generator: inout SeededGenerator
    ) {
        self.backbone = backbone
        hash = LinearHashLayer(featureCount: backbone.featureCount, bitCount: bitCount, activation: .identity, generator: &generator)
        centers = Parameter(Tensor.normal([classCount, bitCount], generator: &generator), isTrainable: learnableCenters)
        self.inverseVariance = inverseVariance
    }

    /// Outputs `h` `[N, K]` and logits `−‖h − μ_c‖²/2σ²` `[N, C]`.
    public func callAsFunction(_ images: Tensor, domain: Domain) -> HashingOutput {
        let outputs = hash(backbone.features(images, domain: domain))
        return HashingOutput(codes: outputs, logits: classwiseLogits(outputs: outputs, centers: centers.value, inverseVariance: inverseVariance))
    }
}

/// Shared checks and construction of the two class-wise methods.
func makeClasswiseNetwork(method: String, context: MethodContext, learnableCenters: Bool, inverseVariance: Float) throws -> ClasswiseNetwork {
    try context.validate(method: method)
    var generator = SeededGenerator(seed: context.seed)
    let backbone = try context.makeBackbone(generator: &generator)
    return ClasswiseNetwork(
        backbone: backbone, bitCount: context.bitCount, classCount: context.classCount, learnableCenters: learnableCenters,
        inverseVariance: inverseVariance, generator: &generator)
}

/// Deep Class-Wise Hashing (Zhe, Chen & Yan, TNNLS 2020).
///
/// Loss: `L_clw + w_b·bounded + w_q·quantization`, codes `sgn(h)`. The centers are fixed during
/// an epoch and recomputed as class means of the training outputs every
/// ``DCWHConfiguration/centerUpdateInterval`` epochs.
public final class DCWHMethod: HashingNetworkMethod {
    public let configuration: DCWHConfiguration
    public let model: ClasswiseNetwork
    public let optimizers: [MethodOptimizer]
    public var bitCount: Int { model.hash.bitCount }
    public var binarization: Binarization { .nonNegative }

    public init(configuration: DCWHConfiguration, context: MethodContext) throws {
        try configuration.validate()
        self.configuration = configuration
        model = try makeClasswiseNetwork(
            method: "dcwh", context: context, learnableCenters: false, inverseVariance: configuration.inverseVariance)
        optimizers = [configuration.sgd("network", model.trainableParameters())]
    }

    /// Recomputes the centers after every `centerUpdateInterval` epochs (as the reference does,
    /// from outputs in evaluation mode).
    public func prepareEpoch(_ progress: TrainingProgress, data: EpochData) throws {
        guard progress.epoch > 0, progress.epoch % configuration.centerUpdateInterval == 0 else { return }
        guard let source = data.outputs(of: .source), let labels = source.labels else {
            throw TrainingError.invalidData("dcwh needs labelled training images to compute centers")
        }
        updateCenters(outputs: source.codes, labels: labels)
    }

    /// Sets each center to the mean output of its class (classes absent keep their center).
    public func updateCenters(outputs: Tensor, labels: [Int]) {
        model.centers.value = classMeans(outputs, labels: labels, classCount: model.centers.shape[0], fallback: model.centers.value)
    }

    /// The named loss terms for a batch of outputs.
    public func lossTerms(outputs: Tensor, labels: [Int]) -> [LossTerm] {
        var terms = [
            LossTerm(
                "classwise",
                classwiseLoss(outputs: outputs, centers: model.centers.value, labels: labels, inverseVariance: configuration.inverseVariance))
        ]
        if configuration.boundedOutputWeight > 0 {
            terms.append(LossTerm("bounded", boundedOutputLoss(outputs, bound: configuration.outputBound) * configuration.boundedOutputWeight))
        }
        if configuration.quantizationWeight > 0 {
            terms.append(LossTerm("quantization", quantizationLoss(outputs) * configuration.quantizationWeight))
        }
        return terms
    }

    public func trainingStep(_ batch: TrainingBatch, progress: TrainingProgress) throws -> LossValues {
        guard let labels = batch.source.labels else { throw TrainingError.invalidData("dcwh needs labelled images") }
        return try optimizeJointly(progress: progress) {
            lossTerms(outputs: model(batch.source.images, domain: batch.source.domain).codes, labels: labels)
        }
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

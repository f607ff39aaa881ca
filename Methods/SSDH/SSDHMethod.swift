import HashingCore
import NeuralNet
import Optimizers
import TensorCore

/// The configuration of ``SSDHMethod``; every field has a default (see the method's README).
public struct SSDHConfiguration: SGDConfiguration, Equatable {
    /// Weight α of the classification term E1.
    public var alpha: Float = 1
    /// Weight β of the binarisation term E2 (subtracted: E2 is maximised).
    public var beta: Float = 1
    /// Weight γ of the balance term E3.
    public var gamma: Float = 1
    /// `softmax` (single-label) or `multi-label-hinge` (the paper's multi-label loss).
    public var classificationLoss: SSDHClassificationLoss.Kind = .softmax
    /// Exponent p of the multi-label hinge.
    public var hingeExponent: Float = 2
    /// β and γ grow linearly from 0 to their values over this many epochs (0 = from the start),
    /// so the code terms cannot saturate the sigmoids before the classifier learns.
    public var codeTermRampEpochs: Double = 1
    /// SGD learning rate of the whole network.
    public var learningRate: Float = 0.01
    public var momentum: Float = 0.9
    /// L2 weight decay λ (the paper's λ‖W‖², applied by the optimizer).
    public var weightDecay: Float = 5e-4
    /// How the latent layer's weights start: `pytorch` (uniform in ±1/√features, bias too:
    /// PyTorch's `Linear` default) or `normal` (N(0, latentInitStandardDeviation²), bias 0: the
    /// paper's, made for fine-tuning a pre-trained network).
    public var latentInitialization: LatentInitialization = .pytorch
    /// Standard deviation of the latent layer's initial weights under `normal` (paper: 0.01).
    public var latentInitStandardDeviation: Float = 0.01

    /// How SSDH's latent layer is initialised.
    public enum LatentInitialization: String, Codable, Sendable {
        case pytorch
        case normal
    }

    public init() {}

    public func validate() throws {
        try require(method: "ssdh", alpha >= 0 && beta >= 0 && gamma >= 0, "alpha, beta and gamma must be ≥ 0")
        try require(method: "ssdh", alpha > 0, "alpha must be positive: without the classification term nothing is learned")
        try require(method: "ssdh", hingeExponent >= 1, "hingeExponent must be ≥ 1")
        try require(method: "ssdh", codeTermRampEpochs >= 0, "codeTermRampEpochs must be ≥ 0")
        try validateSGD(method: "ssdh")
        try require(method: "ssdh", latentInitStandardDeviation > 0, "latentInitStandardDeviation must be positive")
    }
}

/// The network of SSDH: backbone → latent layer (sigmoid, K units) → classifier.
public final class SSDHNetwork: Module, HashingNetwork {
    public let backbone: any Backbone
    public let latent: LinearHashLayer
    public let classifier: Linear

    /// - Parameter latentStandardDeviation: N(0, σ²) weights and zero bias for the latent layer
    ///   when given; PyTorch's `Linear` default otherwise.
    init(backbone: any Backbone, bitCount: Int, classCount: Int, latentStandardDeviation: Float?, generator: inout SeededGenerator) {
        self.backbone = backbone
        latent = LinearHashLayer(
            featureCount: backbone.featureCount, bitCount: bitCount, activation: .sigmoid,
            weightStandardDeviation: latentStandardDeviation, generator: &generator)
        classifier = Linear(inputFeatures: bitCount, outputFeatures: classCount, generator: &generator)
    }

    /// Latent activations `[N, K]` and class scores `[N, classes]`.
    public func callAsFunction(_ images: Tensor, domain: Domain) -> HashingOutput {
        let activations = latent(backbone.features(images, domain: domain))
        return HashingOutput(codes: activations, logits: classifier(activations))
    }
}

/// Supervised Semantics-preserving Deep Hashing (Yang, Lin & Chen, TPAMI 2018).
///
/// Objective: `α·E1 − β·E2 + γ·E3` (+ λ‖W‖² through weight decay), codes `b = [a > 0.5]` of the
/// sigmoid latent layer. See Methods/SSDH/README.md.
public final class SSDHMethod: HashingNetworkMethod {
    public let configuration: SSDHConfiguration
    public let model: SSDHNetwork
    public let optimizers: [MethodOptimizer]
    public var bitCount: Int { model.latent.bitCount }
    public var binarization: Binarization { .greaterThanHalf }

    public init(configuration: SSDHConfiguration, context: MethodContext) throws {
        try configuration.validate()
        try context.validate(method: "ssdh")
        var generator = SeededGenerator(seed: context.seed)
        let backbone = try context.makeBackbone(generator: &generator)
        self.configuration = configuration
        model = SSDHNetwork(
            backbone: backbone, bitCount: context.bitCount, classCount: context.classCount,
            latentStandardDeviation: configuration.latentInitialization == .normal ? configuration.latentInitStandardDeviation : nil,
            generator: &generator)
        optimizers = [configuration.sgd("network", model.trainableParameters())]
    }

    /// The loss terms at a point of training (the code terms ramp in).
    public func losses(progress: TrainingProgress) -> [any HashingLoss] {
        let ramp = configuration.codeTermRampEpochs > 0 ? min(1, progress.epochsCompleted / configuration.codeTermRampEpochs) : 1
        return [
            SSDHClassificationLoss(kind: configuration.classificationLoss, weight: configuration.alpha, hingeExponent: configuration.hingeExponent),
            SSDHBinarizationLoss(weight: configuration.beta * Float(ramp)),
            SSDHBalanceLoss(weight: configuration.gamma * Float(ramp)),
        ]
    }

    /// Multi-label data trains with the multi-label hinge; the softmax takes one class per image.
    public var trainsOnLabelSets: Bool { configuration.classificationLoss == .multiLabelHinge }

    public func trainingStep(_ batch: TrainingBatch, progress: TrainingProgress) throws -> LossValues {
        guard let labels = batch.source.batchLabels else { throw TrainingError.invalidData("ssdh needs labelled images") }
        let losses = losses(progress: progress)
        return try optimizeJointly(progress: progress) {
            let output = model(batch.source.images, domain: batch.source.domain)
            return try losses.flatMap { try $0.terms(for: output, labels: labels) }
        }
    }

    /// The registry entry: `ssdh`.
    public static let registration = MethodRegistration(
        name: "ssdh",
        summary: "SSDH (Yang et al., TPAMI 2018): sigmoid latent layer + classifier; classification − binarization + balance",
        configuration: SSDHConfiguration.self
    ) { configuration, context in
        try SSDHMethod(configuration: configuration, context: context)
    }
}

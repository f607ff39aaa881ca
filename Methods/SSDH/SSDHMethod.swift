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
    public var classificationLoss: ClassificationLoss.Kind = .softmax
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

/// Supervised Semantics-preserving Deep Hashing (Yang, Lin & Chen, TPAMI 2018), assembled from
/// registered parts: the `sigmoid` hash layer (the latent layer), the `classification` loss (its
/// classifier and E1), `binarization` (−E2) and `balance` (E3), the last two ramped in.
///
/// Objective: `α·E1 − β·E2 + γ·E3` (+ λ‖W‖² through weight decay), codes `b = [a > 0.5]`. See
/// Methods/SSDH/README.md.
public final class SSDHMethod: ComposedMethod {
    public let ssdhConfiguration: SSDHConfiguration

    public init(configuration: SSDHConfiguration, context: MethodContext) throws {
        try configuration.validate()
        ssdhConfiguration = configuration
        try super.init(
            configuration: Self.composition(configuration), context: context, components: StandardComponents.registry(), name: "ssdh")
    }

    /// SSDH as a composition of registered parts.
    public static func composition(_ configuration: SSDHConfiguration) -> CompositionConfiguration {
        var hashLayer = LinearHashLayerConfiguration()
        hashLayer.initialization = configuration.latentInitialization == .normal ? .normal : .pytorch
        hashLayer.standardDeviation = configuration.latentInitStandardDeviation
        var classification = ClassificationLoss.Configuration()
        classification.kind = configuration.classificationLoss
        classification.hingeExponent = configuration.hingeExponent
        return CompositionConfiguration(
            hashLayer: ComponentSpecification("sigmoid", settings: hashLayer),
            losses: [
                ComponentSpecification("classification", weight: configuration.alpha, settings: classification),
                ComponentSpecification("binarization", weight: configuration.beta, rampEpochs: configuration.codeTermRampEpochs),
                ComponentSpecification("balance", weight: configuration.gamma, rampEpochs: configuration.codeTermRampEpochs),
            ], optimizer: configuration)
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

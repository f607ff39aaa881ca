import NeuralNet
import TensorCore

/// The activation after a hash layer's linear map.
public enum HashActivation: String, Codable, Sendable, CaseIterable {
    /// Outputs in (0, 1); bits by `> 0.5` (SSDH's latent layer).
    case sigmoid
    /// Outputs in (−1, 1); bits by sign.
    case tanh
    /// Unbounded outputs; bits by sign (DCWH bounds them with a loss term instead).
    case identity
}

/// A fully connected hash layer: `h = activation(features · Wᵀ + b)`.
///
/// **Shape**: `[N, featureCount]` → `[N, bitCount]`.
public final class LinearHashLayer: Module, HashLayer {
    public let linear: Linear
    public let activation: HashActivation

    /// - Parameter weightStandardDeviation: weights ~ N(0, σ²) and zero bias when given (SSDH
    ///   uses 0.01); PyTorch's default initialisation otherwise.
    public init(featureCount: Int, bitCount: Int, activation: HashActivation, weightStandardDeviation: Float? = nil, generator: inout SeededGenerator)
    {
        precondition(bitCount > 0, "LinearHashLayer: bitCount must be positive, got \(bitCount)")
        if let weightStandardDeviation {
            linear = Linear(
                inputFeatures: featureCount, outputFeatures: bitCount,
                weightInitializer: .normal(mean: 0, standardDeviation: weightStandardDeviation), biasInitializer: .constant(0),
                generator: &generator)
        } else {
            linear = Linear(inputFeatures: featureCount, outputFeatures: bitCount, generator: &generator)
        }
        self.activation = activation
    }

    public var bitCount: Int { linear.outputFeatures }

    /// The binarisation matching this layer's activation.
    public var binarization: Binarization { activation == .sigmoid ? .greaterThanHalf : .nonNegative }

    public func callAsFunction(_ features: Tensor) -> Tensor {
        let z = linear(features)
        switch activation {
        case .sigmoid: return z.sigmoid()
        case .tanh: return z.tanh()
        case .identity: return z
        }
    }
}

extension Module {
    /// Runs `body` in evaluation mode without recording gradients, then restores the mode.
    public func inferenceMode<Result>(_ body: () throws -> Result) rethrows -> Result {
        let wasTraining = isTraining
        train(false)
        defer { train(wasTraining) }
        return try withoutGradient(body)
    }
}

/// The settings of the linear hash layers (`sigmoid`, `tanh`, `identity`).
public struct LinearHashLayerConfiguration: MethodConfiguration, Equatable {
    /// How the weights start: `pytorch` (uniform in ±1/√features, bias too: PyTorch's `Linear`
    /// default) or `normal` (N(0, standardDeviation²), bias 0: SSDH's, made for fine-tuning).
    public var initialization: Initialization = .pytorch
    /// The standard deviation of the weights under `normal` (SSDH: 0.01).
    public var standardDeviation: Float = 0.01

    public enum Initialization: String, Codable, Sendable, CaseIterable {
        case pytorch
        case normal
    }

    public init() {}

    public func validate() throws {
        try require(method: "hash layer", standardDeviation > 0 && standardDeviation.isFinite, "standardDeviation must be positive")
    }
}

extension LinearHashLayer {
    /// The registry entry of the linear hash layer with `activation`.
    static func registration(_ activation: HashActivation, summary: String) -> HashLayerRegistration {
        HashLayerRegistration(name: activation.rawValue, summary: summary, configuration: LinearHashLayerConfiguration.self) {
            configuration, context, generator in
            LinearHashLayer(
                featureCount: context.featureCount, bitCount: context.bitCount, activation: activation,
                weightStandardDeviation: configuration.initialization == .normal ? configuration.standardDeviation : nil,
                generator: &generator)
        }
    }

    /// `sigmoid`: SSDH's latent layer; bits = output > 0.5.
    public static let sigmoidRegistration = registration(
        .sigmoid, summary: "linear → sigmoid, bit = output > 0.5 (SSDH's latent layer)")
    /// `tanh`: bits = sign.
    public static let tanhRegistration = registration(
        .tanh, summary: "linear → tanh, bit = output ≥ 0 (DCWH, SemanticHash, DAH, Intersectant-GAN)")
    /// `identity`: an unbounded linear layer; bits = sign.
    public static let identityRegistration = registration(
        .identity, summary: "linear, no activation, bit = output ≥ 0 (bound it with the bounded-output or quantization loss)")
}

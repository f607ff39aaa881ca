import TensorCore

/// A fully connected layer: `y = x · Wᵀ + b` (PyTorch layout: `weight [out, in]`).
///
/// **Shape**: input `[N, inputFeatures]` → output `[N, outputFeatures]`.
public final class Linear: Module, Layer, ParameterResetting {
    public let weight: Parameter
    public let bias: Parameter?
    /// The initialisers ``resetParameters(generator:)`` draws from again.
    let initializers: (weight: Initializer, bias: Initializer)

    /// - Parameters:
    ///   - weightInitializer: defaults to PyTorch's (uniform ±1/√in); the bias, when present,
    ///     follows PyTorch (uniform ±1/√in) unless `biasInitializer` is given.
    public init(
        inputFeatures: Int, outputFeatures: Int, bias: Bool = true,
        weightInitializer: Initializer = .pytorchDefault, biasInitializer: Initializer? = nil,
        generator: inout SeededGenerator
    ) {
        precondition(inputFeatures > 0 && outputFeatures > 0, "Linear: feature counts must be positive, got \(inputFeatures) → \(outputFeatures)")
        let biasInitializer = biasInitializer ?? .pytorchDefault
        initializers = (weightInitializer, biasInitializer)
        weight = Parameter(weightInitializer.make([outputFeatures, inputFeatures], generator: &generator))
        self.bias = bias ? Parameter(biasInitializer.make([outputFeatures], fans: (inputFeatures, outputFeatures), generator: &generator)) : nil
    }

    public func resetParameters(generator: inout SeededGenerator) {
        weight.value = initializers.weight.make(weight.shape, generator: &generator)
        bias?.value = initializers.bias.make([outputFeatures], fans: (inputFeatures, outputFeatures), generator: &generator)
    }

    public var inputFeatures: Int { weight.shape[1] }
    public var outputFeatures: Int { weight.shape[0] }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(
            input.rank == 2 && input.shape[1] == inputFeatures,
            "Linear: input \(input.shape) does not match weight [\(outputFeatures), \(inputFeatures)] (expects [N, \(inputFeatures)])")
        let product = input.matmul(weight.value, transposeOther: true)
        guard let bias else { return product }
        return product + bias.value
    }
}

/// A 2-D convolution layer (PyTorch layout: `weight [out, in, k, k]`).
///
/// **Shape**: `[N, inputChannels, H, W] → [N, outputChannels, (H + 2p − k)/s + 1, (W + 2p − k)/s + 1]`.
public final class Conv2d: Module, Layer, ParameterResetting {
    public let weight: Parameter
    public let bias: Parameter?
    /// The initialisers ``resetParameters(generator:)`` draws from again.
    let initializers: (weight: Initializer, bias: Initializer)
    public let stride: Int
    public let padding: Int

    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true,
        weightInitializer: Initializer = .pytorchDefault, biasInitializer: Initializer? = nil,
        generator: inout SeededGenerator
    ) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0, "Conv2d: channels and kernel size must be positive")
        let shape = [outputChannels, inputChannels, kernelSize, kernelSize]
        let biasInitializer = biasInitializer ?? .pytorchDefault
        initializers = (weightInitializer, biasInitializer)
        weight = Parameter(weightInitializer.make(shape, generator: &generator))
        self.bias = bias ? Parameter(biasInitializer.make([outputChannels], fans: Initializer.fans(of: shape), generator: &generator)) : nil
        self.stride = stride
        self.padding = padding
    }

    public func resetParameters(generator: inout SeededGenerator) {
        let shape = weight.shape
        weight.value = initializers.weight.make(shape, generator: &generator)
        bias?.value = initializers.bias.make([shape[0]], fans: Initializer.fans(of: shape), generator: &generator)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.conv2d(weight: weight.value, bias: bias?.value, stride: stride, padding: padding)
    }

    /// The layer followed by 2×2 max pooling with stride 2, the same as
    /// `callAsFunction(input).maxPool2d(kernelSize: 2)` bit for bit, in one pass when no gradient
    /// is recorded (``Tensor/conv2dMaxPool2x2(weight:bias:stride:padding:)``).
    public func maxPooled2x2(_ input: Tensor) -> Tensor {
        input.conv2dMaxPool2x2(weight: weight.value, bias: bias?.value, stride: stride, padding: padding)
    }
}

/// A transposed 2-D convolution (PyTorch layout: `weight [in, out, k, k]`), for upsampling.
///
/// **Shape**: `[N, inputChannels, H, W] → [N, outputChannels, (H − 1)·s − 2p + k + outputPadding, …]`.
public final class ConvTranspose2d: Module, Layer, ParameterResetting {
    public let weight: Parameter
    public let bias: Parameter?
    /// The initialisers ``resetParameters(generator:)`` draws from again.
    let initializers: (weight: Initializer, bias: Initializer)
    public let stride: Int
    public let padding: Int
    public let outputPadding: Int

    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
        bias: Bool = true, weightInitializer: Initializer = .pytorchDefault, biasInitializer: Initializer? = nil,
        generator: inout SeededGenerator
    ) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0, "ConvTranspose2d: channels and kernel size must be positive")
        let shape = [inputChannels, outputChannels, kernelSize, kernelSize]
        // PyTorch computes fans of the stored weight, so fanIn = outputChannels · k².
        let fans = Initializer.fans(of: shape)
        let biasInitializer = biasInitializer ?? .pytorchDefault
        initializers = (weightInitializer, biasInitializer)
        weight = Parameter(weightInitializer.make(shape, fans: fans, generator: &generator))
        self.bias = bias ? Parameter(biasInitializer.make([outputChannels], fans: fans, generator: &generator)) : nil
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
    }

    public func resetParameters(generator: inout SeededGenerator) {
        let shape = weight.shape
        let fans = Initializer.fans(of: shape)
        weight.value = initializers.weight.make(shape, fans: fans, generator: &generator)
        bias?.value = initializers.bias.make([shape[1]], fans: fans, generator: &generator)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.convTranspose2d(weight: weight.value, bias: bias?.value, stride: stride, padding: padding, outputPadding: outputPadding)
    }
}

/// Batch normalisation over the channel axis of `[N, C]` (`BatchNorm1d`) or `[N, C, H, W]`
/// (`BatchNorm2d`) inputs, with learnable affine parameters and running statistics.
///
/// Training mode normalises with the batch's statistics and updates the running ones:
/// `running ← (1 − momentum) · running + momentum · batch` (the variance unbiased, as PyTorch).
/// Evaluation mode normalises with the running statistics.
public final class BatchNorm: Module, Layer, ParameterResetting {
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Buffer
    public let runningVariance: Buffer
    public let epsilon: Float
    public let momentum: Float
    /// The input rank this layer accepts: 2 for `BatchNorm1d`, 4 for `BatchNorm2d`.
    public let expectedRank: Int

    public init(featureCount: Int, expectedRank: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        precondition(featureCount > 0, "BatchNorm: featureCount must be positive")
        weight = Parameter(.ones([featureCount]))
        bias = Parameter(.zeros([featureCount]))
        runningMean = Buffer(.zeros([featureCount]))
        runningVariance = Buffer(.ones([featureCount]))
        self.epsilon = epsilon
        self.momentum = momentum
        self.expectedRank = expectedRank
    }

    public var featureCount: Int { weight.shape[0] }

    /// γ = 1, β = 0, running mean 0 and variance 1, as at creation.
    public func resetParameters(generator: inout SeededGenerator) {
        weight.value = .ones([featureCount])
        bias.value = .zeros([featureCount])
        runningMean.value = .zeros([featureCount])
        runningVariance.value = .ones([featureCount])
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(
            input.rank == expectedRank && input.shape[1] == featureCount,
            "BatchNorm: input \(input.shape) does not match \(featureCount) features at rank \(expectedRank)")
        if !isTraining {
            return input.batchNormalized(
                mean: runningMean.value, variance: runningVariance.value, weight: weight.value, bias: bias.value, epsilon: epsilon)
        }
        let (output, statistics) = input.batchNormalized(weight: weight.value, bias: bias.value, epsilon: epsilon)
        let correction = statistics.count > 1 ? Float(statistics.count) / Float(statistics.count - 1) : 1
        let (oldMean, oldVariance) = (runningMean.value.scalars, runningVariance.value.scalars)
        runningMean.value = Tensor(zip(oldMean, statistics.mean).map { (1 - momentum) * $0 + momentum * $1 })
        runningVariance.value = Tensor(zip(oldVariance, statistics.variance).map { (1 - momentum) * $0 + momentum * $1 * correction })
        return output
    }
}

/// `BatchNorm` for `[N, C]` inputs.
public func BatchNorm1d(_ featureCount: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) -> BatchNorm {
    BatchNorm(featureCount: featureCount, expectedRank: 2, epsilon: epsilon, momentum: momentum)
}

/// `BatchNorm` for `[N, C, H, W]` inputs.
public func BatchNorm2d(_ featureCount: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) -> BatchNorm {
    BatchNorm(featureCount: featureCount, expectedRank: 4, epsilon: epsilon, momentum: momentum)
}

/// Inverted dropout, active only in training mode.
///
/// Each call draws its mask from a generator seeded by `(seed, call number)`; the call count is
/// a buffer, so a checkpoint restores the exact mask sequence and a resumed run continues as an
/// uninterrupted one would.
public final class Dropout: Module, Layer {
    public let probability: Float
    public let seed: UInt64
    /// How many masks have been drawn (exact up to 2²⁴ calls).
    public let calls: Buffer

    public init(probability: Float, seed: UInt64) {
        precondition(probability >= 0 && probability < 1, "Dropout: probability \(probability) must be in [0, 1)")
        self.probability = probability
        self.seed = seed
        self.calls = Buffer(Tensor(0))
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard isTraining, probability > 0 else { return input }
        let call = UInt64(calls.value.item)
        calls.value = Tensor(Float(call + 1))
        var generator = SeededGenerator(seed: seed ^ (call &* 0x9E37_79B9_7F4A_7C15))
        return input.dropout(probability: probability, generator: &generator)
    }
}

/// Applies its layers in order.
public final class Sequential: Module, Layer {
    public let layers: [Module]

    public init(_ layers: [Module]) {
        for layer in layers { precondition(layer is Layer, "Sequential: \(type(of: layer)) is not a Layer") }
        self.layers = layers
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        layers.reduce(input) { ($1 as! Layer)($0) }
    }
}

/// A parameter-free layer wrapping a tensor function (activations, pooling, flattening).
public final class Lambda: Module, Layer {
    public let name: String
    private let function: (Tensor) -> Tensor

    public init(_ name: String, _ function: @escaping (Tensor) -> Tensor) {
        self.name = name
        self.function = function
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { function(input) }

    public static func relu() -> Lambda { Lambda("relu") { $0.relu() } }
    public static func leakyReLU(slope: Float) -> Lambda { Lambda("leakyReLU") { $0.leakyReLU(slope: slope) } }
    public static func sigmoid() -> Lambda { Lambda("sigmoid") { $0.sigmoid() } }
    public static func tanh() -> Lambda { Lambda("tanh") { $0.tanh() } }
    public static func flatten() -> Lambda { Lambda("flatten") { $0.flattened() } }
    public static func maxPool2d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Lambda {
        Lambda("maxPool2d") { $0.maxPool2d(kernelSize: kernelSize, stride: stride, padding: padding) }
    }
    public static func avgPool2d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Lambda {
        Lambda("avgPool2d") { $0.avgPool2d(kernelSize: kernelSize, stride: stride, padding: padding) }
    }
}

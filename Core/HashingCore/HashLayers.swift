import NeuralNet
import TensorCore

/// The activation after a hash layer's linear map.
public enum HashActivation: String, Codable, Sendable {
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

/// Per-class means of rows: `centers[j] = mean of outputs[i] with labels[i] == j`; a class with
/// no row keeps `fallback[j]` (or zeros).
///
/// **Shape**: outputs `[N, K]`, labels `N` → `[classCount, K]`.
public func classMeans(_ outputs: Tensor, labels: [Int], classCount: Int, fallback: Tensor? = nil) -> Tensor {
    precondition(outputs.rank == 2 && labels.count == outputs.shape[0], "classMeans: \(labels.count) labels for outputs \(outputs.shape)")
    let width = outputs.shape[1]
    var sums = [Double](repeating: 0, count: classCount * width)
    var counts = [Int](repeating: 0, count: classCount)
    outputs.withUnsafeScalars { values in
        for (row, label) in labels.enumerated() {
            precondition(label >= 0 && label < classCount, "classMeans: label \(label) outside 0..<\(classCount)")
            counts[label] += 1
            for k in 0..<width { sums[label * width + k] += Double(values[row * width + k]) }
        }
    }
    let base = fallback?.withUnsafeScalars { Array($0) } ?? [Float](repeating: 0, count: classCount * width)
    return Tensor(
        shape: [classCount, width],
        unsafeUninitialized: { centers in
            for j in 0..<classCount {
                for k in 0..<width {
                    centers[j * width + k] = counts[j] > 0 ? Float(sums[j * width + k] / Double(counts[j])) : base[j * width + k]
                }
            }
        })
}

/// `sgn(x)` with `sgn(0) = +1`, as hashing codes use (a constant: no gradient).
public func binarySign(_ x: Tensor) -> Tensor {
    x.detached().map { $0 >= 0 ? 1 : -1 }
}

/// The quantization term `(1/(N·K)) Σᵢ ‖hᵢ − sgn(hᵢ)‖²` (per-bit mean, `sgn(0) = 1`); the sign is
/// a constant, so the gradient is `2(h − sgn h)/(N·K)`.
///
/// **Shape**: codes `[N, K]` → scalar.
public func signQuantizationLoss(_ codes: Tensor) -> Tensor {
    (codes - binarySign(codes)).squared().mean()
}

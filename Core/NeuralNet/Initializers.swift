import TensorCore

/// How a weight tensor is initialised. Fan-in and fan-out follow PyTorch: for a weight of shape
/// `[out, in, k…]`, `fanIn = in · Πk` and `fanOut = out · Πk`.
public enum Initializer {
    /// PyTorch's default for `Linear` and `Conv2d`: uniform in `±1/√fanIn`
    /// (Kaiming-uniform with `a = √5`).
    case pytorchDefault
    /// He initialisation for ReLU networks: uniform in `±√(6 / fanIn)`.
    case kaimingUniform
    /// He initialisation: normal with standard deviation `√(2 / fanIn)`.
    case kaimingNormal
    /// Glorot: uniform in `±√(6 / (fanIn + fanOut))`.
    case xavierUniform
    /// Glorot: normal with standard deviation `√(2 / (fanIn + fanOut))`.
    case xavierNormal
    /// Normal with the given mean and standard deviation (e.g. SSDH's latent layer: std 0.01).
    case normal(mean: Float, standardDeviation: Float)
    /// Uniform in `[low, high)`.
    case uniform(low: Float, high: Float)
    /// Every element equal to `value`.
    case constant(Float)

    /// `(fanIn, fanOut)` of a weight shape.
    public static func fans(of shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 1, "Initializer: cannot compute fans of a scalar")
        if shape.count == 1 { return (shape[0], shape[0]) }
        let receptive = shape[2...].reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// A tensor of `shape` drawn from this initialiser. `fans` overrides the fans computed from
    /// the shape (transposed convolutions store `[in, out, k…]`).
    public func make(_ shape: [Int], fans: (fanIn: Int, fanOut: Int)? = nil, generator: inout SeededGenerator) -> Tensor {
        let (fanIn, fanOut) = fans ?? Initializer.fans(of: shape)
        switch self {
        case .pytorchDefault:
            let bound = 1 / Float(max(fanIn, 1)).squareRoot()
            return .uniform(shape, low: -bound, high: bound, generator: &generator)
        case .kaimingUniform:
            let bound = (6 / Float(max(fanIn, 1))).squareRoot()
            return .uniform(shape, low: -bound, high: bound, generator: &generator)
        case .kaimingNormal:
            return .normal(shape, standardDeviation: (2 / Float(max(fanIn, 1))).squareRoot(), generator: &generator)
        case .xavierUniform:
            let bound = (6 / Float(max(fanIn + fanOut, 1))).squareRoot()
            return .uniform(shape, low: -bound, high: bound, generator: &generator)
        case .xavierNormal:
            return .normal(shape, standardDeviation: (2 / Float(max(fanIn + fanOut, 1))).squareRoot(), generator: &generator)
        case .normal(let mean, let standardDeviation):
            return .normal(shape, mean: mean, standardDeviation: standardDeviation, generator: &generator)
        case .uniform(let low, let high):
            return .uniform(shape, low: low, high: high, generator: &generator)
        case .constant(let value):
            return Tensor(repeating: value, shape: shape)
        }
    }
}

import HashingCore
import NeuralNet
import TensorCore

/// A small convolutional backbone for testing methods without the Backbones target: conv 16@5×5 →
/// batch norm (one branch per domain, optional) → ReLU → max-pool 2 → conv 32@3×3 → ReLU →
/// max-pool 2 → fc 128 → ReLU.
///
/// **Shape**: `[N, C, S, S]` with S ≥ 12 → `[N, 128]`.
public final class TestConvNet: Module, Backbone {
    public let conv1: Conv2d
    public let norm: DomainSpecificBatchNorm?
    public let conv2: Conv2d
    public let fc: Linear
    public let inputShape: [Int]

    public init(inputShape: [Int], domainCount: Int, batchNorm: Bool, generator: inout SeededGenerator) {
        precondition(inputShape.count == 3 && inputShape[1] == inputShape[2] && inputShape[1] >= 12, "TestConvNet: needs [C, S, S], S ≥ 12")
        self.inputShape = inputShape
        conv1 = Conv2d(inputChannels: inputShape[0], outputChannels: 16, kernelSize: 5, generator: &generator)
        norm = batchNorm ? DomainSpecificBatchNorm(featureCount: 16, expectedRank: 4, domainCount: domainCount) : nil
        conv2 = Conv2d(inputChannels: 16, outputChannels: 32, kernelSize: 3, generator: &generator)
        let side = ((inputShape[1] - 4) / 2 - 2) / 2
        fc = Linear(inputFeatures: 32 * side * side, outputFeatures: 128, generator: &generator)
    }

    public var featureCount: Int { fc.outputFeatures }

    public func features(_ images: Tensor, domain: Domain) -> Tensor {
        var x = conv1(images)
        if let norm { x = norm(x, domain: domain) }
        x = x.relu().maxPool2d(kernelSize: 2)
        x = conv2(x).relu().maxPool2d(kernelSize: 2)
        return fc(x.flattened()).relu()
    }
}

/// The test backbones by name: `test-conv` (no batch norm) and `test-conv-bn` (per-domain batch
/// norm, for domain-specific statistics).
public enum TestBackbones {
    public static let conv = BackboneRegistration(name: "test-conv", summary: "a small test convnet") { shape, domains, generator in
        TestConvNet(inputShape: shape, domainCount: domains, batchNorm: false, generator: &generator)
    }
    public static let convBN = BackboneRegistration(name: "test-conv-bn", summary: "a small test convnet with batch norm") {
        shape, domains, generator in
        TestConvNet(inputShape: shape, domainCount: domains, batchNorm: true, generator: &generator)
    }

    /// The registration of a test backbone; `batchNorm` chooses `test-conv-bn`.
    public static func registration(batchNorm: Bool) -> BackboneRegistration { batchNorm ? convBN : conv }
}

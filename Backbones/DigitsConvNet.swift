import HashingCore
import NeuralNet
import TensorCore

/// The four-convolution digits encoder of DupGAN (Hu et al., CVPR 2018), used by
/// Intersectant-GAN for SVHN → MNIST: conv 5×5 stride 2 with 64 → 128 → 256 channels, then
/// conv 4×4 to 512, each followed by batch norm (domain-specific with several domains) and
/// LeakyReLU; no fully connected layer.
///
/// **Shape**: `[N, C, 32, 32]` (or 28×28) → features `[N, 512]`.
public final class DigitsConvNet: Module, Backbone {
    public let convolutions: [Conv2d]
    public let norms: [DomainSpecificBatchNorm]
    public let slope: Float
    public let inputShape: [Int]

    public init(inputShape: [Int], domainCount: Int = 1, slope: Float = 0.05, generator: inout SeededGenerator) throws {
        guard inputShape.count == 3, inputShape[1] == inputShape[2], [28, 32].contains(inputShape[1]) else {
            throw RegistryError.unsupportedInput(backbone: "digits-convnet", inputShape: inputShape, reason: "needs square 28×28 or 32×32 images")
        }
        let channels = [inputShape[0], 64, 128, 256, 512]
        convolutions = (0..<4).map { layer in
            let last = layer == 3
            return Conv2d(
                inputChannels: channels[layer], outputChannels: channels[layer + 1], kernelSize: last ? 4 : 5,
                stride: last ? 1 : 2, padding: last ? 0 : 2, weightInitializer: .kaimingNormal, generator: &generator)
        }
        norms = (1...4).map { DomainSpecificBatchNorm(featureCount: channels[$0], expectedRank: 4, domainCount: domainCount) }
        self.slope = slope
        self.inputShape = inputShape
    }

    public var featureCount: Int { 512 }

    public func features(_ images: Tensor, domain: Domain) -> Tensor {
        var x = images
        for (convolution, norm) in zip(convolutions, norms) {
            x = norm(convolution(x), domain: domain).leakyReLU(slope: slope)
        }
        return x.flattened()
    }
}

/// A small VGG-style network for 32×32 colour images: two blocks of two 3×3 convolutions (64,
/// 128 channels) and one of one (256), each conv followed by batch norm (domain-specific with
/// several domains) and ReLU, 2×2 max-pooling after each block, then fc 512 + ReLU.
///
/// **Shape**: `[N, C, H, W]` with H = W ≥ 16 → features `[N, 512]`.
public final class SmallVGG: Module, Backbone {
    public let convolutions: [Conv2d]
    public let norms: [DomainSpecificBatchNorm]
    public let fc: Linear
    public let inputShape: [Int]
    private let poolAfter: Set<Int> = [1, 3, 4]

    public init(inputShape: [Int], domainCount: Int = 1, generator: inout SeededGenerator) throws {
        guard inputShape.count == 3, inputShape[1] == inputShape[2], inputShape[1] >= 16 else {
            throw RegistryError.unsupportedInput(backbone: "small-vgg", inputShape: inputShape, reason: "needs square images of at least 16×16")
        }
        let channels = [inputShape[0], 64, 64, 128, 128, 256]
        convolutions = (0..<5).map {
            Conv2d(
                inputChannels: channels[$0], outputChannels: channels[$0 + 1], kernelSize: 3, padding: 1, weightInitializer: .kaimingNormal,
                generator: &generator)
        }
        norms = (1...5).map { DomainSpecificBatchNorm(featureCount: channels[$0], expectedRank: 4, domainCount: domainCount) }
        let side = inputShape[1] / 8
        fc = Linear(inputFeatures: 256 * side * side, outputFeatures: 512, weightInitializer: .kaimingUniform, generator: &generator)
        self.inputShape = inputShape
    }

    public var featureCount: Int { 512 }

    public func features(_ images: Tensor, domain: Domain) -> Tensor {
        var x = images
        for (index, (convolution, norm)) in zip(convolutions, norms).enumerated() {
            x = norm(convolution(x), domain: domain).relu()
            if poolAfter.contains(index) { x = x.maxPool2d(kernelSize: 2) }
        }
        return fc(x.flattened()).relu()
    }
}

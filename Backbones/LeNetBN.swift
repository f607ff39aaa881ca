import HashingCore
import NeuralNet
import TensorCore

/// LeNet with batch normalisation after each convolution, the digits network of the DSBN paper
/// (Chang et al., CVPR 2019): conv 20@5×5 → BN → ReLU → max-pool 2 → conv 50@5×5 → BN → ReLU →
/// max-pool 2 → fc 500 → ReLU.
///
/// Both batch-norm layers are ``DomainSpecificBatchNorm``: with two domains each has a source and
/// a target branch (statistics and affine parameters) and every other weight is shared, so
/// domain-adaptation methods (DAH) run on the same backbone family as the supervised ones. With
/// one domain it is a LeNet with ordinary batch norm.
///
/// **Shape**: input `[N, C, S, S]` with S ≥ 16 → features `[N, 500]`.
public final class LeNetBN: Module, Backbone {
    public let conv1: Conv2d
    public let norm1: DomainSpecificBatchNorm
    public let conv2: Conv2d
    public let norm2: DomainSpecificBatchNorm
    public let fc1: Linear
    public let inputSize: Int

    public init(inputSize: Int = 28, inputChannels: Int = 1, domainCount: Int, featureCount: Int = 500, generator: inout SeededGenerator) {
        let afterConvolutions = ((inputSize - 4) / 2 - 4) / 2
        precondition(afterConvolutions >= 1, "LeNetBN: input size \(inputSize) is too small (needs ≥ 16)")
        self.inputSize = inputSize
        conv1 = Conv2d(
            inputChannels: inputChannels, outputChannels: 20, kernelSize: 5, weightInitializer: .xavierUniform, biasInitializer: .constant(0),
            generator: &generator)
        norm1 = DomainSpecificBatchNorm(featureCount: 20, expectedRank: 4, domainCount: domainCount)
        conv2 = Conv2d(
            inputChannels: 20, outputChannels: 50, kernelSize: 5, weightInitializer: .xavierUniform, biasInitializer: .constant(0),
            generator: &generator)
        norm2 = DomainSpecificBatchNorm(featureCount: 50, expectedRank: 4, domainCount: domainCount)
        fc1 = Linear(
            inputFeatures: 50 * afterConvolutions * afterConvolutions, outputFeatures: featureCount, weightInitializer: .xavierUniform,
            biasInitializer: .constant(0), generator: &generator)
    }

    public var featureCount: Int { fc1.outputFeatures }
    public var inputShape: [Int] { [conv1.weight.shape[1], inputSize, inputSize] }

    /// Features through the batch-norm branch of `domain`.
    public func features(_ images: Tensor, domain: Domain) -> Tensor {
        precondition(
            images.rank == 4 && images.shape[2] == inputSize && images.shape[3] == inputSize,
            "LeNetBN: input \(images.shape) does not match [N, C, \(inputSize), \(inputSize)]")
        let x = norm1(conv1(images), domain: domain).relu().maxPool2d(kernelSize: 2)
        let y = norm2(conv2(x), domain: domain).relu().maxPool2d(kernelSize: 2)
        return fc1(y.flattened()).relu()
    }
}

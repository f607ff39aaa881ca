import HashingCore
import NeuralNet
import TensorCore

/// The LeNet of Caffe's MNIST example, used by the SSDH and DSBN papers for digits:
/// conv 20@5×5 → max-pool 2 → conv 50@5×5 → max-pool 2 → fc 500 → ReLU → (fc classes).
///
/// **Shape**: input `[N, 1, 28, 28]` (or any size ≥ 16×16: 16×16 gives 50·1·1 features) →
/// features `[N, 500]`; ``classifier`` maps them to `[N, classCount]`.
public final class LeNet: Module, Layer, Backbone {
    public let conv1: Conv2d
    public let conv2: Conv2d
    public let fc1: Linear
    public let classifier: Linear?
    /// The spatial size of the inputs this instance was built for.
    public let inputSize: Int

    /// How the layers' weights and biases start.
    public enum Initialization: String, Sendable {
        /// Caffe's MNIST example: Xavier (Glorot) uniform weights, zero biases (the default).
        case caffe
        /// PyTorch's default for `Conv2d` and `Linear`: weights and biases uniform in ±1/√fan-in.
        case pytorch

        var weights: Initializer { self == .caffe ? .xavierUniform : .pytorchDefault }
        var biases: Initializer { self == .caffe ? .constant(0) : .pytorchDefault }
    }

    /// - Parameters:
    ///   - inputSize: height = width of the input images (28 for MNIST, 16 for USPS-like).
    ///   - inputChannels: 1 for grayscale, 3 for colour.
    ///   - classCount: adds the final classifier layer when given.
    ///   - initialization: Caffe's (default) or PyTorch's default initialisation of every layer.
    public init(
        inputSize: Int = 28, inputChannels: Int = 1, classCount: Int? = 10, featureCount: Int = 500, initialization: Initialization = .caffe,
        generator: inout SeededGenerator
    ) {
        let afterConvolutions = ((inputSize - 4) / 2 - 4) / 2
        precondition(afterConvolutions >= 1, "LeNet: input size \(inputSize) is too small (needs ≥ 16)")
        self.inputSize = inputSize
        let weights = initialization.weights, biases = initialization.biases
        conv1 = Conv2d(
            inputChannels: inputChannels, outputChannels: 20, kernelSize: 5, weightInitializer: weights, biasInitializer: biases,
            generator: &generator)
        conv2 = Conv2d(
            inputChannels: 20, outputChannels: 50, kernelSize: 5, weightInitializer: weights, biasInitializer: biases, generator: &generator)
        fc1 = Linear(
            inputFeatures: 50 * afterConvolutions * afterConvolutions, outputFeatures: featureCount, weightInitializer: weights,
            biasInitializer: biases, generator: &generator)
        classifier = classCount.map {
            Linear(inputFeatures: featureCount, outputFeatures: $0, weightInitializer: weights, biasInitializer: biases, generator: &generator)
        }
    }

    public var featureCount: Int { fc1.outputFeatures }
    public var inputShape: [Int] { [conv1.weight.shape[1], inputSize, inputSize] }

    /// The features (after the ReLU of fc1); LeNet has no batch norm, so the domain is ignored.
    public func features(_ images: Tensor, domain: Domain) -> Tensor { features(images) }

    /// The 500-dimensional features (after the ReLU of fc1).
    public func features(_ input: Tensor) -> Tensor {
        precondition(
            input.rank == 4 && input.shape[2] == inputSize && input.shape[3] == inputSize,
            "LeNet: input \(input.shape) does not match [N, C, \(inputSize), \(inputSize)]")
        let x = conv2.maxPooled2x2(conv1.maxPooled2x2(input))
        return fc1(x.flattened()).relu()
    }

    /// Class logits when the classifier exists, else the features.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let f = features(input)
        return classifier.map { $0(f) } ?? f
    }
}

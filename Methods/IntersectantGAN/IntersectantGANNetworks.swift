import HashingCore
import NeuralNet
import TensorCore

/// The shape of Intersectant-GAN's generators.
public enum GeneratorArchitecture: String, Codable, Sendable, CaseIterable {
    /// `lenet` for a LeNet encoder, `digits` for the 4-conv `digits-convnet` encoder.
    case automatic
    /// Symmetric to LeNet (two convolutions, one fully connected layer): fc `d → 2w·(s/4)²`, then
    /// two 4×4 stride-2 transposed convolutions `2w → w → C`. For the MNIST ↔ mfeat pairs.
    case lenet
    /// Symmetric to the 4-conv digits encoder (the paper's SVHN → MNIST generator): `u` as a
    /// `d×1×1` image through four transposed convolutions `d → 4w → 2w → w → C`
    /// (1 → 4 → 7 or 8 → 14 or 16 → 28 or 32 pixels). For the colour pair.
    case digits
}

/// A generator `G`: common-space codes `u` `[N, d]` → images `[N, C, s, s]` in [0, 1] (a sigmoid,
/// as the data are scaled), batch norm and LeakyReLU between the layers.
public final class ImageGenerator: Module {
    /// The LeNet-style generator's first layer and the batch norm after it.
    public let fc: Linear?
    public let fcNorm: BatchNorm?
    public let deconvolutions: [ConvTranspose2d]
    /// After every transposed convolution but the last (which a sigmoid follows).
    public let norms: [BatchNorm]
    public let imageShape: [Int]
    public let slope: Float
    let seedShape: [Int]

    /// - Throws: ``RegistryError/unsupportedInput(backbone:inputShape:reason:)`` for an image side
    ///   the architecture cannot produce.
    public init(
        codeLength: Int, imageShape: [Int], architecture: GeneratorArchitecture, width: Int, slope: Float = 0.05,
        generator: inout SeededGenerator
    ) throws {
        let (channels, side) = (imageShape[0], imageShape[1])
        let initializer = Initializer.normal(mean: 0, standardDeviation: 0.02)
        func deconvolution(_ input: Int, _ output: Int, kernel: Int, stride: Int, padding: Int) -> ConvTranspose2d {
            ConvTranspose2d(
                inputChannels: input, outputChannels: output, kernelSize: kernel, stride: stride, padding: padding,
                weightInitializer: initializer, biasInitializer: .constant(0), generator: &generator)
        }
        switch architecture {
        case .lenet, .automatic:
            guard imageShape.count == 3, side == imageShape[2], side % 4 == 0, side >= 8 else {
                throw RegistryError.unsupportedInput(
                    backbone: "intersectant-gan lenet generator", inputShape: imageShape, reason: "needs square images whose side is a multiple of 4")
            }
            let quarter = side / 4
            fc = Linear(
                inputFeatures: codeLength, outputFeatures: 2 * width * quarter * quarter, weightInitializer: initializer,
                biasInitializer: .constant(0), generator: &generator)
            deconvolutions = [
                deconvolution(2 * width, width, kernel: 4, stride: 2, padding: 1),
                deconvolution(width, channels, kernel: 4, stride: 2, padding: 1),
            ]
            fcNorm = BatchNorm2d(2 * width)
            norms = [BatchNorm2d(width)]
            seedShape = [2 * width, quarter, quarter]
        case .digits:
            guard imageShape.count == 3, side == imageShape[2], [28, 32].contains(side) else {
                throw RegistryError.unsupportedInput(
                    backbone: "intersectant-gan digits generator", inputShape: imageShape, reason: "needs square 28×28 or 32×32 images")
            }
            fc = nil
            fcNorm = nil
            deconvolutions = [
                deconvolution(codeLength, 4 * width, kernel: 4, stride: 1, padding: 0),
                deconvolution(4 * width, 2 * width, kernel: side == 28 ? 3 : 4, stride: 2, padding: 1),
                deconvolution(2 * width, width, kernel: 4, stride: 2, padding: 1),
                deconvolution(width, channels, kernel: 4, stride: 2, padding: 1),
            ]
            norms = [BatchNorm2d(4 * width), BatchNorm2d(2 * width), BatchNorm2d(width)]
            seedShape = [codeLength, 1, 1]
        }
        self.imageShape = imageShape
        self.slope = slope
    }

    /// **Shape**: `[N, d]` → `[N, C, s, s]`.
    public func callAsFunction(_ codes: Tensor) -> Tensor {
        var x = codes
        if let fc, let fcNorm {
            x = fcNorm(fc(x).reshaped([codes.shape[0]] + seedShape)).leakyReLU(slope: slope)
        } else {
            x = x.reshaped([codes.shape[0]] + seedShape)
        }
        for (index, deconvolution) in deconvolutions.enumerated() {
            x = deconvolution(x)
            x = index < norms.count ? norms[index](x).leakyReLU(slope: slope) : x.sigmoid()
        }
        return x
    }
}

/// A discriminator `D` with N + 1 outputs (N classes + fake): a fresh instance of the encoder's
/// backbone (its own weights, one batch-norm branch) and a linear layer to N + 1 logits.
public final class ClassAwareDiscriminator: Module {
    public let body: any Backbone
    public let head: Linear

    public init(context: MethodContext, generator: inout SeededGenerator) throws {
        body = try context.backbone.make(inputShape: context.inputShape, domainCount: 1, generator: &generator)
        head = Linear(inputFeatures: body.featureCount, outputFeatures: context.classCount + 1, generator: &generator)
    }

    /// The index of the fake class (N).
    public var fakeClass: Int { head.outputFeatures - 1 }

    /// **Shape**: `[N, C, H, W]` → logits `[N, classes + 1]`.
    public func callAsFunction(_ images: Tensor) -> Tensor {
        head(body.features(images, domain: .source))
    }
}

/// The five networks of Intersectant-GAN: the shared encoder `E` (backbone → `u = tanh(linear)`,
/// the code) with the classifier `C` on `u`, the generators `Gˢ`, `Gᵗ` and the discriminators
/// `Dˢ`, `Dᵗ`. Checkpoints save all of them.
public final class IntersectantGANNetwork: Module, HashingNetwork {
    /// `E`: one backbone for both domains (one batch-norm branch: the paper's encoder is shared).
    public let encoder: any Backbone
    public let hash: LinearHashLayer
    /// `C`: `u` → class logits.
    public let classifier: Linear
    public let sourceGenerator: ImageGenerator
    public let targetGenerator: ImageGenerator
    public let sourceDiscriminator: ClassAwareDiscriminator
    public let targetDiscriminator: ClassAwareDiscriminator

    /// The submodules each adversarial stage draws afresh (the paper's "other components").
    public static let adversarialParts = ["sourceGenerator", "targetGenerator", "sourceDiscriminator", "targetDiscriminator"]

    public init(context: MethodContext, architecture: GeneratorArchitecture, generatorWidth: Int) throws {
        var generator = SeededGenerator(seed: context.seed)
        encoder = try context.backbone.make(inputShape: context.inputShape, domainCount: 1, generator: &generator)
        hash = LinearHashLayer(featureCount: encoder.featureCount, bitCount: context.bitCount, activation: .tanh, generator: &generator)
        classifier = Linear(inputFeatures: context.bitCount, outputFeatures: context.classCount, generator: &generator)
        let resolved = architecture == .automatic ? (context.backbone.name == "digits-convnet" ? .digits : .lenet) : architecture
        sourceGenerator = try ImageGenerator(
            codeLength: context.bitCount, imageShape: context.inputShape, architecture: resolved, width: generatorWidth, generator: &generator)
        targetGenerator = try ImageGenerator(
            codeLength: context.bitCount, imageShape: context.inputShape, architecture: resolved, width: generatorWidth, generator: &generator)
        sourceDiscriminator = try ClassAwareDiscriminator(context: context, generator: &generator)
        targetDiscriminator = try ClassAwareDiscriminator(context: context, generator: &generator)
    }

    /// The common-space codes `u` `[N, d]` of images of either domain.
    public func codes(_ images: Tensor) -> Tensor { hash(encoder.features(images, domain: .source)) }

    /// Codes `u` and class logits `C(u)`; the encoder is shared, so the domain does not matter.
    public func callAsFunction(_ images: Tensor, domain: Domain) -> HashingOutput {
        let codes = codes(images)
        return HashingOutput(codes: codes, logits: classifier(codes))
    }

    /// The encoder's parameters (backbone, hash layer, classifier): what the encoder optimizer steps.
    var encoderParameters: [Parameter] { encoder.trainableParameters() + hash.trainableParameters() + classifier.trainableParameters() }
    var generatorParameters: [Parameter] { sourceGenerator.trainableParameters() + targetGenerator.trainableParameters() }
    var discriminatorParameters: [Parameter] { sourceDiscriminator.trainableParameters() + targetDiscriminator.trainableParameters() }
}

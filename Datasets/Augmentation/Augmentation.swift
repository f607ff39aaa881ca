import TensorCore

/// A seeded transform of image batches: resizing, grayscale-to-colour replication, random crop
/// with zero padding, random horizontal flip and per-channel normalisation, applied in that order.
///
/// The order is fixed so that each step sees what it expects: crops pad with zeros (the digits'
/// background) before normalisation shifts the values, and normalisation sees the final channel
/// count. The default value does nothing; set only the steps you want:
///
/// ```swift
/// var training = Augmentation(cropPadding: 2, normalization: .mnist)
/// let evaluation = training.withoutRandomSteps   // resize, channels and normalisation only
/// ```
///
/// Horizontal flips are off by default: a mirrored digit is often not a digit. Use them for
/// photographs.
///
/// **Shape**: images `[N, C, H, W]` in [0, 1] → `[N, channelCount ?? C, resize ?? H, resize ?? W]`.
public struct Augmentation: Equatable, Sendable, Codable {
    /// The size to resize every image to (bilinear), or `nil` to keep it.
    public var resize: ImageSize?
    /// The channel count to replicate a single (grayscale) channel into, or `nil` to keep it.
    public var channelCount: Int?
    /// Zeros added on each side before cutting a window of the original size at a random
    /// position; 0 turns random cropping off.
    public var cropPadding: Int
    /// The probability of mirroring an image left to right; 0 (the default) turns flipping off.
    public var horizontalFlipProbability: Float
    /// The per-channel normalisation applied last, or `nil` to leave values in [0, 1].
    public var normalization: ChannelNormalization?

    /// Creates an augmentation; every step is off unless given.
    ///
    /// - Parameters:
    ///   - resize: The size to resize to, or `nil`.
    ///   - channelCount: The channel count to replicate grayscale into (usually 3), or `nil`.
    ///   - cropPadding: The zero padding of the random crop, 0 for none.
    ///   - horizontalFlipProbability: The probability of a horizontal flip, 0 for none.
    ///   - normalization: The normalisation applied last, or `nil`.
    public init(
        resize: ImageSize? = nil, channelCount: Int? = nil, cropPadding: Int = 0, horizontalFlipProbability: Float = 0,
        normalization: ChannelNormalization? = nil
    ) {
        self.resize = resize
        self.channelCount = channelCount
        self.cropPadding = cropPadding
        self.horizontalFlipProbability = horizontalFlipProbability
        self.normalization = normalization
    }

    /// The augmentation that does nothing.
    public static let identity = Augmentation()

    /// `true` when a step draws random numbers (a crop or a flip).
    public var isRandom: Bool { cropPadding > 0 || horizontalFlipProbability > 0 }

    /// The same augmentation without its random steps, for evaluation images.
    public var withoutRandomSteps: Augmentation {
        Augmentation(resize: resize, channelCount: channelCount, normalization: normalization)
    }

    /// The shape of an image after this augmentation, given its shape `[C, H, W]` before.
    public func outputShape(for imageShape: [Int]) -> [Int] {
        [channelCount ?? imageShape[0], resize?.height ?? imageShape[1], resize?.width ?? imageShape[2]]
    }

    /// Throws unless this augmentation can apply to images of the given shape `[C, H, W]`.
    ///
    /// - Throws: ``DatasetError/invalidConfiguration(source:reason:)`` naming the step that cannot apply.
    public func validate(for imageShape: [Int], source: String = "Augmentation") throws {
        if let resize, resize.height <= 0 || resize.width <= 0 {
            throw DatasetError.invalidConfiguration(source: source, reason: "resize to \(resize) is not a positive size")
        }
        if let channelCount, channelCount != imageShape[0], imageShape[0] != 1 || channelCount <= 0 {
            throw DatasetError.invalidConfiguration(
                source: source, reason: "cannot replicate \(imageShape[0]) channels into \(channelCount); only 1 channel replicates")
        }
        guard cropPadding >= 0 else {
            throw DatasetError.invalidConfiguration(source: source, reason: "crop padding \(cropPadding) is negative")
        }
        guard (0...1).contains(horizontalFlipProbability) else {
            throw DatasetError.invalidConfiguration(
                source: source, reason: "horizontal flip probability \(horizontalFlipProbability) is outside 0...1")
        }
        let channels = outputShape(for: imageShape)[0]
        if let normalization, normalization.channelCount != channels {
            throw DatasetError.invalidConfiguration(
                source: source, reason: "a normalisation of \(normalization.channelCount) channels cannot apply to \(channels)")
        }
    }

    /// Applies the steps in order: resize, replicate channels, random crop, random flip, normalise.
    ///
    /// **Shape**: `[N, C, H, W] → [N, channelCount ?? C, resize ?? H, resize ?? W]`.
    ///
    /// - Parameters:
    ///   - images: Images with values in [0, 1].
    ///   - generator: The source of the random crop offsets and flips.
    /// - Precondition: ``validate(for:source:)`` passes for the images' shape.
    public func apply(to images: Tensor, generator: inout SeededGenerator) -> Tensor {
        var result = images
        if let resize {
            result = ImageTransforms.resizeBilinear(result, to: resize)
        }
        if let channelCount {
            result = ImageTransforms.replicateChannels(result, count: channelCount)
        }
        if cropPadding > 0 {
            result = ImageTransforms.randomCrop(result, padding: cropPadding, generator: &generator)
        }
        if horizontalFlipProbability > 0 {
            result = ImageTransforms.randomHorizontalFlip(result, probability: horizontalFlipProbability, generator: &generator)
        }
        if let normalization {
            result = ImageTransforms.normalize(result, normalization)
        }
        return result
    }
}

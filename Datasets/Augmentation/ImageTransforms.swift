import TensorCore

/// The height and width of an image, in pixels.
public struct ImageSize: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The number of pixel rows.
    public var height: Int
    /// The number of pixel columns.
    public var width: Int

    /// Creates a size from its height and width.
    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// Creates the size of a square image.
    public init(side: Int) {
        self.init(height: side, width: side)
    }

    /// `height×width`, such as `28×28`.
    public var description: String { "\(height)×\(width)" }
}

/// Image transforms on batches of images held in a `Tensor`.
///
/// **Shape**: every transform takes images `[N, C, H, W]` and returns images `[N, C′, H′, W′]`; the
/// random ones draw from the generator they are given, so a seed reproduces them.
public enum ImageTransforms {
    /// Resizes every image by bilinear interpolation.
    ///
    /// The sampling is that of PyTorch's `interpolate(mode: "bilinear", align_corners: False)`
    /// without antialiasing: output pixel `i` reads the input at `(i + 0.5) × in / out − 0.5`
    /// (half-pixel centres), clamped to the image, between the two nearest input pixels. Shrinking
    /// by a large factor therefore skips pixels rather than averaging them.
    ///
    /// **Shape**: `[N, C, H, W] → [N, C, size.height, size.width]`.
    ///
    /// - Precondition: `images` has rank 4 and both sizes are positive.
    public static func resizeBilinear(_ images: Tensor, to size: ImageSize) -> Tensor {
        precondition(images.rank == 4, "resizeBilinear: images of shape \(images.shape) are not [N, C, H, W]")
        precondition(size.height > 0 && size.width > 0, "resizeBilinear: size \(size) is not positive")
        let (count, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        if height == size.height && width == size.width { return images.detached() }
        let plan = BilinearPlan(from: ImageSize(height: height, width: width), to: size)
        let planeCount = count * channels
        return Tensor(shape: [count, channels, size.height, size.width]) { output in
            images.withUnsafeScalars { input in
                for plane in 0..<planeCount {
                    plan.resize(
                        UnsafeBufferPointer(rebasing: input[(plane * height * width)..<((plane + 1) * height * width)]),
                        into: UnsafeMutableBufferPointer(
                            rebasing: output[(plane * size.height * size.width)..<((plane + 1) * size.height * size.width)]))
                }
            }
        }
    }

    /// Repeats a single channel `count` times, turning grayscale images into (gray) RGB ones.
    ///
    /// **Shape**: `[N, 1, H, W] → [N, count, H, W]`; images that already have `count` channels
    /// are returned unchanged.
    ///
    /// - Precondition: `images` has rank 4 with 1 or `count` channels.
    public static func replicateChannels(_ images: Tensor, count: Int) -> Tensor {
        precondition(images.rank == 4, "replicateChannels: images of shape \(images.shape) are not [N, C, H, W]")
        if images.shape[1] == count { return images.detached() }
        precondition(images.shape[1] == 1, "replicateChannels: images with \(images.shape[1]) channels cannot become \(count)")
        let (imageCount, planeSize) = (images.shape[0], images.shape[2] * images.shape[3])
        return Tensor(shape: [imageCount, count, images.shape[2], images.shape[3]]) { output in
            images.withUnsafeScalars { input in
                for image in 0..<imageCount {
                    for channel in 0..<count {
                        let target = (image * count + channel) * planeSize
                        for pixel in 0..<planeSize {
                            output[target + pixel] = input[image * planeSize + pixel]
                        }
                    }
                }
            }
        }
    }

    /// Pads every image with `padding` zeros on each side, then cuts a window of the original size
    /// at a random position (drawn per image, uniformly over the `(2 × padding + 1)²` positions).
    ///
    /// The padding is zero, the background of the digit data sets, in the units of the images
    /// (0 before normalisation, so apply this before ``normalize(_:_:)``).
    ///
    /// **Shape**: `[N, C, H, W] → [N, C, H, W]`.
    ///
    /// - Precondition: `images` has rank 4 and `padding >= 0`.
    public static func randomCrop(_ images: Tensor, padding: Int, generator: inout SeededGenerator) -> Tensor {
        precondition(images.rank == 4, "randomCrop: images of shape \(images.shape) are not [N, C, H, W]")
        precondition(padding >= 0, "randomCrop: padding \(padding) is negative")
        if padding == 0 { return images.detached() }
        let (count, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        var offsets: [(rows: Int, columns: Int)] = []
        for _ in 0..<count {
            let rows = SeededSampling.uniformIndex(below: 2 * padding + 1, using: &generator) - padding
            let columns = SeededSampling.uniformIndex(below: 2 * padding + 1, using: &generator) - padding
            offsets.append((rows, columns))
        }
        return Tensor(shape: images.shape) { output in
            images.withUnsafeScalars { input in
                for image in 0..<count {
                    let (rowOffset, columnOffset) = offsets[image]
                    for channel in 0..<channels {
                        let base = (image * channels + channel) * height * width
                        for row in 0..<height {
                            let sourceRow = row + rowOffset
                            for column in 0..<width {
                                let sourceColumn = column + columnOffset
                                let inside = sourceRow >= 0 && sourceRow < height && sourceColumn >= 0 && sourceColumn < width
                                output[base + row * width + column] = inside ? input[base + sourceRow * width + sourceColumn] : 0
                            }
                        }
                    }
                }
            }
        }
    }

    /// Mirrors each image left to right with the given probability (drawn per image).
    ///
    /// Off by default in ``Augmentation``: a mirrored digit is often not a digit (or, for 2 and 5,
    /// another one), so use it for photographs, not for digits.
    ///
    /// **Shape**: `[N, C, H, W] → [N, C, H, W]`.
    ///
    /// - Precondition: `images` has rank 4 and `probability` is in `0...1`.
    public static func randomHorizontalFlip(_ images: Tensor, probability: Float, generator: inout SeededGenerator) -> Tensor {
        precondition(images.rank == 4, "randomHorizontalFlip: images of shape \(images.shape) are not [N, C, H, W]")
        precondition((0...1).contains(probability), "randomHorizontalFlip: probability \(probability) is outside 0...1")
        let (count, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let flips = (0..<count).map { _ in generator.nextUniform() < probability }
        var result = images.detached()
        result.withUnsafeMutableScalars { buffer in
            for image in 0..<count where flips[image] {
                for row in 0..<(channels * height) {
                    let start = (image * channels * height + row) * width
                    var left = start
                    var right = start + width - 1
                    while left < right {
                        buffer.swapAt(left, right)
                        left += 1
                        right -= 1
                    }
                }
            }
        }
        return result
    }

    /// Subtracts each channel's mean and divides by its standard deviation:
    /// `x′[n, c] = (x[n, c] − mean[c]) / standardDeviation[c]`.
    ///
    /// **Shape**: `[N, C, H, W] → [N, C, H, W]`, with `C` equal to the normalisation's channel count.
    ///
    /// - Precondition: `images` has rank 4 and as many channels as the normalisation.
    public static func normalize(_ images: Tensor, _ normalization: ChannelNormalization) -> Tensor {
        precondition(images.rank == 4, "normalize: images of shape \(images.shape) are not [N, C, H, W]")
        let channels = images.shape[1]
        precondition(
            normalization.mean.count == channels,
            "normalize: a normalisation of \(normalization.mean.count) channels cannot apply to \(channels)")
        let planeSize = images.shape[2] * images.shape[3]
        var result = images.detached()
        result.withUnsafeMutableScalars { buffer in
            for image in 0..<images.shape[0] {
                for channel in 0..<channels {
                    let mean = normalization.mean[channel]
                    let scale = 1 / normalization.standardDeviation[channel]
                    let base = (image * channels + channel) * planeSize
                    for pixel in base..<(base + planeSize) {
                        buffer[pixel] = (buffer[pixel] - mean) * scale
                    }
                }
            }
        }
        return result
    }
}

/// Precomputed source positions and weights for bilinear resizing along both axes
/// (half-pixel centres, as PyTorch's `align_corners=False`).
struct BilinearPlan {
    struct Axis {
        var lower: [Int]
        var upper: [Int]
        var upperWeight: [Float]

        init(from input: Int, to output: Int) {
            let scale = Float(input) / Float(output)
            lower = []
            upper = []
            upperWeight = []
            for index in 0..<output {
                let position = max(0, (Float(index) + 0.5) * scale - 0.5)
                let low = min(Int(position), input - 1)
                lower.append(low)
                upper.append(min(low + 1, input - 1))
                upperWeight.append(position - Float(low))
            }
        }
    }

    let input: ImageSize
    let output: ImageSize
    let rows: Axis
    let columns: Axis

    init(from input: ImageSize, to output: ImageSize) {
        self.input = input
        self.output = output
        rows = Axis(from: input.height, to: output.height)
        columns = Axis(from: input.width, to: output.width)
    }

    /// Resizes one plane of `input.height × input.width` values into `output.height × output.width`.
    func resize(_ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<Float>) {
        let width = input.width
        for row in 0..<output.height {
            let top = rows.lower[row] * width
            let bottom = rows.upper[row] * width
            let rowWeight = rows.upperWeight[row]
            for column in 0..<output.width {
                let left = columns.lower[column]
                let right = columns.upper[column]
                let columnWeight = columns.upperWeight[column]
                let upperValue = source[top + left] + (source[top + right] - source[top + left]) * columnWeight
                let lowerValue = source[bottom + left] + (source[bottom + right] - source[bottom + left]) * columnWeight
                destination[row * output.width + column] = upperValue + (lowerValue - upperValue) * rowWeight
            }
        }
    }
}

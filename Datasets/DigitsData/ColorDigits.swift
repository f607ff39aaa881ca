import Dispatch
import Foundation

/// A colour digits domain built as MNIST-M is (Ganin & Lempitsky, "Unsupervised Domain Adaptation
/// by Backpropagation", ICML 2015): each grayscale digit is blended with a random crop of a colour
/// photo, our stand-in for SVHN in the papers' SVHN → MNIST experiments.
///
/// For image `i`, a generator seeded from `(seed, i)` picks one of the photos and the top-left
/// corner of a window the size of the digit, uniformly over the positions that fit; then every
/// output sample is the absolute difference of the photo and the digit, channel by channel:
///
///     output[c, y, x] = |photo[top + y, left + x, c] − digit[y, x]|
///
/// so ink inverts the photo's colours and the background shows the photo. Each image depends only
/// on the seed, its index and its digit: the same seed always gives the same data set.
///
/// The photos are scikit-learn's `china.jpg` and `flower.jpg` (640 × 427, CC BY 2.0; see NOTICE),
/// fetched by `Scripts/fetch-photos.sh` and read by ``loadPhotos(dataDirectory:)``. MNIST-M used
/// BSDS500 photos, which cannot be had here; two photos give less background variety.
///
/// **Shape**: digits `[N, 1, H, W]` → colour digits `[N, 3, S, S]` bytes, where `S` is
/// `imageSide` (the digits are first resized bilinearly to `S × S` when it differs from their size).
public enum ColorDigits {
    /// The photos, relative to the data directory.
    public static let photoRelativePaths = [
        "raw/sklearn/datasets/images/china.jpg",
        "raw/sklearn/datasets/images/flower.jpg",
    ]
    /// How to obtain the photos, given in the error for a missing one.
    public static let fetchHint = "run Scripts/fetch-photos.sh (from the package root) to fetch it"
    /// The seed ``DataCatalog`` uses for `color-mnist`.
    public static let defaultSeed: UInt64 = 2015

    /// Reads the two photos (3-channel RGB).
    ///
    /// - Parameter dataDirectory: The directory holding `raw/sklearn/`; by default
    ///   ``DataDirectory/resolved(environment:)`` (`$HASHING_DATA`, else `./data`).
    /// - Throws: ``DatasetError/missingFile(path:hint:)`` naming `Scripts/fetch-photos.sh` when a
    ///   photo is missing, or a decoding error.
    public static func loadPhotos(dataDirectory: URL = DataDirectory.resolved()) throws -> [DecodedImage] {
        try photoRelativePaths.map { relativePath in
            let url = dataDirectory.appendingPathComponent(relativePath)
            return try decodePhoto(DataFile.read(url, hint: fetchHint), source: url.path)
        }
    }

    /// Blends every digit with a random crop of a photo; see ``ColorDigits`` for the construction.
    ///
    /// - Parameters:
    ///   - digits: Grayscale digits (one channel), such as MNIST.
    ///   - photos: Background photos with 3 channels (or 1, used as gray in all three), each at
    ///     least `imageSide × imageSide`.
    ///   - seed: The seed of the photo and window choices.
    ///   - imageSide: The side of the output images; the digits' size by default (they must be
    ///     square then).
    ///   - name: The name of the result; `color-<digits' name>` by default.
    /// - Returns: The colour digits, with the digits' labels, in the digits' order.
    /// - Throws: ``DatasetError/unexpectedShape(source:expected:found:)`` for digits that are not
    ///   grayscale (or not square without `imageSide`), and
    ///   ``DatasetError/invalidConfiguration(source:reason:)`` for no photos or a photo that is too
    ///   small or has an unusable channel count.
    public static func make(
        from digits: DigitsDataset, photos: [DecodedImage], seed: UInt64, imageSide: Int? = nil, name: String? = nil
    ) throws -> DigitsDataset {
        guard digits.imageShape[0] == 1 else {
            throw DatasetError.unexpectedShape(source: digits.name, expected: "grayscale digits (1 channel)", found: "\(digits.imageShape)")
        }
        guard imageSide != nil || digits.imageShape[1] == digits.imageShape[2] else {
            throw DatasetError.unexpectedShape(
                source: digits.name, expected: "square digits, or an imageSide to resize them to", found: "\(digits.imageShape)")
        }
        let side = imageSide ?? digits.imageShape[1]
        guard side > 0 else {
            throw DatasetError.invalidConfiguration(source: digits.name, reason: "image side \(side) is not positive")
        }
        guard !photos.isEmpty else {
            throw DatasetError.invalidConfiguration(source: digits.name, reason: "no photos to blend the digits with")
        }
        for (number, photo) in photos.enumerated() {
            guard photo.channels == 3 || photo.channels == 1 else {
                throw DatasetError.invalidConfiguration(
                    source: "photo \(number)", reason: "\(photo.channels) channels; need 3 (RGB) or 1 (gray)")
            }
            guard photo.width >= side, photo.height >= side else {
                throw DatasetError.invalidConfiguration(
                    source: "photo \(number)", reason: "\(photo.width) × \(photo.height) is smaller than one \(side) × \(side) crop")
            }
        }
        let sized = digits.resized(to: ImageSize(side: side))
        let planeSize = side * side
        let imageSize = 3 * planeSize
        var output = [UInt8](repeating: 0, count: sized.count * imageSize)
        let chunkCount = min(sized.count, 4 * ProcessInfo.processInfo.activeProcessorCount)
        output.withUnsafeMutableBufferPointer { outputBuffer in
            let outputBase = outputBuffer.baseAddress
            sized.images.withUnsafeBufferPointer { digitPixels in
                DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
                    let range = (sized.count * chunk / chunkCount)..<(sized.count * (chunk + 1) / chunkCount)
                    for image in range {
                        var generator = SeededSampling.generator(seed: seed, .colorDigits, [image])
                        let photo = photos[SeededSampling.uniformIndex(below: photos.count, using: &generator)]
                        let top = SeededSampling.uniformIndex(below: photo.height - side + 1, using: &generator)
                        let left = SeededSampling.uniformIndex(below: photo.width - side + 1, using: &generator)
                        let channels = photo.channels
                        photo.pixels.withUnsafeBufferPointer { photoPixels in
                            for y in 0..<side {
                                for x in 0..<side {
                                    let digit = Int(digitPixels[image * planeSize + y * side + x])
                                    let photoOffset = ((top + y) * photo.width + left + x) * channels
                                    for channel in 0..<3 {
                                        let background = Int(photoPixels[photoOffset + (channels == 3 ? channel : 0)])
                                        outputBase![image * imageSize + channel * planeSize + y * side + x] =
                                            UInt8(abs(background - digit))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return DigitsDataset(
            uncheckedName: name ?? "color-\(digits.name)", images: output, imageShape: [3, side, side], labels: sized.labels,
            classCount: sized.classCount, labelSets: sized.labelSets)
    }

    /// Decodes one photo file to RGB.
    static func decodePhoto(_ bytes: [UInt8], source: String) throws -> DecodedImage {
        try JPEGDecoder(colorMode: .rgb).decode(bytes, source: source)
    }
}

import Foundation

/// Two small real handwritten-digit sets shipped inside the package, so that training and
/// evaluation run with no download: optdigits (1,797 images, 8 × 8) and the pixel view of UCI
/// Multiple Features (2,000 images, 16 × 15).
///
/// They come from different writers, scanners and preprocessing, so together they also make a
/// real, small domain-adaptation pair (``domainPair(from:imageSize:sourceValidationPerClass:targetQueryPerClass:seed:)``).
///
/// The files in `Datasets/Embedded` are gzipped IDX files holding the sources' original pixel
/// values (0–16 and 0–6) in the sources' order; they were written by
/// `Scripts/make_embedded_data.py` from the files the fetch scripts download. On load, each file
/// is decompressed (zlib checks its gzip CRC-32 and length), its image count, shape, pixel range
/// and labels are checked, then pixels are scaled to 0–255 exactly as ``Optdigits`` and
/// ``MultipleFeatures`` scale them, so the embedded sets equal the fetched ones.
///
/// ```swift
/// let source = try EmbeddedDigits.optdigits()          // 1,797 × [1, 8, 8]
/// let target = try EmbeddedDigits.multipleFeatures()   // 2,000 × [1, 16, 15]
/// ```
///
/// Licence: both CC BY 4.0 (UCI Machine Learning Repository); see NOTICE.
public enum EmbeddedDigits {
    static let optdigitsImages = "optdigits-images-idx3-ubyte.gz"
    static let optdigitsLabels = "optdigits-labels-idx1-ubyte.gz"
    static let multipleFeaturesImages = "mfeat-pix-images-idx3-ubyte.gz"
    static let multipleFeaturesLabels = "mfeat-pix-labels-idx1-ubyte.gz"

    /// The embedded files, for checks and reports.
    static let files = [optdigitsImages, optdigitsLabels, multipleFeaturesImages, multipleFeaturesLabels]

    /// The image size both sets are brought to by default when used together: 28 × 28, the MNIST
    /// size, so that the same backbones take all the digit sets.
    public static let defaultCommonSize = ImageSize(side: 28)

    /// Loads the embedded optdigits: 1,797 images, pixels scaled to 0–255 as ``Optdigits`` does.
    ///
    /// **Shape**: images `[1797, 1, 8, 8]`; labels `[1797]`.
    ///
    /// - Throws: ``DatasetError`` when an embedded file is missing from the bundle, corrupt, or
    ///   not the data set it should hold.
    public static func optdigits() throws -> DigitsDataset {
        try load(
            images: optdigitsImages, labels: optdigitsLabels, name: "optdigits", imageCount: Optdigits.imageCount,
            imageShape: Optdigits.imageShape, maximumRawValue: Optdigits.maximumRawValue, scale: Optdigits.scaledPixel)
    }

    /// Loads the embedded mfeat-pix: 2,000 images, pixels scaled to 0–255 as ``MultipleFeatures`` does.
    ///
    /// **Shape**: images `[2000, 1, 16, 15]`; labels `[2000]`.
    ///
    /// - Throws: ``DatasetError`` when an embedded file is missing from the bundle, corrupt, or
    ///   not the data set it should hold.
    public static func multipleFeatures() throws -> DigitsDataset {
        try load(
            images: multipleFeaturesImages, labels: multipleFeaturesLabels, name: "mfeat",
            imageCount: MultipleFeatures.imageCount, imageShape: MultipleFeatures.imageShape, maximumRawValue: MultipleFeatures.maximumRawValue,
            scale: MultipleFeatures.scaledPixel)
    }

    /// Both sets resized to one size by bilinear interpolation (``DigitsDataset/resized(to:name:)``).
    ///
    /// **Shape**: images `[1797, 1, H, W]` and `[2000, 1, H, W]` for `imageSize` `H × W`.
    ///
    /// - Parameter imageSize: The common size; 28 × 28 by default. 16 × 16 keeps mfeat-pix nearly
    ///   as it is and is faster to train on.
    public static func commonSize(_ imageSize: ImageSize = defaultCommonSize) throws -> (
        optdigits: DigitsDataset, multipleFeatures: DigitsDataset
    ) {
        (try optdigits().resized(to: imageSize), try multipleFeatures().resized(to: imageSize))
    }

    /// The two sets resized to one size and concatenated, optdigits first: 3,797 real handwritten
    /// digits of two sources, the `embedded-digits` entry of ``DataCatalog``.
    ///
    /// **Shape**: images `[3797, 1, H, W]` for `imageSize` `H × W`; labels `[3797]`.
    ///
    /// - Parameter imageSize: The common size; 28 × 28 by default.
    public static func combined(imageSize: ImageSize = defaultCommonSize) throws -> DigitsDataset {
        let (first, second) = try commonSize(imageSize)
        return DigitsDataset(
            uncheckedName: "embedded-digits", images: first.images + second.images, imageShape: first.imageShape,
            labels: first.labels + second.labels, classCount: 10)
    }

    /// A domain pair of the two embedded sets at a common size: the source labelled, the target
    /// split per class into queries and unlabelled training images (which are also the database).
    ///
    /// See ``DomainPair/make(name:source:target:protocol:seed:)`` for the rules.
    ///
    /// - Parameters:
    ///   - source: Which set is the labelled source; the other is the target.
    ///   - imageSize: The common size; 28 × 28 by default.
    ///   - sourceValidationPerClass: Labelled source images per class held out for validation.
    ///   - targetQueryPerClass: Target images per class used as queries.
    ///   - seed: The seed of the splits.
    public static func domainPair(
        from source: Domain, imageSize: ImageSize = defaultCommonSize, sourceValidationPerClass: Int = 10,
        targetQueryPerClass: Int = 20, seed: UInt64
    ) throws -> DomainPair {
        let (optdigitsSet, multipleFeaturesSet) = try commonSize(imageSize)
        let (sourceSet, targetSet) =
            source == .optdigits ? (optdigitsSet, multipleFeaturesSet) : (multipleFeaturesSet, optdigitsSet)
        return try DomainPair.make(
            name: "\(sourceSet.name)-to-\(targetSet.name)", source: sourceSet, target: targetSet,
            protocol: DomainPairProtocol(
                sourceValidationPerClass: sourceValidationPerClass, targetQueryPerClass: targetQueryPerClass),
            seed: seed)
    }

    /// One of the two embedded sets.
    public enum Domain: String, CaseIterable, Sendable {
        /// The UCI optdigits images (8 × 8).
        case optdigits
        /// The UCI Multiple Features pixel images (16 × 15).
        case multipleFeatures = "mfeat"
    }

    /// Reads and decompresses one embedded file from the bundle.
    static func content(of name: String) throws -> [UInt8] {
        let (stored, url) = try storedBytes(of: name)
        return try decompressedContent(stored, source: url.path)
    }

    /// The bytes of one embedded file as the bundle holds them (gzip), and where it is.
    static func storedBytes(of name: String) throws -> (bytes: [UInt8], url: URL) {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Embedded") else {
            throw DatasetError.missingFile(
                path: "Embedded/\(name)",
                hint: "the package's resource bundle lacks it; regenerate it with Scripts/make_embedded_data.py")
        }
        return (try DataFile.read(url), url)
    }

    /// Decompresses the bytes of an embedded file, which must be gzip.
    ///
    /// No checksum of our own: gzip stores the CRC-32 and the length of its content, and zlib's
    /// inflate (``Zlib/decompress(_:source:sizeHint:maximumSize:)``, windowBits 15 + 32) verifies
    /// both, so a damaged or cut file already throws ``DatasetError``; what gzip cannot know (the
    /// image count, shape, pixel range and labels) is checked by the loader.
    static func decompressedContent(_ stored: [UInt8], source: String) throws -> [UInt8] {
        // A file cut inside the magic number is left to zlib, which calls it truncated.
        guard Zlib.isGzip(stored) || stored.count < 2 && stored.elementsEqual([0x1F, 0x8B].prefix(stored.count)) else {
            throw DatasetError.wrongMagic(
                source: source, expected: "a gzip file (1F 8B), as Scripts/make_embedded_data.py writes",
                found: hexadecimal(stored.prefix(4)))
        }
        return try Zlib.decompress(stored, source: source)
    }

    private static func load(
        images imagesFile: String, labels labelsFile: String, name: String, imageCount: Int, imageShape: [Int],
        maximumRawValue: Int, scale: (Int) -> UInt8
    ) throws -> DigitsDataset {
        let imageArray = try IDXReader.read(content(of: imagesFile), source: imagesFile)
        try imageArray.require(.unsignedByte, rank: 3, source: imagesFile)
        let labelArray = try IDXReader.read(content(of: labelsFile), source: labelsFile)
        try labelArray.require(.unsignedByte, rank: 1, source: labelsFile)
        guard imageArray.dimensions == [imageCount] + imageShape.dropFirst() else {
            throw DatasetError.unexpectedShape(
                source: imagesFile, expected: "\(imageCount) images of \(imageShape.dropFirst())",
                found: "dimensions \(imageArray.dimensions)")
        }
        if let index = imageArray.bytes.firstIndex(where: { Int($0) > maximumRawValue }) {
            throw DatasetError.invalidFormat(
                source: imagesFile,
                reason: "pixel \(index) is \(imageArray.bytes[index]), above the largest raw value \(maximumRawValue)")
        }
        let table = (0...maximumRawValue).map(scale)
        // DigitsDataset checks the label count and that every label is in 0..<10.
        return try DigitsDataset(
            name: name, images: imageArray.bytes.map { table[Int($0)] }, imageShape: imageShape,
            labels: labelArray.bytes.map(Int.init), classCount: 10)
    }
}

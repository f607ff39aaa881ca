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
/// `Scripts/make_embedded_data.py` from the files the fetch scripts download. On load, the
/// SHA-256 of each decompressed file is checked against the value recorded here, then pixels are
/// scaled to 0–255 exactly as ``Optdigits`` and ``MultipleFeatures`` scale them, so the embedded
/// sets equal the fetched ones.
///
/// ```swift
/// let source = try EmbeddedDigits.optdigits()          // 1,797 × [1, 8, 8]
/// let target = try EmbeddedDigits.multipleFeatures()   // 2,000 × [1, 16, 15]
/// ```
///
/// Licence: both CC BY 4.0 (UCI Machine Learning Repository); see NOTICE.
public enum EmbeddedDigits {
    /// One embedded file: its resource name and the SHA-256 of its decompressed content.
    struct File: Sendable {
        var name: String
        var contentSHA256: String
    }

    static let optdigitsImages = File(
        name: "optdigits-images-idx3-ubyte.gz",
        contentSHA256: "359cd13f0f514122884198b78a131df597421cbf5e93a76678fa96fc548f0d96")
    static let optdigitsLabels = File(
        name: "optdigits-labels-idx1-ubyte.gz",
        contentSHA256: "ce71631c1f31ce56fa54f31d1d498fafacff59b001e6c30c4a5e29508aa277ad")
    static let multipleFeaturesImages = File(
        name: "mfeat-pix-images-idx3-ubyte.gz",
        contentSHA256: "61254d00fd3d460b9bb54f6b04d8cd2a8ac17f0566156ec6854b63528a20dd6d")
    static let multipleFeaturesLabels = File(
        name: "mfeat-pix-labels-idx1-ubyte.gz",
        contentSHA256: "eb38fdf2e7cddffd64c12cfddcab895a23599b60b02814c435fb3787b8eace28")

    /// The embedded files, for checks and reports.
    static let files = [optdigitsImages, optdigitsLabels, multipleFeaturesImages, multipleFeaturesLabels]

    /// The image size both sets are brought to by default when used together: 28 × 28, the MNIST
    /// size, so that the same backbones take all the digit sets.
    public static let defaultCommonSize = ImageSize(side: 28)

    /// Loads the embedded optdigits: 1,797 images, pixels scaled to 0–255 as ``Optdigits`` does.
    ///
    /// **Shape**: images `[1797, 1, 8, 8]`; labels `[1797]`.
    ///
    /// - Throws: ``DatasetError`` when an embedded file is missing from the bundle or its checksum
    ///   does not match (a damaged or regenerated file).
    public static func optdigits() throws -> DigitsDataset {
        try load(
            images: optdigitsImages, labels: optdigitsLabels, name: "optdigits", imageShape: Optdigits.imageShape,
            maximumRawValue: Optdigits.maximumRawValue, scale: Optdigits.scaledPixel)
    }

    /// Loads the embedded mfeat-pix: 2,000 images, pixels scaled to 0–255 as ``MultipleFeatures`` does.
    ///
    /// **Shape**: images `[2000, 1, 16, 15]`; labels `[2000]`.
    ///
    /// - Throws: ``DatasetError`` when an embedded file is missing from the bundle or its checksum
    ///   does not match.
    public static func multipleFeatures() throws -> DigitsDataset {
        try load(
            images: multipleFeaturesImages, labels: multipleFeaturesLabels, name: "mfeat",
            imageShape: MultipleFeatures.imageShape, maximumRawValue: MultipleFeatures.maximumRawValue,
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

    /// Reads one embedded file from the bundle, checking the SHA-256 of its decompressed content.
    static func verifiedContent(of file: File) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: file.name, withExtension: nil, subdirectory: "Embedded") else {
            throw DatasetError.missingFile(
                path: "Embedded/\(file.name)",
                hint: "the package's resource bundle lacks it; regenerate it with Scripts/make_embedded_data.py")
        }
        let stored = try DataFile.read(url)
        let content = Zlib.isGzip(stored) ? try Zlib.decompress(stored, source: url.path) : stored
        let digest = SHA256.hexDigest(content)
        guard digest == file.contentSHA256 else {
            throw DatasetError.checksumMismatch(
                source: url.path, what: "the SHA-256 of the decompressed content", expected: file.contentSHA256, actual: digest)
        }
        return content
    }

    private static func load(
        images imagesFile: File, labels labelsFile: File, name: String, imageShape: [Int], maximumRawValue: Int,
        scale: (Int) -> UInt8
    ) throws -> DigitsDataset {
        let imageArray = try IDXReader.read(verifiedContent(of: imagesFile), source: imagesFile.name)
        try imageArray.require(.unsignedByte, rank: 3, source: imagesFile.name)
        let labelArray = try IDXReader.read(verifiedContent(of: labelsFile), source: labelsFile.name)
        try labelArray.require(.unsignedByte, rank: 1, source: labelsFile.name)
        guard Array(imageArray.dimensions.dropFirst()) == Array(imageShape.dropFirst()) else {
            throw DatasetError.unexpectedShape(
                source: imagesFile.name, expected: "images of \(imageShape.dropFirst())",
                found: "dimensions \(imageArray.dimensions)")
        }
        // Scale through a lookup table; a raw value above the maximum cannot pass the checksum.
        let table = (0...255).map { $0 <= maximumRawValue ? scale($0) : 255 }
        return try DigitsDataset(
            name: name, images: imageArray.bytes.map { table[Int($0)] }, imageShape: imageShape,
            labels: labelArray.bytes.map(Int.init), classCount: 10)
    }
}

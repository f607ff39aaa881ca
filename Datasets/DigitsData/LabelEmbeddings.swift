import Foundation

/// Vectors for the class names of a data set, one row per class: the input of label-prototype
/// hashing (SemanticHash, DAH), which projects each class's vector to a K-bit prototype.
///
/// The package embeds sentence embeddings (all-MiniLM-L6-v2, 384 dimensions, unit rows) of the
/// class names of every data set it knows, computed offline by `Scripts/make_label_embeddings.py`;
/// its CRC-32 is checked on load. Users give their own as a `.npy` array `[classes, dimension]`.
///
/// ```swift
/// let words = try LabelEmbeddings.builtIn(forDataset: "fashion-mnist")   // 10 × 384
/// let mine = try LabelEmbeddings.load(npyAt: url, classCount: 10)
/// ```
public struct LabelEmbeddings: Equatable, Sendable {
    /// Row-major `[classCount, dimension]`.
    public let vectors: [Float]
    public let classCount: Int
    public let dimension: Int
    /// Where they came from (`embedded:digits`, or a file path).
    public let source: String

    /// The class names behind each embedded vocabulary, in class-index order.
    public static let vocabularies: [String: [String]] = [
        "digits": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
        "fashion-mnist": ["T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"],
        "cifar10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
        "cifar100": cifar100Names,
    ]

    /// CIFAR-100's fine labels in class-index order (underscores read as spaces).
    static let cifar100Names: [String] =
        ("apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle "
        + "caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish "
        + "forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle "
        + "mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine "
        + "possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar "
        + "sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale "
        + "willow_tree wolf woman worm").split(separator: " ").map { $0.replacingOccurrences(of: "_", with: " ") }

    /// The embedded vocabulary of a data set or domain pair (by the catalog's names), or `nil`.
    public static func vocabularyName(forDataset name: String) -> String? {
        switch name {
        case "mnist", "mfeat", "mfeat-framed", "optdigits", "embedded-digits", "color-mnist": return "digits"
        case "fashion-mnist", "cifar10", "cifar100": return name
        default:
            // A domain pair's domains share their classes: the source's vocabulary.
            if let range = name.range(of: "-to-") { return vocabularyName(forDataset: String(name[..<range.lowerBound])) }
            return nil
        }
    }

    /// The embedded vectors of a data set's class names, or `nil` when the package has none for it.
    public static func builtIn(forDataset name: String) throws -> LabelEmbeddings? {
        guard let vocabulary = vocabularyName(forDataset: name) else { return nil }
        return try embedded(vocabulary: vocabulary)
    }

    /// One embedded vocabulary (`digits`, `fashion-mnist`, `cifar10`, `cifar100`).
    ///
    /// - Throws: ``DatasetError/checksumMismatch(source:what:expected:actual:)`` when the embedded
    ///   file is not the one the script wrote, or ``DatasetError/unknownName(kind:name:available:)``.
    public static func embedded(vocabulary: String) throws -> LabelEmbeddings {
        let (bytes, url) = try EmbeddedDigits.storedBytes(of: "label-embeddings.npz")
        // A whole-file CRC-32 recorded by the generating script: it tells a damaged or replaced
        // file apart from the one the vectors were computed into (the zip members' own CRCs
        // only tell that each member is intact).
        let checksum = bytes.withUnsafeBytes { Zlib.crc32($0) }
        guard bytes.count == embeddedFileByteCount, checksum == embeddedFileCRC32 else {
            throw DatasetError.checksumMismatch(
                source: url.path, what: "the CRC-32 of the embedded label embeddings", expected: String(embeddedFileCRC32, radix: 16),
                actual: String(checksum, radix: 16))
        }
        let archive = try NPZReader.read(bytes, source: url.path)
        guard archive.names.contains(vocabulary) else {
            throw DatasetError.unknownName(kind: "label vocabulary", name: vocabulary, available: archive.names.sorted())
        }
        return try LabelEmbeddings(array: archive.array(named: vocabulary, source: url.path), source: "embedded:\(vocabulary)")
    }

    /// A user's vectors: a `.npy` array `[classes, dimension]` of float32 or float64.
    ///
    /// - Throws: one ``DatasetError`` naming the file when it is not such an array, or when its
    ///   row count is not `classCount`.
    public static func load(npyAt url: URL, classCount: Int) throws -> LabelEmbeddings {
        let embeddings = try LabelEmbeddings(array: NPYReader.read(contentsOf: url), source: url.path)
        guard embeddings.classCount == classCount else {
            throw DatasetError.unexpectedShape(
                source: url.path, expected: "one row per class: [\(classCount), dimension]",
                found: "[\(embeddings.classCount), \(embeddings.dimension)]")
        }
        return embeddings
    }

    init(array: NumpyArray, source: String) throws {
        guard array.shape.count == 2, array.shape[0] > 0, array.shape[1] > 0 else {
            throw DatasetError.unexpectedShape(source: source, expected: "a 2-D array [classes, dimension]", found: "\(array.shape)")
        }
        guard array.dataType == .float32 || array.dataType == .float64 else {
            throw DatasetError.unsupportedElementType(source: source, found: array.dataType.descriptor, supported: "float32 or float64")
        }
        let values = array.floatValues()
        guard values.allSatisfy(\.isFinite) else {
            throw DatasetError.invalidFormat(source: source, reason: "label embeddings hold NaN or infinite values")
        }
        self.vectors = values
        self.classCount = array.shape[0]
        self.dimension = array.shape[1]
        self.source = source
    }
}

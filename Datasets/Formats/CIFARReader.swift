import Foundation

/// The CIFAR-10 binary batches: 32 × 32 colour images in ten classes.
///
/// Each file of the binary distribution (`cifar-10-batches-bin/data_batch_1.bin` …
/// `data_batch_5.bin` and `test_batch.bin`, 10,000 images each) is a sequence of 3,073-byte
/// records: one label byte (0–9), then 1,024 red, 1,024 green and 1,024 blue bytes, each plane
/// row-major. That is exactly the `[channels, height, width]` layout of ``DigitsDataset``, so a
/// batch reads as a data set of shape `[count, 3, 32, 32]` without reordering.
///
/// ```swift
/// let cifar = try CIFAR10.load(directory: URL(fileURLWithPath: "data/cifar-10-batches-bin"))
/// print(cifar.train.count, cifar.test.count)   // 50000 10000
/// ```
///
/// The `cifar10` entry of ``DataCatalog`` loads the same files from the data directory as one set,
/// training then test (``loadAll(dataDirectory:)``).
///
/// **Shape**: images `[count, 3, 32, 32]` bytes; labels `[count]` in `0..<10`.
public enum CIFAR10 {
    /// The bytes in one record: a label byte and 3 × 32 × 32 pixel bytes.
    public static let recordByteCount = 1 + 3 * 32 * 32
    /// The shape of one image, `[channels, height, width]`.
    public static let imageShape = [3, 32, 32]
    /// The number of classes.
    public static let classCount = 10
    /// The class names, indexed by label (as in `batches.meta.txt`).
    public static let classNames = [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]
    /// The training batches in the binary distribution, in order.
    public static let trainingFileNames = (1...5).map { "data_batch_\($0).bin" }
    /// The test batch in the binary distribution.
    public static let testFileName = "test_batch.bin"

    /// Reads one binary batch file.
    ///
    /// - Parameters:
    ///   - url: The batch file, such as `data_batch_1.bin`.
    ///   - name: The data set's name; the file name without its extension by default.
    /// - Returns: The batch as a data set of `[count, 3, 32, 32]` images with labels in `0..<10`.
    /// - Throws: ``DatasetError`` when the file is missing, empty, not a whole number of
    ///   records, or holds a label outside `0..<10`.
    public static func readBatch(contentsOf url: URL, name: String? = nil) throws -> DigitsDataset {
        try readBatch(DataFile.read(url), name: name ?? url.deletingPathExtension().lastPathComponent, source: url.path)
    }

    /// Reads one binary batch held in memory; see ``readBatch(contentsOf:name:)``.
    ///
    /// - Parameters:
    ///   - bytes: The batch's records.
    ///   - name: The data set's name.
    ///   - source: The file or description named in error messages.
    public static func readBatch(_ bytes: [UInt8], name: String = "cifar10", source: String = "CIFAR-10 batch")
        throws -> DigitsDataset
    {
        let records = try CIFARBinaryFormat(labelByteCount: 1, labelNames: ["label"], labelLimits: [classCount])
            .read(bytes, source: source)
        return DigitsDataset(
            uncheckedName: name, images: records.images, imageShape: imageShape, labels: records.labels[0],
            classCount: classCount)
    }

    /// Loads the whole binary distribution: the five training batches concatenated, and the test batch.
    ///
    /// - Parameter directory: The `cifar-10-batches-bin` directory of the extracted
    ///   `cifar-10-binary.tar.gz`.
    /// - Returns: `cifar10-train` (50,000 images) and `cifar10-test` (10,000 images).
    /// - Throws: ``DatasetError`` when a file is missing or malformed.
    public static func load(directory: URL) throws -> (train: DigitsDataset, test: DigitsDataset) {
        var images: [UInt8] = []
        var labels: [Int] = []
        for fileName in trainingFileNames {
            let batch = try readBatch(contentsOf: directory.appendingPathComponent(fileName))
            images += batch.images
            labels += batch.labels
        }
        let train = DigitsDataset(
            uncheckedName: "cifar10-train", images: images, imageShape: imageShape, labels: labels, classCount: classCount)
        let test = try readBatch(contentsOf: directory.appendingPathComponent(testFileName), name: "cifar10-test")
        return (train, test)
    }
}

/// The CIFAR-100 binary files: 32 × 32 colour images with a coarse label (20 superclasses) and a
/// fine label (100 classes).
///
/// `cifar-100-binary/train.bin` (50,000 images) and `test.bin` (10,000) are sequences of
/// 3,074-byte records: the coarse label byte, the fine label byte, then 1,024 red, 1,024 green
/// and 1,024 blue bytes, each plane row-major.
///
/// The `cifar100` entry of ``DataCatalog`` loads them from the data directory as one set with the
/// fine labels, training then test (``loadAll(dataDirectory:)``).
///
/// **Shape**: images `[count, 3, 32, 32]` bytes; labels `[count]` in `0..<100` (fine) or
/// `0..<20` (coarse).
public enum CIFAR100 {
    /// Which of the two labels of a record becomes the data set's label.
    public enum LabelKind: Sendable {
        /// The 100 classes (the second label byte).
        case fine
        /// The 20 superclasses (the first label byte).
        case coarse

        /// The number of classes of this kind of label.
        public var classCount: Int { self == .fine ? 100 : 20 }
    }

    /// The bytes in one record: two label bytes and 3 × 32 × 32 pixel bytes.
    public static let recordByteCount = 2 + 3 * 32 * 32
    /// The shape of one image, `[channels, height, width]`.
    public static let imageShape = [3, 32, 32]
    /// The training file in the binary distribution.
    public static let trainingFileName = "train.bin"
    /// The test file in the binary distribution.
    public static let testFileName = "test.bin"

    /// The records' parser: coarse label first, then fine.
    static let format = CIFARBinaryFormat(
        labelByteCount: 2, labelNames: ["coarse label", "fine label"], labelLimits: [20, 100])

    /// Reads one binary file with the chosen label.
    ///
    /// - Parameters:
    ///   - url: The file, such as `train.bin`.
    ///   - labels: Which label to keep; the fine label by default.
    ///   - name: The data set's name; the file name without its extension by default.
    /// - Returns: The images `[count, 3, 32, 32]` with labels in `0..<labels.classCount`.
    /// - Throws: ``DatasetError`` when the file is missing, empty, not a whole number of
    ///   records, or holds a label out of range.
    public static func readBatch(contentsOf url: URL, labels: LabelKind = .fine, name: String? = nil) throws
        -> DigitsDataset
    {
        try readBatch(
            DataFile.read(url), labels: labels, name: name ?? url.deletingPathExtension().lastPathComponent,
            source: url.path)
    }

    /// Reads one binary file held in memory; see ``readBatch(contentsOf:labels:name:)``.
    public static func readBatch(
        _ bytes: [UInt8], labels: LabelKind = .fine, name: String = "cifar100", source: String = "CIFAR-100 batch"
    ) throws -> DigitsDataset {
        let records = try format.read(bytes, source: source)
        return DigitsDataset(
            uncheckedName: name, images: records.images, imageShape: imageShape,
            labels: records.labels[labels == .coarse ? 0 : 1], classCount: labels.classCount)
    }

    /// Reads both labels of every record of a binary file held in memory.
    ///
    /// - Returns: The coarse labels (`0..<20`) and fine labels (`0..<100`), one of each per record.
    /// - Throws: ``DatasetError`` as ``readBatch(_:labels:name:source:)`` does.
    public static func readLabels(_ bytes: [UInt8], source: String = "CIFAR-100 batch") throws
        -> (coarse: [Int], fine: [Int])
    {
        let records = try format.read(bytes, source: source)
        return (records.labels[0], records.labels[1])
    }

    /// Loads the binary distribution's training and test files.
    ///
    /// - Parameters:
    ///   - directory: The `cifar-100-binary` directory of the extracted `cifar-100-binary.tar.gz`.
    ///   - labels: Which label to keep; the fine label by default.
    /// - Returns: `cifar100-train` (50,000 images) and `cifar100-test` (10,000 images).
    public static func load(directory: URL, labels: LabelKind = .fine) throws
        -> (train: DigitsDataset, test: DigitsDataset)
    {
        let train = try readBatch(
            contentsOf: directory.appendingPathComponent(trainingFileName), labels: labels, name: "cifar100-train")
        let test = try readBatch(
            contentsOf: directory.appendingPathComponent(testFileName), labels: labels, name: "cifar100-test")
        return (train, test)
    }
}

/// The record layout shared by the CIFAR-10 and CIFAR-100 binary files: label bytes, then a
/// 3 × 32 × 32 image in planar RGB.
struct CIFARBinaryFormat {
    /// The number of label bytes that start each record.
    var labelByteCount: Int
    /// What each label byte is called in error messages.
    var labelNames: [String]
    /// The exclusive upper bound of each label byte.
    var labelLimits: [Int]

    /// The pixel bytes in one record.
    static let imageByteCount = 3 * 32 * 32

    /// The bytes in one record.
    var recordByteCount: Int { labelByteCount + Self.imageByteCount }

    /// Splits a file into its images and its label columns, checking the size and every label.
    func read(_ bytes: [UInt8], source: String) throws -> (images: [UInt8], labels: [[Int]]) {
        guard !bytes.isEmpty else {
            throw DatasetError.truncated(source: source, reason: "the file is empty; a CIFAR batch holds \(recordByteCount)-byte records")
        }
        try rejectOtherFormats(bytes, source: source)
        let recordCount = bytes.count / recordByteCount
        let remainder = bytes.count % recordByteCount
        guard remainder == 0 else {
            throw DatasetError.truncated(
                source: source,
                reason:
                    "\(bytes.count) bytes is \(recordCount) whole \(recordByteCount)-byte records and \(remainder) byte\(remainder == 1 ? "" : "s")"
                    + " of record \(recordCount), which needs \(recordByteCount - remainder) more")
        }
        var images = [UInt8](repeating: 0, count: recordCount * Self.imageByteCount)
        var labels = [[Int]](repeating: [], count: labelByteCount)
        for column in 0..<labelByteCount {
            labels[column].reserveCapacity(recordCount)
        }
        try bytes.withUnsafeBufferPointer { input in
            try images.withUnsafeMutableBufferPointer { output in
                for record in 0..<recordCount {
                    let start = record * recordByteCount
                    for column in 0..<labelByteCount {
                        let label = Int(input[start + column])
                        guard label < labelLimits[column] else {
                            throw DatasetError.invalidLabel(
                                source: source, index: record,
                                reason: "\(labelNames[column]) \(label) is outside 0..<\(labelLimits[column])"
                                    + " (byte \(start + column) of the file)")
                        }
                        labels[column].append(label)
                    }
                    (output.baseAddress! + record * Self.imageByteCount).update(
                        from: input.baseAddress! + start + labelByteCount, count: Self.imageByteCount)
                }
            }
        }
        return (images, labels)
    }

    /// Recognises the files users most often pass by mistake and says what they are.
    private func rejectOtherFormats(_ bytes: [UInt8], source: String) throws {
        let expected = "raw CIFAR binary records (the files inside cifar-*-binary.tar.gz, extracted)"
        if Zlib.isGzip(bytes) {
            throw DatasetError.wrongMagic(
                source: source, expected: expected, found: "gzip data (1F 8B); extract the archive first")
        }
        if bytes.count >= 2 && bytes[0] == 0x80 && (2...5).contains(bytes[1]) {
            throw DatasetError.wrongMagic(
                source: source, expected: expected,
                found: "a Python pickle (\(hexadecimal(bytes.prefix(2)))), the 'python version' of CIFAR; use the binary version")
        }
        if bytes.count >= 262 && bytes[257..<262].elementsEqual(Array("ustar".utf8)) {
            throw DatasetError.wrongMagic(source: source, expected: expected, found: "a tar archive; extract it first")
        }
    }
}

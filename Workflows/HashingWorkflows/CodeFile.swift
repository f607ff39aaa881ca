import Datasets
import Evaluation
import Foundation

/// Binary codes exported as a NumPy `.npz` archive: for each named set, `<name>_codes`
/// (`uint8 [N, K]`, bits as 0/1), `<name>_labels` (`int64 [N]`, −1 where unknown) and, where
/// known, `<name>_indices` (`int64 [N]`, each code's image index in its data set) and, for
/// multi-label data, `<name>_label_sets` (`int64 [N, M]`: each code's classes, padded with −1 to
/// the largest set's size M; `<name>_labels` then holds each image's first object's class).
/// Readable with `numpy.load(path)`; written atomically.
public enum CodeFile {
    /// One named set of codes.
    public struct Set {
        public var name: String
        public var codes: PackedCodes
        public var labels: [Int]
        public var indices: [Int]?
        /// Each code's classes, for multi-label data; `nil` otherwise.
        public var labelSets: [[Int]]?

        public init(name: String, codes: PackedCodes, labels: [Int], indices: [Int]? = nil, labelSets: [[Int]]? = nil) {
            precondition(labelSets == nil || labelSets!.count == labels.count, "CodeFile.Set: one label set per code")
            self.name = name
            self.codes = codes
            self.labels = labels
            self.indices = indices
            self.labelSets = labelSets
        }

        public init(name: String, _ encoded: EncodedSet) {
            self.init(name: name, codes: encoded.codes, labels: encoded.labels, indices: encoded.indices, labelSets: encoded.labelSets)
        }
    }

    public static func write(_ sets: [Set], to url: URL) throws {
        var entries: [(name: String, array: NumpyArray)] = []
        for set in sets {
            let bits: [UInt8] = set.codes.allBools().map { $0 ? 1 : 0 }
            entries.append(("\(set.name)_codes", NumpyArray(shape: [set.codes.count, set.codes.bitCount], values: bits)))
            entries.append(("\(set.name)_labels", NumpyArray(set.labels.map { Int64($0) })))
            if let indices = set.indices { entries.append(("\(set.name)_indices", NumpyArray(indices.map { Int64($0) }))) }
            if let labelSets = set.labelSets { entries.append(("\(set.name)_label_sets", paddedLabelSets(labelSets))) }
        }
        try NPZWriter.write(NPZArchive(entries), to: url)
    }

    /// Label sets as `int64 [N, M]`, each row padded with −1 to the largest set's size M (at least 1).
    static func paddedLabelSets(_ labelSets: [[Int]]) -> NumpyArray {
        let width = max(1, labelSets.map(\.count).max() ?? 1)
        let padded = labelSets.flatMap { $0.map { Int64($0) } + [Int64](repeating: -1, count: width - $0.count) }
        return NumpyArray(shape: [labelSets.count, width], values: padded)
    }

    /// Reads the set `name` back.
    public static func read(_ name: String, from url: URL) throws -> Set {
        let archive = try NPZReader.read(contentsOf: url)
        let codes = try archive.array(named: "\(name)_codes", source: url.path)
        let labels = try archive.array(named: "\(name)_labels", source: url.path)
        guard codes.shape.count == 2, codes.shape[1] > 0, let bits = codes.values(as: UInt8.self), bits.allSatisfy({ $0 <= 1 }) else {
            throw WorkflowError.invalid("\(url.path): \(name)_codes must be a uint8 [N, K] array of 0/1 bits")
        }
        guard let labelValues = labels.integerValues(), labelValues.count == codes.shape[0] else {
            throw WorkflowError.invalid("\(url.path): \(name)_labels must hold one integer per code")
        }
        var labelSets: [[Int]]?
        if archive.names.contains("\(name)_label_sets") {
            let array = try archive.array(named: "\(name)_label_sets", source: url.path)
            guard array.shape.count == 2, array.shape[0] == codes.shape[0], array.shape[1] > 0, let values = array.integerValues(),
                values.allSatisfy({ $0 >= -1 })
            else {
                throw WorkflowError.invalid(
                    "\(url.path): \(name)_label_sets must be an integer [N, M] array, one row of classes (padded with -1) per code")
            }
            let width = array.shape[1]
            labelSets = (0..<codes.shape[0]).map { row in values[(row * width)..<((row + 1) * width)].filter { $0 >= 0 } }
        }
        var indices: [Int]?
        if archive.names.contains("\(name)_indices") {
            let array = try archive.array(named: "\(name)_indices", source: url.path)
            guard let values = array.integerValues(), values.count == codes.shape[0] else {
                throw WorkflowError.invalid("\(url.path): \(name)_indices must hold one integer per code")
            }
            indices = values
        }
        return Set(
            name: name, codes: try PackedCodes(binary: bits, bitCount: codes.shape[1]), labels: labelValues, indices: indices,
            labelSets: labelSets)
    }
}

/// Exports a set of a codes file for other engines (see ``PackedCodes/packbitsBytes()`` for the bit order).
public enum CodeExport {
    public enum Format: String, CaseIterable, Sendable {
        /// A FAISS `IndexBinaryFlat` file (`faiss.read_index_binary`).
        case faiss
        /// `uint8 [N, ⌈K/8⌉]` `.npy` in `numpy.packbits` order, with `<stem>_labels.npy` (int64 [N]) and
        /// `<stem>_ids.npy` (int64 [N]: each code's image index, else its position) beside it, and
        /// `<stem>_label_sets.npy` (int64 [N, M], padded with −1) for multi-label codes.
        case packedNPY = "packed-npy"
    }

    /// Writes `set` in `format` to `output` (and, for packed-npy, the files beside it); returns the paths written.
    @discardableResult
    public static func write(_ set: CodeFile.Set, format: Format, to output: URL) throws -> [URL] {
        switch format {
        case .faiss:
            try FaissBinaryIndexFile.write(set.codes, to: output)
            return [output]
        case .packedNPY:
            let stem = output.deletingPathExtension().lastPathComponent
            let directory = output.deletingLastPathComponent()
            let labelsURL = directory.appendingPathComponent("\(stem)_labels.npy")
            let idsURL = directory.appendingPathComponent("\(stem)_ids.npy")
            let codes = set.codes
            try NPYWriter.write(NumpyArray(shape: [codes.count, codes.packedByteCount], values: codes.packbitsBytes()), to: output)
            try NPYWriter.write(NumpyArray(set.labels.map { Int64($0) }), to: labelsURL)
            try NPYWriter.write(NumpyArray((set.indices ?? Array(0..<codes.count)).map { Int64($0) }), to: idsURL)
            var written = [output, labelsURL, idsURL]
            if let labelSets = set.labelSets {
                let url = directory.appendingPathComponent("\(stem)_label_sets.npy")
                try NPYWriter.write(CodeFile.paddedLabelSets(labelSets), to: url)
                written.append(url)
            }
            return written
        }
    }
}

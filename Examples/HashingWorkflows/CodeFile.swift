import Datasets
import Evaluation
import Foundation

/// Binary codes exported as a NumPy `.npz` archive: for each named set, `<name>_codes`
/// (`uint8 [N, K]`, bits as 0/1), `<name>_labels` (`int64 [N]`, −1 where unknown) and, where
/// known, `<name>_indices` (`int64 [N]`, each code's image index in its data set). Readable with
/// `numpy.load(path)`; written atomically.
public enum CodeFile {
    /// One named set of codes.
    public struct Set {
        public var name: String
        public var codes: PackedCodes
        public var labels: [Int]
        public var indices: [Int]?

        public init(name: String, codes: PackedCodes, labels: [Int], indices: [Int]? = nil) {
            self.name = name
            self.codes = codes
            self.labels = labels
            self.indices = indices
        }

        public init(name: String, _ encoded: EncodedSet) {
            self.init(name: name, codes: encoded.codes, labels: encoded.labels, indices: encoded.indices)
        }
    }

    public static func write(_ sets: [Set], to url: URL) throws {
        var entries: [(name: String, array: NumpyArray)] = []
        for set in sets {
            let bits: [UInt8] = set.codes.allBools().map { $0 ? 1 : 0 }
            entries.append(("\(set.name)_codes", NumpyArray(shape: [set.codes.count, set.codes.bitCount], values: bits)))
            entries.append(("\(set.name)_labels", NumpyArray(set.labels.map { Int64($0) })))
            if let indices = set.indices { entries.append(("\(set.name)_indices", NumpyArray(indices.map { Int64($0) }))) }
        }
        try NPZWriter.write(NPZArchive(entries), to: url)
    }

    /// Reads the set `name` back.
    public static func read(_ name: String, from url: URL) throws -> (codes: PackedCodes, labels: [Int]) {
        let archive = try NPZReader.read(contentsOf: url)
        let codes = try archive.array(named: "\(name)_codes", source: url.path)
        let labels = try archive.array(named: "\(name)_labels", source: url.path)
        guard codes.shape.count == 2, codes.shape[1] > 0, let bits = codes.values(as: UInt8.self), bits.allSatisfy({ $0 <= 1 }) else {
            throw WorkflowError.invalid("\(url.path): \(name)_codes must be a uint8 [N, K] array of 0/1 bits")
        }
        guard let labelValues = labels.integerValues(), labelValues.count == codes.shape[0] else {
            throw WorkflowError.invalid("\(url.path): \(name)_labels must hold one integer per code")
        }
        return (try PackedCodes(binary: bits, bitCount: codes.shape[1]), labelValues)
    }
}

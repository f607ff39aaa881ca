import Datasets
import Evaluation
import Foundation

/// Binary codes exported as a NumPy `.npz` archive: for each named set, `<name>_codes`
/// (`uint8 [N, K]`, bits as 0/1) and `<name>_labels` (`int64 [N]`). Readable with
/// `numpy.load(path)`; written atomically.
public enum CodeFile {
    public static func write(_ sets: [(name: String, codes: PackedCodes, labels: [Int])], to url: URL) throws {
        var entries: [(name: String, array: NumpyArray)] = []
        for set in sets {
            let bits: [UInt8] = set.codes.allBools().map { $0 ? 1 : 0 }
            entries.append(("\(set.name)_codes", NumpyArray(shape: [set.codes.count, set.codes.bitCount], values: bits)))
            entries.append(("\(set.name)_labels", NumpyArray(set.labels.map { Int64($0) })))
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

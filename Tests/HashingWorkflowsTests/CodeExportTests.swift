import Datasets
import Evaluation
import Foundation
import HashingWorkflows
import TestSupport
import Testing

/// The exporters against files NumPy and FAISS wrote (Scripts/make_export_fixtures.py).
@Suite("Code export: numpy.packbits order and FAISS binary index files")
struct CodeExportTests {
    static let directory = fixturesDirectory.appendingPathComponent("export")

    /// The 0/1 codes of a fixture case and numpy.packbits of them.
    func fixture(_ name: String) throws -> (codes: PackedCodes, packed: NumpyArray) {
        let bits = try NPYReader.read(contentsOf: Self.directory.appendingPathComponent("\(name)_bits.npy"))
        let packed = try NPYReader.read(contentsOf: Self.directory.appendingPathComponent("\(name)_packed.npy"))
        return (try PackedCodes(binary: bits.values(as: UInt8.self)!, bitCount: bits.shape[1]), packed)
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hashing-export-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test(arguments: ["k20", "k64", "k48"])
    func packedBytesEqualNumpyPackbits(name: String) throws {
        let (codes, packed) = try fixture(name)
        #expect(packed.shape == [codes.count, codes.packedByteCount])
        #expect(codes.packbitsBytes() == packed.values(as: UInt8.self)!)
        #expect(try PackedCodes(packbits: packed.values(as: UInt8.self)!, bitCount: codes.bitCount) == codes)
    }

    @Test(arguments: ["k64", "k48"])
    func faissFilesAreByteForByteFaissOwn(name: String) throws {
        let (codes, _) = try fixture(name)
        let theirs = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("\(name).index")))
        #expect(try FaissBinaryIndexFile.encode(codes) == theirs)
        #expect(try FaissBinaryIndexFile.read(theirs, source: name) == codes)
    }

    /// FAISS's 3 nearest neighbours of each code are at the distances of ours (ties may be ordered differently).
    @Test(arguments: ["k64", "k48"])
    func faissNeighboursAreAtOurDistances(name: String) throws {
        let (codes, _) = try fixture(name)
        let knn = try NPYReader.read(contentsOf: Self.directory.appendingPathComponent("\(name)_knn.npy"))
        let theirs = knn.integerValues()!
        let ours = FlatHammingIndex(codes).search(codes, k: 3)
        for query in 0..<codes.count {
            let theirDistances = (0..<3).map { codes.distance(theirs[query * 3 + $0], to: codes, query) }
            #expect(theirDistances.sorted() == ours[query].map(\.distance), "query \(query)")
        }
    }

    @Test func badInputIsAClearError() throws {
        let odd = PackedCodes.random(count: 3, bitCount: 20, seed: 1)
        #expect(throws: ExportError.bitsNotMultipleOf8(20)) { try FaissBinaryIndexFile.encode(odd) }
        let file = try FaissBinaryIndexFile.encode(PackedCodes.random(count: 3, bitCount: 64, seed: 2))
        #expect(throws: ExportError.self) { try FaissBinaryIndexFile.read(Array(file.dropLast()), source: "truncated") }
        #expect(throws: ExportError.self) { try FaissBinaryIndexFile.read(Array("IBxG".utf8) + file.dropFirst(4), source: "magic") }
        // 20 bits take 3 bytes: the low 4 bits of the last byte are padding and must be zero.
        #expect(throws: PackedCodesError.nonZeroPaddingBits(code: 0)) { try PackedCodes(packbits: [0, 0, 1], bitCount: 20) }
        #expect(throws: PackedCodesError.lengthNotMultiple(length: 4, of: 3)) { try PackedCodes(packbits: [0, 0, 0, 0], bitCount: 20) }
    }

    @Test func packedNPYWritesCodesLabelsAndIdsBeside() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (codes, packed) = try fixture("k20")
        let set = CodeFile.Set(name: "database", codes: codes, labels: [3, 1, 4, 1, 5], indices: [10, 11, 12, 13, 14])
        let source = directory.appendingPathComponent("codes.npz")
        try CodeFile.write([set], to: source)
        let read = try CodeFile.read("database", from: source)
        #expect(read.indices == [10, 11, 12, 13, 14])
        let written = try CodeExport.write(read, format: .packedNPY, to: directory.appendingPathComponent("db.npy"))
        #expect(written.map(\.lastPathComponent) == ["db.npy", "db_labels.npy", "db_ids.npy"])
        let codesArray = try NPYReader.read(contentsOf: written[0])
        #expect(codesArray.shape == packed.shape && codesArray.values(as: UInt8.self) == packed.values(as: UInt8.self))
        #expect(try NPYReader.read(contentsOf: written[1]).integerValues() == [3, 1, 4, 1, 5])
        #expect(try NPYReader.read(contentsOf: written[2]).integerValues() == [10, 11, 12, 13, 14])
        // FAISS needs whole bytes.
        #expect(throws: ExportError.bitsNotMultipleOf8(20)) {
            try CodeExport.write(read, format: .faiss, to: directory.appendingPathComponent("db.index"))
        }
    }
}

import Foundation
import TestSupport
import Testing

@testable import Datasets

@Suite("NPZ reader and writer")
struct NPZTests {
    struct ArrayFixture: Decodable {
        var name: String
        var descriptor: String
        var shape: [Int]
        var values: [String]
    }

    struct ArchiveFixture: Decodable {
        var file: String
        var arrays: [ArrayFixture]
        var compressionMethods: [Int]
    }

    struct Fixtures: Decodable {
        var archives: [ArchiveFixture]
    }

    static let fixtures: Fixtures = try! FormatFixtures.decode("npz.json")

    @Test("Archives written by numpy.savez and numpy.savez_compressed read back exactly, in order")
    func numpyFixtures() throws {
        #expect(Self.fixtures.archives.count == 4)
        for fixture in Self.fixtures.archives {
            let archive = try NPZReader.read(contentsOf: FormatFixtures.url(fixture.file))
            #expect(archive.names == fixture.arrays.map(\.name), "\(fixture.file)")
            for expected in fixture.arrays {
                let array = try archive.array(named: expected.name)
                #expect(array.shape == expected.shape, "\(fixture.file) \(expected.name)")
                #expect(array.dataType == NumpyDataType.parse(descriptor: expected.descriptor)?.type)
                #expect(FormatFixtures.matches(array, expected.values), "\(fixture.file) \(expected.name)")
            }
        }
        let stored = try NPZReader.read(contentsOf: FormatFixtures.url("npz-stored.npz"))
        let compressed = try NPZReader.read(contentsOf: FormatFixtures.url("npz-compressed.npz"))
        #expect(stored == compressed)
        #expect(stored["fortran"]?.values(as: Double.self) == [0, 1, 2, 3, 4, 5])
        expectDatasetError("invalidFormat", containing: ["no array named 'missing'", "features, labels"]) {
            try stored.array(named: "missing")
        }
    }

    static let sample = NPZArchive([
        ("features", NumpyArray(shape: [2, 3], values: [0.5, -1, 2, 3.25, 0, 1e-20] as [Float])),
        ("codes", NumpyArray(shape: [2, 8], values: (0..<16).map { UInt8($0 % 2) })),
        ("labels", NumpyArray([3, 1, 4, 1, 5] as [Int64])),
        ("mask", NumpyArray([true, false, true])),
        ("empty", NumpyArray(shape: [0, 4], values: [] as [Float])),
        ("scalar", NumpyArray(shape: [], values: [Double.pi])),
    ])

    @Test("Round trip through the writer, stored and deflated, atomically to disk", arguments: [NPZWriter.Compression.stored, .deflated])
    func roundTrip(compression: NPZWriter.Compression) throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("export.npz")
            try NPZWriter.write(Self.sample, to: url, compression: compression)
            #expect(try NPZReader.read(contentsOf: url) == Self.sample)
            try NPZWriter.write(NPZArchive([("only", NumpyArray([1] as [UInt8]))]), to: url, compression: compression)
            #expect(try NPZReader.read(contentsOf: url).names == ["only"])
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            #expect(names == ["export.npz"])
        }
        let bytes = try NPZWriter.encode(Self.sample, compression: compression)
        let zip = try bytes.withUnsafeBytes { try ZipReader($0, source: "sample").members }
        #expect(zip.map(\.name) == Self.sample.names.map { $0 + ".npy" })
        #expect(zip.allSatisfy { $0.method == (compression == .stored ? 0 : 8) })
        #expect(try NPZReader.read(NPZWriter.encode(NPZArchive([]))) == NPZArchive([]))
    }

    @Test("A write into a missing directory fails with `writeFailed` and leaves nothing behind")
    func writeFailure() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("missing/export.npz")
            expectDatasetError("writeFailed", containing: ["missing/export.npz", "temporary file"]) {
                try NPZWriter.write(Self.sample, to: url)
            }
            expectDatasetError("writeFailed", containing: ["missing/array.npy"]) {
                try NPYWriter.write(NumpyArray([1] as [UInt8]), to: directory.appendingPathComponent("missing/array.npy"))
            }
        }
    }

    /// Files our writers produced, committed so that `Scripts/make_format_fixtures.py --verify-swift`
    /// can check them with NumPy. `HASHING_WRITE_FIXTURES=1` rewrites them.
    static let swiftWritten: [(file: String, archive: NPZArchive)] = [
        ("swift-written-stored.npz", sample),
        ("swift-written-compressed.npz", sample),
        ("swift-written-f4.npy", NPZArchive([("array", NumpyArray(shape: [2, 2], values: [1.5, -0, .infinity, 3] as [Float]))])),
        ("swift-written-u1.npy", NPZArchive([("array", NumpyArray(shape: [3, 1], values: [0, 127, 255] as [UInt8]))])),
        ("swift-written-i8.npy", NPZArchive([("array", NumpyArray(shape: [], values: [Int64.min]))])),
        ("swift-written-b1.npy", NPZArchive([("array", NumpyArray(shape: [2, 0], values: [] as [Bool]))])),
    ]

    @Test("Committed files written by our writers still read back and match the writers' output")
    func swiftWrittenFixtures() throws {
        if ProcessInfo.processInfo.environment["HASHING_WRITE_FIXTURES"] == "1" {
            var entries: [[String: Any]] = []
            for (file, archive) in Self.swiftWritten {
                let url = FormatFixtures.url(file)
                if file.hasSuffix(".npz") {
                    try NPZWriter.write(archive, to: url, compression: file.contains("compressed") ? .deflated : .stored)
                } else {
                    try NPYWriter.write(archive.entries[0].array, to: url)
                }
                let arrays: [[String: Any]] = archive.entries.map { entry in
                    [
                        "name": entry.name, "descriptor": entry.array.dataType.descriptor, "shape": entry.array.shape,
                        "values": Self.strings(entry.array),
                    ]
                }
                entries.append(["file": file, "arrays": arrays])
            }
            let json = try JSONSerialization.data(withJSONObject: ["files": entries], options: [.prettyPrinted, .sortedKeys])
            try json.write(to: FormatFixtures.url("swift-written.json"))
        }
        for (file, archive) in Self.swiftWritten {
            let url = FormatFixtures.url(file)
            if file.hasSuffix(".npz") {
                #expect(try NPZReader.read(contentsOf: url) == archive, "\(file)")
            } else {
                #expect(try DataFile.read(url) == NPYWriter.encode(archive.entries[0].array), "\(file)")
            }
        }
    }

    /// The fixture script's string form of every element.
    static func strings(_ array: NumpyArray) -> [String] {
        switch array.storage {
        case .bool(let values): return values.map { $0 ? "1" : "0" }
        case .float32(let values): return values.map { Self.pythonRepr(Double($0)) }
        case .float64(let values): return values.map(Self.pythonRepr)
        default: return array.integerValues()!.map(String.init)
        }
    }

    /// Python's `repr` of a float, for the values the committed files hold (Swift's shortest
    /// round-trip form, which the script's check would catch if it ever differed).
    static func pythonRepr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return "\(value)"
    }

    // MARK: - Robustness

    static let npyMember = NPYWriter.encode(NumpyArray(shape: [2, 2], values: [1, 2, 3, 4] as [Int32]))

    @Test("Every truncation of a stored and a deflated archive throws `truncated`")
    func truncation() throws {
        for file in ["npz-stored.npz", "npz-compressed.npz"] {
            let bytes = try DataFile.read(FormatFixtures.url(file))
            for length in stride(from: 0, to: bytes.count, by: 1) {
                let error = expectDatasetError("truncated", containing: ["cut.npz"]) {
                    try NPZReader.read(Array(bytes.prefix(length)), source: "cut.npz")
                }
                if error == nil { break }
            }
        }
    }

    @Test("Archives built independently, ZIP64 included, read back; wrong magic and wrong dtypes are named")
    func independentArchives() throws {
        let members = [("a.npy", Self.npyMember), ("notes.txt", Array("hi".utf8)), ("b.npy", Self.npyMember)]
        for zip64 in [false, true] {
            let archive = try NPZReader.read(TestZip.build(members, zip64: zip64))
            #expect(archive.names == ["a", "b"])
            #expect(archive["b"]?.values(as: Int32.self) == [1, 2, 3, 4])
        }
        expectDatasetError("wrongMagic", containing: ["x.npz", "ZIP archive", "89 50 4E 47"]) {
            try NPZReader.read(PNGDecoder.signature + Array(repeating: 0, count: 40), source: "x.npz")
        }
        expectDatasetError("wrongMagic", containing: ["93 4E 55 4D"]) { try NPZReader.read(Self.npyMember) }
        let float16 = try DataFile.read(FormatFixtures.url("npy-unsupported-f2.npy"))
        expectDatasetError("unsupportedElementType", containing: ["x.npz: member 'half.npy'", "'<f2'"]) {
            try NPZReader.read(TestZip.build([("half.npy", float16)]), source: "x.npz")
        }
        expectDatasetError("invalidFormat", containing: ["member 'a.npy' appears twice"]) {
            try NPZReader.read(TestZip.build([("a.npy", Self.npyMember), ("a.npy", Self.npyMember)]))
        }
    }

    @Test("Lying sizes, offsets, counts, methods and checksums give clear errors")
    func corruptDirectories() throws {
        let valid = TestZip.build([("a.npy", Self.npyMember)])
        let central = valid.count - 22 - TestZip.centralRecordSize(nameLength: 5)
        let end = valid.count - 22
        func patched(_ offset: Int, _ bytes: [UInt8]) -> [UInt8] {
            var copy = valid
            copy.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
            return copy
        }
        let cases: [([UInt8], String, String)] = [
            (patched(end + 16, [0xFF, 0xFF, 0xFF, 0x7F]), "truncated", "central-directory offset is 2147483647"),
            (patched(end + 12, TestZip.littleEndian(UInt32(end))), "truncated", "overlaps the end record"),
            (patched(end + 10, [0xFF, 0x7F]), "invalidFormat", "claims 32767 members"),
            (patched(end + 4, [1, 0]), "invalidFormat", "multi-disk"),
            (patched(end + 10, [0xFF, 0xFF]), "invalidFormat", "no ZIP64 locator"),
            (patched(central, [0, 0, 0, 0]), "invalidFormat", "no central-directory signature"),
            (patched(central + 10, [12, 0]), "invalidFormat", "compression method 12"),
            (patched(central + 8, [1, 0]), "invalidFormat", "encrypted"),
            (
                patched(central + 20, TestZip.littleEndian(UInt32(central)) + TestZip.littleEndian(UInt32(central))), "truncated",
                "run into the central directory"
            ),
            (patched(central + 24, [0, 1, 0, 0]), "invalidFormat", "different from its size"),
            (patched(central + 42, [0xFF, 0xFF, 0xFF, 0xFF]), "invalidFormat", "no ZIP64 extra field"),
            (patched(central + 42, [0x10, 0, 0, 0]), "invalidFormat", "no local-header signature at offset 16"),
            (patched(central + 42, [0xF0, 0, 0, 0]), "truncated", "runs into the central directory"),
            (patched(central + 16, [1, 2, 3, 4]), "checksumMismatch", "member 'a.npy'"),
            (patched(8, [8, 0]), "invalidFormat", "disagrees with its central-directory record"),
            (patched(30, Array("b".utf8)), "invalidFormat", "disagrees with its central-directory record"),
        ]
        for (bytes, expectedCase, fragment) in cases {
            expectDatasetError(expectedCase, containing: ["bad.npz", fragment]) { try NPZReader.read(bytes, source: "bad.npz") }
        }
        // A deflate stream that never ends: a non-final stored block that claims 65535 bytes. On
        // Linux, ZIPFoundation 0.9.20's extract() loops forever on this archive (checked by hand).
        let neverEnding = [0x00, 0xFF, 0xFF, 0x00, 0x00] + Array(repeating: UInt8(ascii: "x"), count: 100)
        var spinning = TestZip.build([("a.npy", neverEnding)])
        let spinningCentral = spinning.count - 22 - TestZip.centralRecordSize(nameLength: 5)
        spinning[8] = 8
        spinning[spinningCentral + 10] = 8
        expectDatasetError("truncated", containing: ["member 'a.npy'", "before its end marker"]) { try NPZReader.read(spinning) }
        // A deflated member whose stream is cut, corrupt, or claims an impossible size.
        let deflated = try NPZWriter.encode(
            NPZArchive([("a", NumpyArray(shape: [64], values: Array(repeating: 1, count: 64) as [Float]))]), compression: .deflated)
        let zip = try deflated.withUnsafeBytes { try ZipReader($0, source: "d").members[0] }
        var corrupt = deflated
        corrupt[zip.dataOffset] = 0xFF  // an invalid block type
        expectDatasetError("corruptCompressedData", containing: ["member 'a.npy'"]) { try NPZReader.read(corrupt) }
        expectDatasetError("invalidFormat", containing: ["cannot come from"]) {
            try Zlib.decompressRaw(UnsafeRawBufferPointer(start: nil, count: 0), expectedSize: 1 << 40, source: "claim")
        }
        let shortStream = Array(deflated[zip.dataOffset..<(zip.dataOffset + zip.compressedSize - 3)])
        expectDatasetError("truncated", containing: ["before its end marker"]) {
            try shortStream.withUnsafeBytes { try Zlib.decompressRaw($0, expectedSize: zip.uncompressedSize, source: "cut") }
        }
        let stream = Array(deflated[zip.dataOffset..<(zip.dataOffset + zip.compressedSize)])
        expectDatasetError("invalidFormat", containing: ["more than the 10 bytes"]) {
            try stream.withUnsafeBytes { try Zlib.decompressRaw($0, expectedSize: 10, source: "short") }
        }
        expectDatasetError("truncated", containing: ["inflates to \(zip.uncompressedSize) bytes"]) {
            try stream.withUnsafeBytes { try Zlib.decompressRaw($0, expectedSize: zip.uncompressedSize + 5, source: "long") }
        }
        expectDatasetError("corruptCompressedData", containing: ["2 unexpected bytes"]) {
            try (stream + [0, 0]).withUnsafeBytes { try Zlib.decompressRaw($0, expectedSize: zip.uncompressedSize, source: "tail") }
        }
    }

    @Test("Random and mutated archives: only DatasetErrors, never a crash or a hang", arguments: [0, 1, 2])
    func fuzz(part: Int) throws {
        var counts = (succeeded: 0, failed: 0)
        let read: ([UInt8]) throws -> Void = { _ = try NPZReader.read($0, source: "fuzz") }
        switch part {
        case 0:
            let prefixes: [[UInt8]] = [[], [0x50, 0x4B, 0x03, 0x04], Array(TestZip.build([("a.npy", Self.npyMember)]).suffix(22))]
            FormatFixtures.feed(FuzzInputs.randomInputs(seed: 300, count: 600, prefixes: prefixes, maximumLength: 200), counts: &counts, reader: read)
            // Random bytes ending in an end record that points into them.
            var generator = SeededGenerator(seed: 301)
            let inputs = (0..<600).map { _ -> [UInt8] in
                var body = generator.bytes(count: Int.random(in: 0...300, using: &generator))
                body += TestZip.endRecord(
                    entryCount: Int.random(in: 0...3, using: &generator), directorySize: Int.random(in: 0...body.count, using: &generator),
                    directoryOffset: Int.random(in: 0...body.count, using: &generator))
                return body
            }
            FormatFixtures.feed(inputs, counts: &counts, reader: read)
            let small = TestZip.build([("a.npy", Self.npyMember)])
            FormatFixtures.feed([small], counts: &counts, reader: read)
        case 1:
            for file in ["npz-stored.npz", "npz-compressed.npz", "npz-extra-members.npz"] {
                let bytes = try DataFile.read(FormatFixtures.url(file))
                FormatFixtures.feed(FuzzInputs.mutations(of: bytes, seed: 310, count: 500), counts: &counts, reader: read)
            }
        default:
            // Mutations that keep the archive's CRCs right, so that the NPY members are fuzzed too.
            var generator = SeededGenerator(seed: 320)
            let inputs = FuzzInputs.mutations(of: Self.npyMember, seed: 321, count: 700).map { member -> [UInt8] in
                TestZip.build([("m.npy", member)], zip64: Bool.random(using: &generator))
            }
            FormatFixtures.feed(inputs, counts: &counts, reader: read)
            FormatFixtures.feed(
                FuzzInputs.mutations(of: TestZip.build([("a.npy", Self.npyMember)], zip64: true), seed: 322, count: 500),
                counts: &counts, reader: read)
        }
        #expect(counts.failed > 0 && counts.succeeded > 0, "\(counts)")
    }
}

/// A minimal ZIP writer for tests, written from the specification independently of the reader:
/// stored members only, optionally with ZIP64 extra fields and end records.
enum TestZip {
    static func littleEndian<Value: FixedWidthInteger>(_ value: Value) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    static func centralRecordSize(nameLength: Int) -> Int { 46 + nameLength }

    static func endRecord(entryCount: Int, directorySize: Int, directoryOffset: Int) -> [UInt8] {
        littleEndian(UInt32(0x0605_4B50)) + [0, 0, 0, 0] + littleEndian(UInt16(entryCount)) + littleEndian(UInt16(entryCount))
            + littleEndian(UInt32(directorySize)) + littleEndian(UInt32(directoryOffset)) + [0, 0]
    }

    static func build(_ members: [(String, [UInt8])], zip64: Bool = false) -> [UInt8] {
        var file: [UInt8] = []
        var directory: [UInt8] = []
        for (name, data) in members {
            let nameBytes = Array(name.utf8)
            let checksum = Zlib.crc32(data)
            let offset = file.count
            file +=
                littleEndian(UInt32(0x0403_4B50)) + littleEndian(UInt16(zip64 ? 45 : 20)) + [0, 0, 0, 0] + [0, 0, 0x21, 0]
                + littleEndian(checksum) + littleEndian(UInt32(data.count)) + littleEndian(UInt32(data.count))
                + littleEndian(UInt16(nameBytes.count)) + [0, 0] + nameBytes + data
            let extra: [UInt8] =
                zip64
                ? littleEndian(UInt16(1)) + littleEndian(UInt16(24)) + littleEndian(UInt64(data.count))
                    + littleEndian(UInt64(data.count)) + littleEndian(UInt64(offset))
                : []
            let marker32: (Int) -> [UInt8] = { zip64 ? [0xFF, 0xFF, 0xFF, 0xFF] : littleEndian(UInt32($0)) }
            directory +=
                littleEndian(UInt32(0x0201_4B50)) + littleEndian(UInt16(zip64 ? 45 : 20))
                + littleEndian(UInt16(zip64 ? 45 : 20)) + [0, 0, 0, 0] + [0, 0, 0x21, 0] + littleEndian(checksum)
                + marker32(data.count) + marker32(data.count) + littleEndian(UInt16(nameBytes.count))
                + littleEndian(UInt16(extra.count)) + [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] + marker32(offset) + nameBytes + extra
        }
        let directoryOffset = file.count
        file += directory
        if zip64 {
            let recordOffset = file.count
            file +=
                littleEndian(UInt32(0x0606_4B50)) + littleEndian(UInt64(44)) + littleEndian(UInt16(45))
                + littleEndian(UInt16(45)) + [0, 0, 0, 0, 0, 0, 0, 0] + littleEndian(UInt64(members.count))
                + littleEndian(UInt64(members.count)) + littleEndian(UInt64(directory.count))
                + littleEndian(UInt64(directoryOffset))
            file += littleEndian(UInt32(0x0706_4B50)) + [0, 0, 0, 0] + littleEndian(UInt64(recordOffset)) + littleEndian(UInt32(1))
            file +=
                littleEndian(UInt32(0x0605_4B50)) + [0, 0, 0, 0] + [0xFF, 0xFF, 0xFF, 0xFF]
                + [0xFF, 0xFF, 0xFF, 0xFF] + [0xFF, 0xFF, 0xFF, 0xFF] + [0, 0]
        } else {
            file += endRecord(entryCount: members.count, directorySize: directory.count, directoryOffset: directoryOffset)
        }
        return file
    }
}

import Foundation
import TestSupport
import Testing

@testable import Datasets

@Suite("NPY reader and writer")
struct NPYTests {
    struct ArrayFixture: Decodable {
        var file: String
        var descriptor: String
        var shape: [Int]
        var fortranOrder: Bool
        var version: String
        var values: [String]
    }

    struct Fixtures: Decodable {
        var numpyVersion: String
        var arrays: [ArrayFixture]
        var unsupported: [String]
    }

    static let fixtures: Fixtures = try! FormatFixtures.decode("npy.json")

    @Test("Every dtype, byte order, version, 0-d, empty and Fortran-ordered file written by NumPy reads back exactly")
    func numpyFixtures() throws {
        #expect(Self.fixtures.arrays.count >= 30)
        for fixture in Self.fixtures.arrays {
            let array = try NPYReader.read(contentsOf: FormatFixtures.url(fixture.file))
            #expect(array.shape == fixture.shape, "\(fixture.file)")
            let expectedType = NumpyDataType.parse(descriptor: fixture.descriptor)?.type
            #expect(array.dataType == expectedType, "\(fixture.file): \(array.dataType) for \(fixture.descriptor)")
            #expect(FormatFixtures.matches(array, fixture.values), "\(fixture.file): values differ")
            let header = try NPYReader.readHeader(DataFile.read(FormatFixtures.url(fixture.file)))
            #expect("\(header.version.major).\(header.version.minor)" == fixture.version, "\(fixture.file)")
            #expect(header.isFortranOrder == fixture.fortranOrder, "\(fixture.file)")
        }
    }

    @Test("The writer's bytes equal numpy.save's for every little-endian C-ordered fixture")
    func writerMatchesNumpyByteForByte() throws {
        var compared = 0
        for fixture in Self.fixtures.arrays
        where !fixture.fortranOrder && fixture.version == "1.0" && !fixture.descriptor.hasPrefix(">")
            && fixture.file != "npy-legacy-python2.npy"
        {
            let original = try DataFile.read(FormatFixtures.url(fixture.file))
            let array = try NPYReader.read(original)
            #expect(NPYWriter.encode(array) == original, "\(fixture.file)")
            compared += 1
        }
        #expect(compared >= 15)
    }

    @Test("Big-endian and Fortran-ordered files read the same as their little-endian C-ordered twins")
    func byteOrderAndFortranOrder() throws {
        for code in ["i2", "u2", "i4", "u4", "i8", "u8", "f4", "f8"] {
            let little = try NPYReader.read(contentsOf: FormatFixtures.url("npy-\(code).npy"))
            let big = try NPYReader.read(contentsOf: FormatFixtures.url("npy-\(code)-big-endian.npy"))
            if code == "f8" {
                #expect(little.doubleValues().map(\.bitPattern) == big.doubleValues().map(\.bitPattern))
            } else {
                #expect(little == big, "\(code)")
            }
        }
        let fortran = try NPYReader.read(contentsOf: FormatFixtures.url("npy-i4-fortran-2d.npy"))
        #expect(fortran.shape == [3, 4])
        #expect(fortran.values(as: Int32.self) == Array(0..<12))
    }

    @Test("Round trip of every element type through the writer, atomically to disk")
    func roundTrip() throws {
        let arrays: [NumpyArray] = [
            NumpyArray(shape: [2, 3], values: [1.5, -2, 0, .infinity, -.infinity, 1e-30] as [Float]),
            NumpyArray(shape: [3], values: [0, 128, 255] as [UInt8]),
            NumpyArray(shape: [2, 2], values: [Int64.min, -1, 0, Int64.max]),
            NumpyArray(shape: [4], values: [true, false, false, true]),
            NumpyArray(shape: [], values: [Double.pi]),
            NumpyArray(shape: [0, 5], values: [] as [Int32]),
            NumpyArray(shape: [1, 1, 2], values: [UInt64.max, 7]),
            NumpyArray(shape: [2], values: [Int8.min, Int8.max]),
            NumpyArray(shape: [2], values: [Int16.min, Int16.max]),
            NumpyArray(shape: [1], values: [UInt16.max]),
            NumpyArray(shape: [1], values: [UInt32.max]),
        ]
        try withTemporaryDirectory { directory in
            for (index, array) in arrays.enumerated() {
                let url = directory.appendingPathComponent("array-\(index).npy")
                try NPYWriter.write(array, to: url)
                #expect(try NPYReader.read(contentsOf: url) == array)
                // The data starts on a 64-byte boundary, as NumPy aligns it.
                #expect(try NPYReader.readHeader(DataFile.read(url)).dataOffset % 64 == 0)
            }
            // Rewriting replaces the file whole and leaves no temporary files behind.
            let url = directory.appendingPathComponent("array-0.npy")
            try NPYWriter.write(arrays[1], to: url)
            #expect(try NPYReader.read(contentsOf: url) == arrays[1])
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }
            #expect(leftovers.isEmpty)
        }
        let nan = try NPYReader.read(NPYWriter.encode(NumpyArray([Float.nan])))
        #expect(nan.floatValues()[0].isNaN)
    }

    @Test("Conversions to Float, Double, Int and tensors")
    func conversions() {
        let integers = NumpyArray(shape: [2, 2], values: [1, -2, 3, 4] as [Int64])
        #expect(integers.floatValues() == [1, -2, 3, 4])
        #expect(integers.doubleValues() == [1, -2, 3, 4])
        #expect(integers.integerValues() == [1, -2, 3, 4])
        #expect(integers.tensor().shape == [2, 2])
        #expect(integers.values(as: Int64.self) == [1, -2, 3, 4])
        #expect(integers.values(as: Float.self) == nil)
        #expect(NumpyArray([0.5, 2] as [Float]).integerValues() == nil)
        #expect(NumpyArray([2, 3] as [Double]).integerValues() == [2, 3])
        #expect(NumpyArray([UInt64.max]).integerValues() == nil)
        #expect(NumpyArray([true, false]).floatValues() == [1, 0])
        #expect(NumpyArray(shape: [3, 2], values: Array(0..<6) as [UInt8]).reshaped([2, 3]).shape == [2, 3])
        let tensor = NumpyArray(shape: [2], values: [0.25, 4] as [Float]).tensor()
        #expect(NumpyArray(tensor) == NumpyArray(shape: [2], values: [0.25, 4] as [Float]))
    }

    @Test("Unsupported dtypes written by NumPy are named in the error")
    func unsupportedDtypes() throws {
        let expectations = [
            "npy-unsupported-f2.npy": "'<f2'", "npy-unsupported-c8.npy": "'<c8'", "npy-unsupported-U3.npy": "'<U3'",
            "npy-unsupported-structured.npy": "structured dtype with 2 fields", "npy-unsupported-object.npy": "'|O'",
            "npy-unsupported-datetime.npy": "'<M8[D]'",
        ]
        #expect(Set(expectations.keys) == Set(Self.fixtures.unsupported))
        for (file, fragment) in expectations {
            expectDatasetError("unsupportedElementType", containing: [file, fragment, "supported: NumPy dtypes"]) {
                try NPYReader.read(contentsOf: FormatFixtures.url(file))
            }
        }
    }

    // MARK: - Robustness

    static let valid = NPYWriter.encode(NumpyArray(shape: [2, 3], values: [1, 2, 3, 4, 5, 6] as [Float]))

    /// A version 1.0 file with the given header text (padded and newline-terminated) and data.
    static func file(header: String, data: [UInt8] = [], version: UInt8 = 1) -> [UInt8] {
        let text = Array((header + "\n").utf8)
        let length: [UInt8] =
            version == 1
            ? [UInt8(text.count & 0xFF), UInt8(text.count >> 8)]
            : [UInt8(text.count & 0xFF), UInt8(text.count >> 8 & 0xFF), 0, 0]
        return NPYReader.magic + [version, 0] + length + text + data
    }

    @Test("Every truncation of a valid file throws `truncated`")
    func truncation() {
        for length in 0..<Self.valid.count {
            let error = expectDatasetError("truncated", containing: ["cut.npy"]) {
                try NPYReader.read(Array(Self.valid.prefix(length)), source: "cut.npy")
            }
            if error == nil { break }
        }
        expectDatasetError("truncated", containing: ["needs 24 bytes, but only 20 follow the header"]) {
            try NPYReader.read(Array(Self.valid.dropLast(4)))
        }
    }

    @Test("Wrong magic, unsupported versions and oversized or lying header lengths are named")
    func malformedPrefixes() {
        expectDatasetError("wrongMagic", containing: ["x.npy", "93 4E 55 4D 50 59", "50 4B 03 04"]) {
            try NPYReader.read([0x50, 0x4B, 0x03, 0x04] + Array(repeating: 0, count: 20), source: "x.npy")
        }
        expectDatasetError("wrongMagic", containing: ["68 65 6C 6C 6F"]) { try NPYReader.read(Array("hello".utf8)) }
        var badVersion = Self.valid
        badVersion[6] = 4
        expectDatasetError("invalidFormat", containing: ["version 4.0"]) { try NPYReader.read(badVersion) }
        badVersion[6] = 1
        badVersion[7] = 1
        expectDatasetError("invalidFormat", containing: ["version 1.1"]) { try NPYReader.read(badVersion) }
        // Header lengths beyond the file and beyond the limit.
        var lying = Self.valid
        lying[8] = 0xFF
        lying[9] = 0xFF
        expectDatasetError("truncated", containing: ["announces 65535 bytes"]) { try NPYReader.read(lying) }
        let huge = NPYReader.magic + [2, 0, 0xFF, 0xFF, 0xFF, 0xFF] + Array(repeating: 0x20, count: 100)
        expectDatasetError("invalidFormat", containing: ["header length 4294967295 exceeds the limit"]) {
            try NPYReader.read(huge)
        }
        // Data beyond the announced shape.
        expectDatasetError("invalidFormat", containing: ["3 unexpected bytes after the 24 bytes of data"]) {
            try NPYReader.read(Self.valid + [1, 2, 3])
        }
    }

    @Test("Malformed header dictionaries give one-line errors")
    func malformedHeaders() throws {
        let cases: [(String, String, String)] = [
            ("[1, 2]", "invalidFormat", "not a dictionary"),
            ("{'descr': '<f4', 'fortran_order': False}", "invalidFormat", "lacks the key 'shape'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "invalidFormat", "unexpected header key 'extra'"),
            ("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", "invalidFormat", "appears twice"),
            ("{'descr': 5, 'fortran_order': False, 'shape': (1,)}", "invalidFormat", "'descr' is 5"),
            ("{'descr': '<f4', 'fortran_order': 1, 'shape': (1,)}", "invalidFormat", "not True or False"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': 3}", "invalidFormat", "not a tuple of integers"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", "invalidFormat", "not a non-negative integer"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,)}", "invalidFormat", "not an integer"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "invalidFormat", "64 bits"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", "invalidFormat", "too large"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", "invalidFormat", "not closed"),
            ("{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}", "invalidFormat", "not a Python literal"),
            ("{'descr': '<f4' 'fortran_order': False}", "invalidFormat", "expected ',' or '}'"),
            ("{'descr': '<f4', 'fortran_order': Flase, 'shape': ()}", "invalidFormat", "unknown name 'Flase'"),
            ("{'descr': '>q4', 'fortran_order': False, 'shape': ()}", "unsupportedElementType", "'>q4'"),
            (String(repeating: "(", count: 100) + String(repeating: ")", count: 100), "invalidFormat", "nested deeper"),
        ]
        for (header, expectedCase, fragment) in cases {
            expectDatasetError(expectedCase, containing: ["bad.npy", fragment]) {
                try NPYReader.read(Self.file(header: header, data: Array(repeating: 0, count: 4)), source: "bad.npy")
            }
        }
        // A non-ASCII byte in a version 1.0 header; a version 3.0 header is UTF-8 and may hold one.
        var latin = Self.file(header: "{'descr': '<u1', 'fortran_order': False, 'shape': (), }")
        latin[15] = 0xE9
        expectDatasetError("invalidFormat", containing: ["non-ASCII byte 0xE9"]) { try NPYReader.read(latin + [7]) }
        let utf8 = Self.file(header: "{'descr': '<u1', 'fortran_order': False, 'shape': (), }  # é", data: [7], version: 3)
        // Python's literal syntax has no comments, so this still fails, but in the parser, not on the byte.
        expectDatasetError("invalidFormat", containing: ["not a Python literal"]) { try NPYReader.read(utf8) }
        let doubleQuoted = Self.file(header: "{\"descr\": \"|u1\", \"fortran_order\": False, \"shape\": (2,)}", data: [7, 8])
        #expect(try NPYReader.read(doubleQuoted) == NumpyArray([7, 8] as [UInt8]))
    }

    @Test("Random and mutated bytes: only DatasetErrors, never a crash", arguments: [0, 1])
    func fuzz(part: Int) {
        var counts = (succeeded: 0, failed: 0)
        if part == 0 {
            let prefixes = [[], NPYReader.magic, NPYReader.magic + [1, 0], NPYReader.magic + [2, 0, 0x40, 0, 0, 0]]
            FormatFixtures.feed(FuzzInputs.randomInputs(seed: 100, count: 1_000, prefixes: prefixes, maximumLength: 200), counts: &counts) {
                _ = try NPYReader.read($0, source: "fuzz").floatValues()
            }
            let headerPrefix = Array(Self.valid.prefix(10))
            let headerText = Array(Self.valid[10...])
            var inputs = FuzzInputs.mutations(of: headerText, seed: 101, count: 1_000).map { headerPrefix + $0 }
            inputs += FuzzInputs.mutations(of: Self.valid, seed: 102, count: 1_000)
            FormatFixtures.feed(inputs, counts: &counts) { _ = try NPYReader.read($0, source: "fuzz").doubleValues() }
        } else {
            // Mutations of every NumPy fixture, so every dtype and layout is exercised.
            for (index, fixture) in Self.fixtures.arrays.enumerated() {
                let bytes = try! DataFile.read(FormatFixtures.url(fixture.file))
                FormatFixtures.feed(FuzzInputs.mutations(of: bytes, seed: 200 + UInt64(index), count: 60), counts: &counts) {
                    _ = try NPYReader.read($0, source: "fuzz").integerValues()
                }
            }
        }
        #expect(counts.failed > 0 && counts.succeeded > 0, "\(counts)")
    }
}

// MARK: - Shared by the format tests (NPY, NPZ, CIFAR, CSV, JPEG)

/// Fixtures written by `Scripts/make_format_fixtures.py` into `Tests/Fixtures/formats`, and the
/// helpers that feed readers hostile input.
enum FormatFixtures {
    /// The fixture directory.
    static let directory = fixturesDirectory.appendingPathComponent("formats")

    /// The URL of one fixture file.
    static func url(_ name: String) -> URL {
        directory.appendingPathComponent(name)
    }

    /// Decodes a JSON fixture.
    static func decode<Value: Decodable>(_ name: String) throws -> Value {
        try JSONDecoder().decode(Value.self, from: Data(contentsOf: url(name)))
    }

    /// Whether an array's elements equal the exact strings the fixture script wrote (Python
    /// `repr`s: integers in full, floats as shortest round-trip decimals or nan/inf, bools as 1/0).
    static func matches(_ array: NumpyArray, _ expected: [String]) -> Bool {
        guard array.elementCount == expected.count else { return false }
        func same<Value: Equatable>(_ values: [Value], _ parse: (String) -> Value?) -> Bool {
            zip(values, expected).allSatisfy { value, text in parse(text) == value }
        }
        func sameFloats<Value: BinaryFloatingPoint>(_ values: [Value], _ convert: (Double) -> Value) -> Bool {
            zip(values, expected).allSatisfy { value, text in
                guard let parsed = Double(text) else { return false }
                let target = convert(parsed)
                return target.isNaN ? value.isNaN : target == value && target.sign == value.sign
            }
        }
        switch array.storage {
        case .bool(let values): return same(values) { $0 == "1" ? true : $0 == "0" ? false : nil }
        case .int8(let values): return same(values) { Int8($0) }
        case .uint8(let values): return same(values) { UInt8($0) }
        case .int16(let values): return same(values) { Int16($0) }
        case .uint16(let values): return same(values) { UInt16($0) }
        case .int32(let values): return same(values) { Int32($0) }
        case .uint32(let values): return same(values) { UInt32($0) }
        case .int64(let values): return same(values) { Int64($0) }
        case .uint64(let values): return same(values) { UInt64($0) }
        case .float32(let values): return sameFloats(values) { Float($0) }
        case .float64(let values): return sameFloats(values) { $0 }
        }
    }

    /// Runs a reader on each input: it must return or throw a ``DatasetError``, nothing else.
    static func feed(
        _ inputs: [[UInt8]], counts: inout (succeeded: Int, failed: Int),
        sourceLocation: SourceLocation = #_sourceLocation, reader: ([UInt8]) throws -> Void
    ) {
        for input in inputs {
            do {
                try reader(input)
                counts.succeeded += 1
            } catch let error as DatasetError {
                counts.failed += 1
                if error.description.contains("\n") {
                    Issue.record("multi-line message: \(error)", sourceLocation: sourceLocation)
                }
            } catch {
                Issue.record("threw \(error), not a DatasetError, for \(input.prefix(24))", sourceLocation: sourceLocation)
            }
        }
    }
}

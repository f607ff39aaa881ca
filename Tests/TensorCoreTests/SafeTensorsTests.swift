import Foundation
import TestSupport
import Testing

@testable import TensorCore

/// Tests of the safetensors reader and writer: round trips, the exact byte layout, every class of
/// corrupt input, atomic writes, and fixtures written by independent implementations
/// (`Scripts/make_safetensors_fixture.py`: pure Python, and the official `safetensors` package).
@Suite struct SafeTensorsTests {

    // MARK: Helpers

    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
        .appendingPathComponent("safetensors")

    /// A fresh empty directory; the caller removes it.
    func makeTemporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("SafeTensorsTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A file built by hand: the length prefix, `header` padded with spaces (unless told not to), then `data`.
    func file(header: String, data: [UInt8] = [], pad: Bool = true, length: UInt64? = nil) -> Data {
        var headerBytes = Array(header.utf8)
        if pad { headerBytes += [UInt8](repeating: 0x20, count: (8 - headerBytes.count % 8) % 8) }
        var result = Data()
        withUnsafeBytes(of: (length ?? UInt64(headerBytes.count)).littleEndian) { result.append(contentsOf: $0) }
        result.append(contentsOf: headerBytes)
        result.append(contentsOf: data)
        return result
    }

    /// The error `body` throws, which must be a ``CheckpointError``.
    func checkpointError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation)
        -> CheckpointError?
    {
        do {
            try body()
            Issue.record("expected a CheckpointError, nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as CheckpointError {
            return error
        } catch {
            Issue.record("expected a CheckpointError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// Decoding `data` either succeeds or throws a ``CheckpointError``; anything else is a failure.
    func decodeOrThrow(_ data: Data, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        do {
            let tensors = try SafeTensors.decode(data)
            for tensor in tensors.values {
                #expect(tensor.count == tensor.shape.reduce(1, *), sourceLocation: sourceLocation)
            }
            return true
        } catch is CheckpointError {
            return false
        } catch {
            Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
            return false
        }
    }

    func bits(_ tensor: Tensor?) -> [UInt32] { tensor?.scalars.map(\.bitPattern) ?? [] }

    func expectSameTensors(
        _ found: [String: Tensor], _ expected: [String: Tensor], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(found.keys.sorted() == expected.keys.sorted(), sourceLocation: sourceLocation)
        for (name, tensor) in expected {
            #expect(found[name]?.shape == tensor.shape, "shape of \(name)", sourceLocation: sourceLocation)
            #expect(bits(found[name]) == bits(tensor), "values of \(name)", sourceLocation: sourceLocation)
        }
    }

    /// A small valid checkpoint with metadata, used as the base of the corruption tests.
    func sampleTensors() -> [String: Tensor] {
        [
            "layer.weight": Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]),
            "layer.bias": Tensor(shape: [3], scalars: [-1, 0.5, 0.25]),
            "scale": Tensor(shape: [], scalars: [2]),
        ]
    }

    func sampleFile() throws -> Data {
        try SafeTensors.encode(sampleTensors(), metadata: ["epoch": "3", "method": "dcwh"])
    }

    // MARK: Round trips and layout

    @Test func roundTripsShapesIncludingRankZeroAndEmpty() throws {
        let special: [Float] = [
            -0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1, -3,
        ]
        let tensors: [String: Tensor] = [
            "scalar": Tensor(shape: [], scalars: [3.5]),
            "vector": Tensor(shape: [8], scalars: special),
            "matrix": Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]),
            "rank5": Tensor(shape: [1, 2, 1, 3, 2], scalars: (0..<12).map { Float($0) * 0.75 - 4 }),
            "empty": Tensor(shape: [0], scalars: []),
            "empty.middle": Tensor(shape: [2, 0, 4], scalars: []),
            "unicode ✓ \"name\"\n": Tensor(shape: [1], scalars: [7]),
        ]
        let decoded = try SafeTensors.decode(SafeTensors.encode(tensors))
        expectSameTensors(decoded, tensors)
    }

    @Test func roundTripsNothing() throws {
        let data = try SafeTensors.encode([:])
        #expect(data == file(header: "{}"))
        #expect(try SafeTensors.decode(data).isEmpty)
        #expect(try SafeTensors.decodeMetadata(data).isEmpty)
    }

    @Test func roundTripsLargeTensor() throws {
        let values = (0..<100_003).map { Float($0).squareRoot() - 100 }
        let tensors = ["big": Tensor(shape: [100_003], scalars: values)]
        expectSameTensors(try SafeTensors.decode(SafeTensors.encode(tensors)), tensors)
    }

    @Test func writesTheCanonicalLayout() throws {
        let tensors: [String: Tensor] = [
            "b": Tensor(shape: [2], scalars: [1, -2]),
            "a": Tensor(shape: [], scalars: [0.5]),
        ]
        let data = try SafeTensors.encode(tensors, metadata: ["k": "v"])
        let header =
            #"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"#
            + #""b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        var payload: [UInt8] = []
        for value: Float in [0.5, 1, -2] { withUnsafeBytes(of: value.bitPattern.littleEndian) { payload += $0 } }
        #expect(data == file(header: header, data: payload))

        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
        #expect(data[8] == UInt8(ascii: "{"))
        #expect(data[8 + headerLength - 1] == UInt8(ascii: " "))
    }

    @Test func encodingIsDeterministic() throws {
        var tensors: [String: Tensor] = [:]
        for index in 0..<50 {
            tensors["t\(index)"] = Tensor(shape: [index % 3], scalars: (0..<(index % 3)).map(Float.init))
        }
        var metadata: [String: String] = [:]
        for index in 0..<20 { metadata["key\(index)"] = "value \(index)" }
        let first = try SafeTensors.encode(tensors, metadata: metadata)
        let rebuilt = Dictionary(uniqueKeysWithValues: tensors.shuffled())
        #expect(
            try SafeTensors.encode(rebuilt, metadata: Dictionary(uniqueKeysWithValues: metadata.shuffled())) == first)
    }

    @Test func roundTripsMetadata() throws {
        let metadata = [
            "epoch": "12", "empty": "", "quote\"back\\slash": "line\nbreak\ttab\u{01}", "unicode": "ハッシュ ✓ 🚀",
        ]
        let data = try SafeTensors.encode(sampleTensors(), metadata: metadata)
        #expect(try SafeTensors.decodeMetadata(data) == metadata)
        let both = try SafeTensors.decodeWithMetadata(data)
        #expect(both.metadata == metadata)
        expectSameTensors(both.tensors, sampleTensors())
        #expect(!String(decoding: data, as: UTF8.self).contains(#"\/"#))
    }

    @Test func omitsEmptyMetadata() throws {
        let data = try SafeTensors.encode(sampleTensors())
        #expect(!String(decoding: data, as: UTF8.self).contains("__metadata__"))
    }

    @Test func rejectsTheReservedName() throws {
        let error = checkpointError { _ = try SafeTensors.encode(["__metadata__": Tensor(shape: [], scalars: [1])]) }
        #expect(error == .reservedTensorName("__metadata__"))
    }

    @Test func decodesFromADataSlice() throws {
        let data = try sampleFile()
        let padded = Data([1, 2, 3]) + data + Data([4])
        let slice = padded[3..<(3 + data.count)]
        expectSameTensors(try SafeTensors.decode(slice), sampleTensors())
    }

    @Test func convertsHalfPrecisionExactly() {
        #expect(SafeTensors.floatFromHalf(0x3C00) == 1)
        #expect(SafeTensors.floatFromHalf(0xC000) == -2)
        #expect(SafeTensors.floatFromHalf(0x7BFF) == 65504)
        #expect(SafeTensors.floatFromHalf(0x0001) == 0x1p-24)
        #expect(SafeTensors.floatFromHalf(0x03FF) == 1023 * 0x1p-24)
        #expect(SafeTensors.floatFromHalf(0x0400) == 0x1p-14)
        #expect(SafeTensors.floatFromHalf(0x8000).bitPattern == (-0.0 as Float).bitPattern)
        #expect(SafeTensors.floatFromHalf(0x7C00) == .infinity)
        #expect(SafeTensors.floatFromHalf(0xFC00) == -.infinity)
        #expect(SafeTensors.floatFromHalf(0x7E00).isNaN)
        #expect(SafeTensors.floatFromHalf(0x3555) == 0.333251953125)
    }

    @Test func readsEveryDTypeFromAHandBuiltFile() throws {
        var data: [UInt8] = []
        func append<T>(_ values: [T]) { for value in values { withUnsafeBytes(of: value) { data += $0 } } }
        append([Double(1.5).bitPattern.littleEndian, Double(-1e-300).bitPattern.littleEndian])  // F64 [0,16)
        append([Int64(-3).littleEndian, Int64(1 << 40).littleEndian])  // I64 [16,32)
        append([Int32.min.littleEndian])  // I32 [32,36)
        append([UInt16(0x3C00).littleEndian, UInt16(0xBFC0).littleEndian])  // F16 1, -1.9375 [36,40)
        append([UInt16(0x3F80).littleEndian, UInt16(0xC040).littleEndian])  // BF16 1, -3 [40,44)
        append([UInt8(0), UInt8(255)])  // U8 [44,46)
        let header = """
            {"f64":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},\
            "i64":{"dtype":"I64","shape":[2,1],"data_offsets":[16,32]},\
            "i32":{"dtype":"I32","shape":[],"data_offsets":[32,36]},\
            "f16":{"dtype":"F16","shape":[1,2],"data_offsets":[36,40]},\
            "bf16":{"dtype":"BF16","shape":[2],"data_offsets":[40,44]},\
            "u8":{"dtype":"U8","shape":[2],"data_offsets":[44,46]}}
            """
        let tensors = try SafeTensors.decode(file(header: header, data: data))
        #expect(tensors["f64"]?.scalars.map(\.bitPattern) == [Float(1.5), -0.0].map(\.bitPattern))
        #expect(tensors["i64"]?.scalars == [-3, 1_099_511_627_776])
        #expect(tensors["i64"]?.shape == [2, 1])
        #expect(tensors["i32"]?.scalars == [-2_147_483_648])
        #expect(tensors["i32"]?.shape == [])
        #expect(tensors["f16"]?.scalars == [1, -1.9375])
        #expect(tensors["bf16"]?.scalars == [1, -3])
        #expect(tensors["u8"]?.scalars == [0, 255])
    }

    @Test func ignoresUnknownFieldsAndAcceptsWhitespace() throws {
        let header = """
             { "x" : { "extra" : [1, {"deep": null}], "dtype" : "F32" , "shape" : [ 1 ] ,
            "data_offsets" : [ 0 , 4 ] } }
            """
        let tensors = try SafeTensors.decode(file(header: header, data: [0, 0, 0x80, 0x3F]))
        #expect(tensors["x"]?.scalars == [1])
    }

    @Test func readsTensorsStoredOutOfNameOrder() throws {
        let header = """
            {"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}
            """
        let tensors = try SafeTensors.decode(file(header: header, data: [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]))
        #expect(tensors["a"]?.scalars == [2])
        #expect(tensors["b"]?.scalars == [1])
    }

    // MARK: Corrupt input

    @Test func everyTruncationThrows() throws {
        let data = try sampleFile()
        let headerLength = Int(data[0]) | Int(data[1]) << 8
        for cut in 0..<data.count {
            let error = checkpointError { _ = try SafeTensors.decode(data.prefix(cut)) }
            switch cut {
            case 0..<8:
                #expect(error == .fileTooShort(byteCount: cut))
            case 8..<(8 + headerLength):
                #expect(error == .truncatedHeader(declared: UInt64(headerLength), available: cut - 8), "cut at \(cut)")
            default:
                guard case .dataOutOfBounds = error else {
                    Issue.record("cut at \(cut): \(String(describing: error))")
                    continue
                }
            }
        }
    }

    @Test func rejectsBadHeaderLengths() throws {
        let data = try sampleFile()
        func withLength(_ length: UInt64) -> Data {
            var copy = data
            withUnsafeBytes(of: length.littleEndian) { copy.replaceSubrange(0..<8, with: $0) }
            return copy
        }
        #expect(
            checkpointError { _ = try SafeTensors.decode(withLength(UInt64.max)) }
                == .headerTooLarge(byteCount: UInt64.max, limit: 100_000_000))
        #expect(
            checkpointError { _ = try SafeTensors.decode(withLength(100_000_001)) }
                == .headerTooLarge(byteCount: 100_000_001, limit: 100_000_000))
        #expect(
            checkpointError { _ = try SafeTensors.decode(withLength(UInt64(data.count))) }
                == .truncatedHeader(declared: UInt64(data.count), available: data.count - 8))
        for length: UInt64 in [0, 1] {
            let failure = checkpointError { _ = try SafeTensors.decode(withLength(length)) }
            guard case .invalidHeader = failure else {
                Issue.record("header length \(length) should be an invalid header")
                continue
            }
        }
        // A length that cuts the JSON short, or swallows the data into the header.
        for length: UInt64 in [7, 9, 24, UInt64(data.count - 8)] {
            #expect(checkpointError { _ = try SafeTensors.decode(withLength(length)) } != nil)
        }
    }

    @Test func rejectsHeadersThatAreNotJSONObjects() throws {
        let cases: [String] = [
            "[1, 2]", "\"text\"", "42", "null", "{\"a\":", "{\"a\" 1}", "{a: 1}", "{\"a\":1,}", "{} {}", "{\"a\":tru}",
            "{\"a\":01}", "{\"a\":1.}", "{\"a\":-}", "{\"a\":\"\\x\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00x\"}",
            "{\"a\":\"tab\there\"}", "{\"a\":\"open", "{\"a\":[1 2]}", String(repeating: "[", count: 200),
            String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 100),
        ]
        for header in cases {
            let error = checkpointError { _ = try SafeTensors.decode(file(header: header)) }
            guard case .invalidHeader(let reason) = error else {
                Issue.record("\(header.prefix(40)): \(String(describing: error))")
                continue
            }
            #expect(!reason.isEmpty)
        }
        // Invalid UTF-8 inside a string.
        var bytes = file(header: "{\"ab\":1}")
        bytes[10] = 0xFF
        let failure = checkpointError { _ = try SafeTensors.decode(bytes) }
        guard case .invalidHeader = failure else {
            Issue.record("invalid UTF-8 accepted")
            return
        }
    }

    /// Text `JSONSerialization` would accept but RFC 8259 and the official reader reject.
    @Test func rejectsWhatFoundationAloneWouldAccept() throws {
        let entry = #"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#
        let four: [UInt8] = [0, 0, 0x80, 0x3F]
        #expect(try SafeTensors.decode(file(header: #"{"x":\#(entry)}"#, data: four))["x"]?.scalars == [1])
        let cases: [(header: [UInt8], reason: String)] = [
            (Array(#"{"x":\#(entry),}"#.utf8), "trailing comma"),
            (Array(#"{"x":{"dtype":"F32","shape":[1,],"data_offsets":[0,4]}}"#.utf8), "trailing comma"),
            ([0xEF, 0xBB, 0xBF] + Array(#"{"x":\#(entry)}"#.utf8), "byte-order mark"),
            (Array(#"{"x":\#(entry)}"#.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }, "NUL byte"),
            (Array(#"{"x":\#(entry)}"#.utf8) + [0, 0, 0], "NUL byte"),
        ]
        for (header, reason) in cases {
            var bytes = Data()
            withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: header + four)
            let error = checkpointError { _ = try SafeTensors.decode(bytes) }
            guard case .invalidHeader(let found) = error else {
                Issue.record("\(reason): \(String(describing: error))")
                continue
            }
            #expect(found.contains(reason), "\(found)")
        }
        // Integers only: no bools, fractions or exponents, even when their value is a whole number.
        for shape in ["[true]", "[1E0]", "[1.0]", "[4e0]", "[null]", "[[1]]", "[18446744073709551615]"] {
            let header = #"{"x":{"dtype":"U8","shape":\#(shape),"data_offsets":[0,1]}}"#
            let error = checkpointError { _ = try SafeTensors.decode(file(header: header, data: [7])) }
            guard case .invalidHeader(let reason) = error else {
                Issue.record("shape \(shape): \(String(describing: error))")
                continue
            }
            #expect(reason.contains("non-negative integer"), "\(shape): \(reason)")
        }
        // Of several faults, the same one is reported every time (the first tensor by name).
        let twoFaults = #"{"b":{"dtype":"C64","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"X","shape":[1],"data_offsets":[0,4]}}"#
        for _ in 0..<5 {
            #expect(
                checkpointError { _ = try SafeTensors.decode(file(header: twoFaults, data: four)) }
                    == .unsupportedDType(name: "a", dtype: "X"))
        }
    }

    @Test func rejectsDeepNestingWithoutExhaustingTheStack() {
        for header in [String(repeating: "[", count: 200_000), String(repeating: "{\"a\":", count: 100_000)] {
            let error = checkpointError { _ = try SafeTensors.decode(file(header: header)) }
            guard case .invalidHeader(let reason) = error else {
                Issue.record("deep nesting: \(String(describing: error))")
                continue
            }
            #expect(reason.contains("nesting deeper than"))
        }
    }

    @Test func corruptedHeaderBytesThrowOrDecode() throws {
        let data = try sampleFile()
        let headerLength = Int(data[0]) | Int(data[1]) << 8
        let replacements: [UInt8] = [0x00, 0x22, 0x7B, 0x7D, 0x2C, 0x3A, 0x5B, 0x5D, 0x39, 0x2D, 0x5C, 0xFF, 0x20]
        var decoded = 0
        for position in 8..<(8 + headerLength) {
            for replacement in replacements where data[position] != replacement {
                var copy = data
                copy[position] = replacement
                if decodeOrThrow(copy) { decoded += 1 }
            }
        }
        // Only changes inside the padding or metadata strings can leave a valid file.
        #expect(decoded < headerLength * replacements.count / 4)
    }

    @Test func rejectsUnsupportedDTypes() throws {
        for dtype in ["F8_E4M3", "f32", "", "BOOL", "C64", "F32 "] {
            let header = #"{"x":{"dtype":"\#(dtype)","shape":[1],"data_offsets":[0,4]}}"#
            let error = checkpointError { _ = try SafeTensors.decode(file(header: header, data: [0, 0, 0, 0])) }
            #expect(error == .unsupportedDType(name: "x", dtype: dtype))
            #expect(error?.description.contains("\"\(dtype)\"") == true)
        }
        let header = #"{"x":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}"#
        let failure = checkpointError { _ = try SafeTensors.decode(file(header: header, data: [0, 0, 0, 0])) }
        guard case .invalidHeader = failure
        else {
            Issue.record("a numeric dtype should be an invalid header")
            return
        }
    }

    @Test func rejectsShapesThatDoNotMatchTheByteRange() throws {
        let cases: [(String, [Int], String, Int, Int)] = [
            ("F32", [2], "[0,4]", 8, 4),
            ("F32", [], "[0,8]", 4, 8),
            ("F64", [1], "[0,4]", 8, 4),
            ("F16", [3], "[0,8]", 6, 8),
            ("U8", [0], "[0,8]", 0, 8),
        ]
        for (dtype, shape, offsets, expected, found) in cases {
            let header = #"{"x":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":\#(offsets)}}"#
            let error = checkpointError {
                _ = try SafeTensors.decode(file(header: header, data: [UInt8](repeating: 0, count: 8)))
            }
            #expect(
                error == .byteCountMismatch(name: "x", shape: shape, dtype: dtype, expected: expected, found: found))
        }
    }

    @Test func rejectsMalformedEntries() throws {
        let cases: [String] = [
            #"{"x":[1]}"#,
            #"{"x":{"shape":[1],"data_offsets":[0,4]}}"#,
            #"{"x":{"dtype":"F32","data_offsets":[0,4]}}"#,
            #"{"x":{"dtype":"F32","shape":[1]}}"#,
            #"{"x":{"dtype":"F32","shape":1,"data_offsets":[0,4]}}"#,
            #"{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#,
            #"{"x":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#,
            #"{"x":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}"#,
            #"{"x":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}"#,
            #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#,
            #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#,
            #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,99999999999999999999999]}}"#,
            #"{"x":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}"#,
            #"{"x":{"dtype":"F32","shape":[9223372036854775807,9223372036854775807],"data_offsets":[0,4]}}"#,
            #"{"__metadata__":{"a":1}}"#,
            #"{"__metadata__":["a"]}"#,
        ]
        for header in cases {
            let error = checkpointError {
                _ = try SafeTensors.decode(file(header: header, data: [0, 0, 0, 0, 0, 0, 0, 0]))
            }
            guard case .invalidHeader = error else {
                Issue.record("\(header): \(String(describing: error))")
                continue
            }
        }
    }

    @Test func rejectsOverlappingGappedAndOutOfBoundsData() throws {
        let eight = [UInt8](repeating: 0, count: 8)
        func decode(_ header: String, _ data: [UInt8] = eight) -> CheckpointError? {
            checkpointError { _ = try SafeTensors.decode(file(header: header, data: data)) }
        }
        let overlap = decode(
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        )
        #expect(overlap == .overlappingData("b", "a"))
        let same = decode(
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        )
        #expect(same == .overlappingData("b", "a"))
        let emptyInside = decode(
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}"#
        )
        #expect(emptyInside == .overlappingData("e", "a"))
        let gap = decode(
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}}"#
        )
        #expect(gap == .nonContiguousData(name: "b", begin: 6, expectedBegin: 4))
        let leadingGap = decode(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#)
        #expect(leadingGap == .nonContiguousData(name: "a", begin: 4, expectedBegin: 0))
        let trailing = decode(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#)
        #expect(trailing == .trailingData(byteCount: 4))
        let beyond = decode(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#)
        #expect(beyond == .dataOutOfBounds(name: "a", end: 16, dataByteCount: 8))
        let far = decode(#"{"a":{"dtype":"U8","shape":[0],"data_offsets":[9000000000,9000000000]}}"#)
        #expect(far == .dataOutOfBounds(name: "a", end: 9_000_000_000, dataByteCount: 8))
        #expect(decode(#"{}"#) == .trailingData(byteCount: 8))
        // Zero-length tensors at the boundaries are fine.
        let edges = try SafeTensors.decode(
            file(
                header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
                    + #""e0":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"#
                    + #""e8":{"dtype":"F32","shape":[0,3],"data_offsets":[8,8]}}"#, data: eight))
        #expect(edges.count == 3)
    }

    @Test func rejectsDuplicateKeys() throws {
        let tensor = #"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#
        #expect(
            checkpointError {
                _ = try SafeTensors.decode(file(header: #"{"x":\#(tensor),"x":\#(tensor)}"#, data: [0, 0, 0, 0]))
            }
                == .duplicateKey("x"))
        let nested = #"{"x":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        #expect(
            checkpointError { _ = try SafeTensors.decode(file(header: nested, data: [0, 0, 0, 0])) }
                == .duplicateKey("dtype"))
        let metadata = #"{"__metadata__":{"a":"1","a":"2"}}"#
        #expect(checkpointError { _ = try SafeTensors.decode(file(header: metadata)) } == .duplicateKey("a"))
        // Keys equal only after unescaping are duplicates too.
        let escaped = #"{"__metadata__":{"a":"1","\u0061":"2"}}"#
        #expect(checkpointError { _ = try SafeTensors.decode(file(header: escaped)) } == .duplicateKey("a"))
    }

    @Test func randomBytesThrowOrDecode() {
        var generator = SplitMix64(seed: 0x5AFE_7E45)
        for _ in 0..<500 {
            var bytes = generator.bytes(count: Int.random(in: 0..<300, using: &generator))
            if bytes.count >= 8, Bool.random(using: &generator) {
                // Give half the inputs a plausible header length so the JSON parser sees random bytes.
                let length = UInt64.random(in: 0...UInt64(bytes.count - 8), using: &generator)
                withUnsafeBytes(of: length.littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
            }
            _ = decodeOrThrow(Data(bytes))
        }
    }

    @Test func randomJSONLikeHeadersThrowOrDecode() {
        var generator = SplitMix64(seed: 42)
        let tokens = [
            "{", "}", "[", "]", ",", ":", "\"", "\"x\"", "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"F32\"",
            "\"U8\"",
            "\"__metadata__\"", "0", "1", "4", "8", "-1", "1e3", "2.5", "true", "null", " ", "\\", "\\u00", "ä",
        ]
        for _ in 0..<500 {
            let header = (0..<Int.random(in: 1..<40, using: &generator)).map { _ in
                tokens.randomElement(using: &generator)!
            }
            .joined()
            let data = generator.bytes(count: Int.random(in: 0..<12, using: &generator))
            _ = decodeOrThrow(file(header: header, data: data, pad: Bool.random(using: &generator)))
        }
    }

    @Test func mutatedFilesThrowOrDecode() throws {
        let original = [UInt8](try sampleFile())
        for (index, mutant) in FuzzInputs.mutations(of: original, seed: 7, count: 500).enumerated() {
            _ = decodeOrThrow(Data(mutant))
            // The same edits in a file cut short.
            _ = decodeOrThrow(Data(mutant.dropLast(1 + index % 16)))
        }
    }

    // MARK: Files

    @Test func writesAndReadsFiles() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try SafeTensors.write(sampleTensors(), to: url, metadata: ["epoch": "5"])
        expectSameTensors(try SafeTensors.read(from: url), sampleTensors())
        #expect(try SafeTensors.readMetadata(from: url) == ["epoch": "5"])
        let both = try SafeTensors.readWithMetadata(from: url)
        #expect(both.metadata == ["epoch": "5"])
        expectSameTensors(both.tensors, sampleTensors())
        #expect(try Data(contentsOf: url) == SafeTensors.encode(sampleTensors(), metadata: ["epoch": "5"]))
    }

    @Test func atomicWriteLeavesNoTemporaryFileAndReplacesWhole() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("checkpoint.safetensors")
        let big = ["weights": Tensor(shape: [10_000], scalars: (0..<10_000).map(Float.init))]
        try SafeTensors.write(big, to: url, metadata: ["version": "1"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["checkpoint.safetensors"])

        let small = ["bias": Tensor(shape: [2], scalars: [1, 2])]
        try SafeTensors.write(small, to: url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["checkpoint.safetensors"])
        #expect(try Data(contentsOf: url) == SafeTensors.encode(small))
        expectSameTensors(try SafeTensors.read(from: url), small)
        #expect(try SafeTensors.readMetadata(from: url).isEmpty)
    }

    @Test func failedWriteLeavesTheOldFileAndNoTemporaryFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("keep.safetensors")
        try SafeTensors.write(sampleTensors(), to: url)
        let before = try Data(contentsOf: url)
        // Encoding fails before anything is written.
        #expect(
            checkpointError {
                try SafeTensors.write(["__metadata__": Tensor(shape: [], scalars: [0])], to: url)
            } == .reservedTensorName("__metadata__"))
        // The destination is a non-empty directory, so the rename fails after the temporary file was written.
        let blocked = directory.appendingPathComponent("blocked.safetensors")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: false)
        try Data([1]).write(to: blocked.appendingPathComponent("inside"))
        let tensors = sampleTensors()
        let failure = checkpointError { try SafeTensors.write(tensors, to: blocked) }
        guard case .writeFailed(let path, _) = failure
        else {
            Issue.record("renaming over a directory should fail")
            return
        }
        #expect(path == blocked.path)
        #expect(try Data(contentsOf: url) == before)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
                == ["blocked.safetensors", "keep.safetensors"])
    }

    @Test func reportsMissingAndUnwritablePaths() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("nope.safetensors")
        #expect(checkpointError { _ = try SafeTensors.read(from: missing) } == .fileNotFound(missing.path))
        #expect(checkpointError { _ = try SafeTensors.readMetadata(from: missing) } == .fileNotFound(missing.path))
        let failure = checkpointError { _ = try SafeTensors.read(from: directory) }
        guard case .readFailed = failure else {
            Issue.record("reading a directory should fail")
            return
        }
        let nowhere = directory.appendingPathComponent("no-such-directory/model.safetensors")
        let writeFailure = checkpointError { try SafeTensors.write([:], to: nowhere) }
        guard case .writeFailed(let path, let reason) = writeFailure
        else {
            Issue.record("writing into a missing directory should fail")
            return
        }
        #expect(path == nowhere.path)
        #expect(reason.contains("No such file"))
    }

    @Test func readMetadataValidatesAgainstTheFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("cut.safetensors")
        let data = try sampleFile()
        for cut in [0, 5, 8, 20, data.count - 1] {
            try data.prefix(cut).write(to: url)
            #expect(checkpointError { _ = try SafeTensors.readMetadata(from: url) } != nil, "cut at \(cut)")
        }
        try data.write(to: url)
        #expect(try SafeTensors.readMetadata(from: url) == ["epoch": "3", "method": "dcwh"])
    }

    // MARK: Fixtures from independent writers

    struct ExpectedFile: Decodable {
        struct Entry: Decodable {
            var dtype: String
            var shape: [Int]
            var float32Bits: [UInt32]
            enum CodingKeys: String, CodingKey {
                case dtype, shape
                case float32Bits = "float32_bits"
            }
        }
        var metadata: [String: String]
        var tensors: [String: Entry]
    }

    func expectFixtureMatches(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = Self.fixtures.appendingPathComponent("\(name).safetensors")
        let expected = try JSONDecoder().decode(
            ExpectedFile.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("\(name).json")))
        let (tensors, metadata) = try SafeTensors.readWithMetadata(from: url)
        #expect(metadata == expected.metadata, sourceLocation: sourceLocation)
        #expect(try SafeTensors.readMetadata(from: url) == expected.metadata, sourceLocation: sourceLocation)
        #expect(tensors.keys.sorted() == expected.tensors.keys.sorted(), sourceLocation: sourceLocation)
        for (tensorName, entry) in expected.tensors {
            #expect(tensors[tensorName]?.shape == entry.shape, "\(name): \(tensorName)", sourceLocation: sourceLocation)
            #expect(
                bits(tensors[tensorName]) == entry.float32Bits, "\(name): \(tensorName) (\(entry.dtype))",
                sourceLocation: sourceLocation)
        }
    }

    /// Written by `Scripts/make_safetensors_fixture.py` with the Python standard library only; all seven dtypes.
    @Test func readsThePurePythonReference() throws {
        try expectFixtureMatches("reference")
    }

    /// Written by the official `safetensors.numpy.save_file` (see the same script).
    @Test func readsTheOfficialLibrarysFile() throws {
        try expectFixtureMatches("official-numpy")
    }

    /// The tensors of `swift-written.safetensors`, which the official loader reads (see the script).
    func swiftWrittenTensors() -> [String: Tensor] {
        [
            "encoder.bias": Tensor(shape: [3], scalars: [0.5, -1.25, 3]),
            "encoder.weight": Tensor(
                shape: [2, 3],
                scalars: [1, -0.0, .greatestFiniteMagnitude, .leastNonzeroMagnitude, .infinity, -.infinity]),
            "nan": Tensor(shape: [1], scalars: [.nan]),
            "scalar": Tensor(shape: [], scalars: [0.1]),
            "empty": Tensor(shape: [0, 2], scalars: []),
        ]
    }
    let swiftWrittenMetadata = ["created_by": "SafeTensorsTests"]

    /// Our encoder reproduces the committed file byte for byte. Run with
    /// `SAFETENSORS_REGENERATE_FIXTURES=1` to rewrite it (and its JSON) after a deliberate change.
    @Test func reproducesTheSwiftWrittenFixture() throws {
        let url = Self.fixtures.appendingPathComponent("swift-written.safetensors")
        let encoded = try SafeTensors.encode(swiftWrittenTensors(), metadata: swiftWrittenMetadata)
        if ProcessInfo.processInfo.environment["SAFETENSORS_REGENERATE_FIXTURES"] == "1" {
            try SafeTensors.write(swiftWrittenTensors(), to: url, metadata: swiftWrittenMetadata)
            let tensors = swiftWrittenTensors().mapValues { tensor -> [String: Any] in
                ["dtype": "F32", "shape": tensor.shape, "float32_bits": tensor.scalars.map(\.bitPattern)]
            }
            let json = try JSONSerialization.data(
                withJSONObject: ["metadata": swiftWrittenMetadata, "tensors": tensors],
                options: [.prettyPrinted, .sortedKeys])
            try (json + Data("\n".utf8)).write(to: Self.fixtures.appendingPathComponent("swift-written.json"))
        }
        #expect(try Data(contentsOf: url) == encoded)
        try expectFixtureMatches("swift-written")
    }

    // MARK: Messages

    @Test func errorsDescribeThemselvesInOneLine() {
        let errors: [CheckpointError] = [
            .fileNotFound("/tmp/x"), .readFailed(path: "/tmp/x", reason: "denied"),
            .writeFailed(path: "/tmp/x", reason: "full"),
            .fileTooShort(byteCount: 3), .headerTooLarge(byteCount: 1 << 40, limit: 100_000_000),
            .truncatedHeader(declared: 100, available: 10), .invalidHeader("not valid JSON"), .duplicateKey("a"),
            .unsupportedDType(name: "x", dtype: "C64"),
            .byteCountMismatch(name: "x", shape: [2], dtype: "F32", expected: 8, found: 4),
            .dataOutOfBounds(name: "x", end: 16, dataByteCount: 8), .overlappingData("a", "b"),
            .nonContiguousData(name: "b", begin: 6, expectedBegin: 4), .trailingData(byteCount: 4),
            .reservedTensorName("__metadata__"), .missingTensor("conv1.weight"), .unexpectedTensor("fc.bias"),
            .shapeMismatch("fc.weight", expected: [10, 84], found: [10, 64]),
        ]
        for error in errors {
            #expect(!error.description.isEmpty)
            #expect(!error.description.contains("\n"), "\(error)")
        }
        #expect(
            CheckpointError.shapeMismatch("fc.weight", expected: [10, 84], found: [10, 64]).description
                == "tensor \"fc.weight\" has shape [10, 64] in the checkpoint, expected [10, 84]")
        #expect(
            CheckpointError.missingTensor("conv1.weight").description == "checkpoint has no tensor \"conv1.weight\"")
    }
}

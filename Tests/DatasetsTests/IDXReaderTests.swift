import Foundation
import Testing

@testable import Datasets

@Suite("IDX reader")
struct IDXReaderTests {
    static let images = IDXArray(dimensions: [3, 2, 4], unsignedBytes: Array(0..<24))

    @Test("Plain and gzipped files round trip")
    func roundTrip() throws {
        let plain = Self.images.encoded()
        #expect(plain.prefix(4) == [0, 0, 0x08, 3])
        #expect(plain.count == 4 + 3 * 4 + 24)
        #expect(try IDXReader.read(plain) == Self.images)
        #expect(try IDXReader.read(Zlib.compress(plain, format: .gzip)) == Self.images)
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("images-idx3-ubyte.gz")
            try write(Zlib.compress(plain, format: .gzip), to: url)
            let array = try IDXReader.read(contentsOf: url)
            #expect(array.dimensions == [3, 2, 4] && array.elementType == .unsignedByte)
            #expect(array.bytes == Array(0..<24))
        }
    }

    @Test("Wider element types convert to Float")
    func elementTypes() throws {
        let floats = IDXArray(elementType: .float, dimensions: [2], bytes: [0x3F, 0x80, 0, 0, 0xC0, 0x20, 0, 0])
        #expect(try IDXReader.read(floats.encoded()).floatValues() == [1, -2.5])
        let shorts = IDXArray(elementType: .short, dimensions: [2], bytes: [0xFF, 0xFE, 0x01, 0x00])
        #expect(shorts.floatValues() == [-2, 256])
        let integers = IDXArray(elementType: .int, dimensions: [1], bytes: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(integers.floatValues() == [-1])
        let signed = IDXArray(elementType: .signedByte, dimensions: [2], bytes: [0x80, 0x7F])
        #expect(signed.floatValues() == [-128, 127])
        let doubles = IDXArray(elementType: .double, dimensions: [1], bytes: [0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18])
        #expect(abs(doubles.floatValues()[0] - Float.pi) < 1e-6)
        #expect(Self.images.floatValues()[23] == 23)
    }

    @Test("Every truncation of a plain file throws `truncated`")
    func truncation() {
        let plain = Self.images.encoded()
        for length in 0..<plain.count {
            let error = expectDatasetError("truncated", containing: ["cut-idx"]) {
                try IDXReader.read(Array(plain.prefix(length)), source: "cut-idx")
            }
            if error == nil { break }
        }
        let gzipped = Zlib.compress(plain, format: .gzip)
        expectDatasetError("truncated", containing: ["cut.gz"]) {
            try IDXReader.read(Array(gzipped.dropLast(12)), source: "cut.gz")
        }
    }

    @Test("Wrong magic, unknown data type, zero rank and extra bytes are named")
    func malformedHeaders() {
        expectDatasetError("wrongMagic", containing: ["notes.txt", "00 00 <type> <rank>", "68 65 6C 6C"]) {
            try IDXReader.read(Array("hello world".utf8), source: "notes.txt")
        }
        expectDatasetError("unsupportedDataType", containing: ["odd-idx", "0x07"]) {
            try IDXReader.read([0, 0, 0x07, 1, 0, 0, 0, 1, 9], source: "odd-idx")
        }
        expectDatasetError("invalidFormat", containing: ["0 dimensions"]) { try IDXReader.read([0, 0, 8, 0]) }
        expectDatasetError("invalidFormat", containing: ["2 unexpected bytes"]) {
            try IDXReader.read(Self.images.encoded() + [1, 2])
        }
        expectDatasetError("truncated", containing: ["need 34359738360 bytes"]) {
            try IDXReader.read([0, 0, 0x0D, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 2, 1, 2, 3, 4])
        }
        expectDatasetError("unsupportedDataType", containing: ["0x0D"]) {
            let floats = IDXArray(elementType: .float, dimensions: [1], bytes: [0, 0, 0, 0])
            try IDXReader.read(floats.encoded()).require(.unsignedByte, rank: 1, source: "floats")
        }
        expectDatasetError("unexpectedShape", containing: ["1 dimensions", "[3, 2, 4]"]) {
            try Self.images.require(.unsignedByte, rank: 1, source: "images")
        }
    }
}

import Foundation
import Testing

@testable import Datasets

@Suite("Zlib")
struct ZlibTests {
    @Test("CRC-32 matches the standard check value")
    func crcCheckValue() {
        #expect(Zlib.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(Zlib.crc32([]) == 0)
        let whole = Zlib.crc32(Array("123456789".utf8))
        let pieces = Zlib.crc32(Array("6789".utf8), continuing: Zlib.crc32(Array("12345".utf8)))
        #expect(whole == pieces)
    }

    @Test("Round trip through zlib and gzip", arguments: [0, 1, 1_000, 300_000])
    func roundTrip(size: Int) throws {
        var generator = SeededGenerator(seed: UInt64(size))
        // Half random, half repetitive: exercises both stored and well-compressed blocks.
        let data = generator.bytes(count: size / 2) + (0..<(size - size / 2)).map { UInt8($0 % 7) }
        for format in [Zlib.Format.zlib, .gzip] {
            let compressed = Zlib.compress(data, format: format)
            #expect(Zlib.isGzip(compressed) == (format == .gzip))
            #expect(try Zlib.decompress(compressed, source: "test") == data)
            // Without a size hint the output buffer grows several times.
            #expect(try Zlib.decompress(compressed, source: "test", sizeHint: 1) == data)
        }
    }

    @Test("Concatenated gzip members decompress to the concatenation")
    func concatenatedMembers() throws {
        let first = Array("first member, ".utf8)
        let second = Array("second member".utf8)
        let joined = Zlib.compress(first, format: .gzip) + Zlib.compress(second, format: .gzip)
        #expect(try Zlib.decompress(joined, source: "test") == first + second)
    }

    @Test("Zero padding after the stream is ignored; other trailing bytes are an error")
    func trailingBytes() throws {
        let data = Array("payload".utf8)
        let compressed = Zlib.compress(data)
        #expect(try Zlib.decompress(compressed + [0, 0, 0], source: "test") == data)
        expectDatasetError("corruptCompressedData", containing: ["padded.bin", "unexpected bytes"]) {
            try Zlib.decompress(compressed + [1, 2, 3], source: "padded.bin")
        }
    }

    @Test("Every truncation of a stream throws a clear error")
    func truncation() {
        var generator = SeededGenerator(seed: 7)
        let compressed = Zlib.compress(generator.bytes(count: 2_000), format: .gzip)
        expectDatasetError("truncated", containing: ["empty.gz", "empty"]) {
            try Zlib.decompress([], source: "empty.gz")
        }
        for length in 1..<compressed.count {
            let error = expectDatasetError("truncated", containing: ["cut.gz"]) {
                try Zlib.decompress(Array(compressed.prefix(length)), source: "cut.gz")
            }
            if error == nil { break }  // One failure says enough.
        }
    }

    @Test("Corrupt streams throw instead of crashing")
    func corruption() {
        expectDatasetError("corruptCompressedData", containing: ["junk", "incorrect header check"]) {
            try Zlib.decompress(Array("this is not compressed".utf8), source: "junk")
        }
        var compressed = Zlib.compress(Array(repeating: 42, count: 10_000))
        compressed[compressed.count - 2] ^= 0xFF  // Inside the Adler-32 trailer.
        expectDatasetError("corruptCompressedData", containing: ["incorrect data check"]) {
            try Zlib.decompress(compressed, source: "trailer")
        }
    }

    @Test("A stream larger than the maximum size is rejected")
    func maximumSize() throws {
        let compressed = Zlib.compress(Array(repeating: 0, count: 100_000))
        #expect(try Zlib.decompress(compressed, source: "test", maximumSize: 100_000).count == 100_000)
        expectDatasetError("invalidFormat", containing: ["bomb", "more than 99999 bytes"]) {
            try Zlib.decompress(compressed, source: "bomb", maximumSize: 99_999)
        }
    }
}

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

    @Test("Raw deflate of an exact size: round trip, hand-built stored blocks, and a known stream", arguments: [0, 1, 1_000, 300_000])
    func rawRoundTrip(size: Int) throws {
        var generator = SeededGenerator(seed: UInt64(size) + 100)
        let data = generator.bytes(count: size / 2) + (0..<(size - size / 2)).map { UInt8($0 % 5) }
        for level in [0, 6, 9] {
            let compressed = Zlib.compress(data, format: .raw, level: level)
            #expect(try Zlib.decompressRaw(compressed, expectedSize: data.count, source: "raw") == data)
        }
        // Stored blocks written by hand from RFC 1951 §3.2.4 (BFINAL, BTYPE 00, LEN, NLEN, the bytes),
        // split into blocks of at most 65,535 bytes: no zlib compressor involved.
        var stored: [UInt8] = []
        var offset = 0
        repeat {
            let length = min(data.count - offset, 65_535)
            let isFinal = offset + length == data.count
            stored += [isFinal ? 1 : 0, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            stored += data[offset..<(offset + length)]
            offset += length
        } while offset < data.count
        #expect(try Zlib.decompressRaw(stored, expectedSize: data.count, source: "stored") == data)
        // Python's zlib.compress(b"a") is 78 9C 4B 04 00 00 62 00 62: a 2-byte header, the raw
        // stream 4B 04 00 (one fixed-Huffman block) and the Adler-32.
        #expect(try Zlib.decompressRaw([0x4B, 0x04, 0x00], expectedSize: 1, source: "a") == Array("a".utf8))
    }

    @Test("Raw deflate: a cut stream, a wrong size, trailing bytes and a wrapped stream are clear errors")
    func rawErrors() {
        let data = Array(repeating: UInt8(7), count: 64) + Array("tail of the data".utf8)
        let compressed = Zlib.compress(data, format: .raw)
        for length in 0..<compressed.count {
            let error = expectDatasetError("truncated", containing: ["cut.raw"]) {
                try Zlib.decompressRaw(Array(compressed.prefix(length)), expectedSize: data.count, source: "cut.raw")
            }
            if error == nil { break }
        }
        expectDatasetError("invalidFormat", containing: ["small.raw", "more than the 10 bytes expected"]) {
            try Zlib.decompressRaw(compressed, expectedSize: 10, source: "small.raw")
        }
        expectDatasetError("truncated", containing: ["large.raw", "inflates to \(data.count) bytes, but \(data.count + 1) were expected"]) {
            try Zlib.decompressRaw(compressed, expectedSize: data.count + 1, source: "large.raw")
        }
        // Unlike zlib and gzip streams, raw deflate must end with the input: not even zeros follow.
        expectDatasetError("corruptCompressedData", containing: ["padded.raw", "1 unexpected bytes"]) {
            try Zlib.decompressRaw(compressed + [0], expectedSize: data.count, source: "padded.raw")
        }
        expectDatasetError("invalidFormat", containing: ["cannot come from 3 compressed bytes"]) {
            try Zlib.decompressRaw([0x4B, 0x04, 0x00], expectedSize: 1 << 20, source: "claim")
        }
        expectDatasetError("invalidFormat", containing: ["an expected size of -1 bytes"]) {
            try Zlib.decompressRaw(compressed, expectedSize: -1, source: "negative")
        }
        // A gzip file is not raw deflate: its header is not taken for one.
        expectDatasetError("corruptCompressedData", containing: ["wrapped.gz"]) {
            try Zlib.decompressRaw(Zlib.compress(data, format: .gzip), expectedSize: data.count, source: "wrapped.gz")
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

import AtomicFiles
import Foundation

/// Codes in the byte layouts other engines take.
///
/// **Bit order** (`numpy.packbits`, the default `bitorder="big"`): code bit `j` is bit `7 − j % 8`
/// of byte `j / 8`, so the first bit of a code is the most significant bit of its first byte, and
/// a code of K bits takes `⌈K / 8⌉` bytes, the last one padded with zero bits. This is what
/// `numpy.packbits(bits, axis=1)` gives for a `[N, K]` array of 0/1, what FAISS binary indexes
/// (`IndexBinaryFlat`) take as `uint8 [N, K / 8]`, and what Milvus bulk-inserts into a
/// `BINARY_VECTOR` field. Hamming distances do not depend on the order as long as the queries are
/// packed the same way: pack yours with `numpy.packbits(bits, axis=1)`.
extension PackedCodes {
    /// Bytes per code in the packed-bytes layout: `⌈bitCount / 8⌉`.
    public var packedByteCount: Int { (bitCount + 7) / 8 }

    /// The codes as `numpy.packbits` bytes, row-major: `[count × packedByteCount]`.
    public func packbitsBytes() -> [UInt8] {
        let rowBytes = packedByteCount
        var bytes = [UInt8](repeating: 0, count: count * rowBytes)
        bytes.withUnsafeMutableBufferPointer { out in
            words.withUnsafeBufferPointer { w in
                for code in 0..<count {
                    for byte in 0..<rowBytes {
                        // Bits 8·byte ..< 8·byte + 8 of the code, LSB first in the word; reverse them.
                        let bit = byte * 8
                        let chunk = UInt8(truncatingIfNeeded: w[code * wordsPerCode + bit >> 6] >> UInt64(bit & 63))
                        out[code * rowBytes + byte] = chunk.bitReversed
                    }
                }
            }
        }
        return bytes
    }

    /// Codes of `bitCount` bits from `numpy.packbits` bytes, row-major `[count × ⌈bitCount / 8⌉]`.
    /// - Throws: ``PackedCodesError/invalidBitCount(_:)``, ``PackedCodesError/lengthNotMultiple(length:of:)``,
    ///   ``PackedCodesError/nonZeroPaddingBits(code:)`` when a padding bit of a last byte is set.
    public init(packbits bytes: [UInt8], bitCount: Int) throws {
        guard bitCount > 0 else { throw PackedCodesError.invalidBitCount(bitCount) }
        let rowBytes = (bitCount + 7) / 8
        guard bytes.count % rowBytes == 0 else { throw PackedCodesError.lengthNotMultiple(length: bytes.count, of: rowBytes) }
        let count = bytes.count / rowBytes
        let wordsPerCode = (bitCount + 63) / 64
        let padding = UInt8(truncatingIfNeeded: (1 << (rowBytes * 8 - bitCount)) - 1)  // low bits of the last byte
        var words = [UInt64](repeating: 0, count: count * wordsPerCode)
        for code in 0..<count {
            if bytes[code * rowBytes + rowBytes - 1] & padding != 0 { throw PackedCodesError.nonZeroPaddingBits(code: code) }
            for byte in 0..<rowBytes {
                let bit = byte * 8
                words[code * wordsPerCode + bit >> 6] |= UInt64(bytes[code * rowBytes + byte].bitReversed) << UInt64(bit & 63)
            }
        }
        try self.init(words: words, bitCount: bitCount)
    }
}

extension UInt8 {
    /// The bits in reverse order (bit 0 ↔ bit 7).
    var bitReversed: UInt8 {
        var x = self
        x = (x & 0xF0) >> 4 | (x & 0x0F) << 4
        x = (x & 0xCC) >> 2 | (x & 0x33) << 2
        x = (x & 0xAA) >> 1 | (x & 0x55) << 1
        return x
    }
}

/// A FAISS `IndexBinaryFlat` file, as `faiss.write_index_binary` writes it and
/// `faiss.read_index_binary` reads it (FAISS 1.x): the four bytes `IBxF`, then `d` (int32, bits),
/// `code_size` (int32, bytes), `ntotal` (int64), `is_trained` (1 byte), `metric_type` (int32,
/// 1 = L2, which FAISS binary indexes ignore), then the codes as a vector: a uint64 byte count and
/// the `numpy.packbits` bytes (see ``PackedCodes/packbitsBytes()``). Little-endian throughout.
public enum FaissBinaryIndexFile {
    /// The file's bytes. FAISS needs whole bytes: `bitCount` must be a multiple of 8.
    public static func encode(_ codes: PackedCodes) throws -> [UInt8] {
        guard codes.bitCount % 8 == 0 else { throw ExportError.bitsNotMultipleOf8(codes.bitCount) }
        var bytes: [UInt8] = Array("IBxF".utf8)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        let packed = codes.packbitsBytes()
        append(Int32(codes.bitCount))
        append(Int32(codes.packedByteCount))
        append(Int64(codes.count))
        bytes.append(1)  // is_trained
        append(Int32(1))  // METRIC_L2, FAISS's default (binary indexes always use Hamming)
        append(UInt64(packed.count))
        bytes.append(contentsOf: packed)
        return bytes
    }

    /// Writes the file atomically.
    public static func write(_ codes: PackedCodes, to url: URL) throws {
        let bytes = try encode(codes)
        do {
            try AtomicFile.write(bytes, to: url)
        } catch {
            throw ExportError.writeFailed(path: url.path, reason: error.reason)
        }
    }

    /// Reads the codes of an `IndexBinaryFlat` file back (for checks and round trips).
    public static func read(_ bytes: [UInt8], source: String) throws -> PackedCodes {
        func fail(_ reason: String) -> ExportError { .invalidFaissFile(path: source, reason: reason) }
        guard bytes.count >= 33, Array(bytes[0..<4]) == Array("IBxF".utf8) else {
            throw fail("not a FAISS IndexBinaryFlat file (expected the magic IBxF and a 29-byte header)")
        }
        func integer<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
            var value: T = 0
            withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: bytes[offset..<(offset + MemoryLayout<T>.size)]) }
            return T(littleEndian: value)
        }
        let bits = Int(integer(Int32.self, at: 4))
        let codeSize = Int(integer(Int32.self, at: 8))
        let total = integer(Int64.self, at: 12)
        let length = integer(UInt64.self, at: 25)
        guard bits > 0, bits % 8 == 0, codeSize == bits / 8, total >= 0 else {
            throw fail("header says d = \(bits) bits and code_size = \(codeSize) bytes (need d = 8 · code_size > 0)")
        }
        guard length == UInt64(total) * UInt64(codeSize), bytes.count - 33 == Int(clamping: length) else {
            throw fail("\(total) codes of \(codeSize) bytes need \(Int(total) * codeSize) bytes of codes; the file holds \(bytes.count - 33)")
        }
        return try PackedCodes(packbits: Array(bytes[33...]), bitCount: bits)
    }
}

/// Errors of the exporters.
public enum ExportError: Error, Equatable, CustomStringConvertible {
    case bitsNotMultipleOf8(Int)
    case writeFailed(path: String, reason: String)
    case invalidFaissFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .bitsNotMultipleOf8(let bits):
            return "FAISS binary indexes store whole bytes: codes of \(bits) bits are not a multiple of 8 (use packed-npy, which pads)"
        case .writeFailed(let path, let reason): return "could not write \(path): \(reason)"
        case .invalidFaissFile(let path, let reason): return "\(path): \(reason)"
        }
    }
}

import AtomicFiles
import CHamming
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why an index file could not be read or written.
public enum HammingIndexFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file ends before the header or the payload it announces.
    case truncated(expectedBytes: Int, actualBytes: Int)
    /// The file does not start with ``HammingIndexFile/magic``: not a Hamming index file.
    case wrongMagic
    /// A format version this build cannot read.
    case unsupportedVersion(found: UInt32, supported: UInt32)
    /// The stored CRC-32C does not match the header and codes: the file is corrupt.
    case checksumMismatch(stored: UInt32, computed: UInt32)
    /// The file holds codes of another width than the caller expects.
    case bitCountMismatch(expected: Int, found: Int)
    /// A header field is impossible (zero bit count, unknown kind, inconsistent sizes, …).
    case corruptHeader(String)
    /// The file is longer than its header says.
    case trailingBytes(expectedBytes: Int, actualBytes: Int)
    /// The codes passed the checksum but are not valid packed codes (bits set above the bit count).
    case invalidCodes(PackedCodesError)
    /// The operating system refused a read or write.
    case io(path: String, message: String)

    public var description: String {
        switch self {
        case .truncated(let expected, let actual): "truncated Hamming index file: \(actual) bytes, expected \(expected)"
        case .wrongMagic: "not a Hamming index file (wrong magic bytes)"
        case .unsupportedVersion(let found, let supported): "Hamming index file version \(found) is not supported (this build reads \(supported))"
        case .checksumMismatch(let stored, let computed):
            "corrupt Hamming index file: CRC-32C \(String(stored, radix: 16)) stored, \(String(computed, radix: 16)) computed"
        case .bitCountMismatch(let expected, let found): "Hamming index file holds \(found)-bit codes, expected \(expected)"
        case .corruptHeader(let reason): "corrupt Hamming index file header: \(reason)"
        case .trailingBytes(let expected, let actual): "Hamming index file has \(actual) bytes, its header accounts for \(expected)"
        case .invalidCodes(let error): "invalid codes in Hamming index file: \(error)"
        case .io(let path, let message): "\(path): \(message)"
        }
    }
}

/// The on-disk form of a Hamming index: a versioned header, then the codes.
///
/// Layout, all integers little-endian:
///
/// | offset | size | field |
/// |-------:|-----:|-------|
/// | 0  | 8 | magic `89 48 49 44 58 0D 0A 1A` (`\x89HIDX\r\n\x1A`, which catches text-mode mangling) |
/// | 8  | 4 | format version (``currentVersion`` = 1) |
/// | 12 | 4 | kind: 0 = flat, 1 = multi-index hashing |
/// | 16 | 4 | bit count (≥ 1) |
/// | 20 | 4 | substring count (0 for flat; `⌈bitCount/64⌉ … bitCount` for multi-index) |
/// | 24 | 8 | code count |
/// | 32 | 8 | payload length in bytes = code count × ⌈bitCount/64⌉ × 8 |
/// | 40 | 4 | CRC-32C (Castagnoli) of bytes 0..<40 followed by the payload |
/// | 44 | 4 | reserved, zero |
/// | 48 | … | payload: the codes, row-major 64-bit words (``PackedCodes/words``) |
///
/// Multi-index hash tables are not stored: they are rebuilt from the codes on load (linear time),
/// which keeps the format small and impossible to get out of sync. Writes are atomic: a temporary file
/// in the same directory, `fsync`, `rename` over the destination, then `fsync` of the directory.
public struct HammingIndexFile: Equatable, Sendable {
    /// The kind of index a file holds.
    public enum Kind: UInt32, Sendable {
        /// ``FlatHammingIndex``.
        case flat = 0
        /// ``MultiIndexHashing``.
        case multiIndex = 1
    }

    /// The first 8 bytes of every index file.
    public static let magic: [UInt8] = [0x89, 0x48, 0x49, 0x44, 0x58, 0x0D, 0x0A, 0x1A]
    /// The format version this build writes and reads.
    public static let currentVersion: UInt32 = 1
    /// Bytes before the payload.
    public static let headerSize = 48

    /// The kind of index stored.
    public var kind: Kind
    /// Substrings of a multi-index index (0 for flat).
    public var substringCount: Int
    /// The indexed codes.
    public var codes: PackedCodes

    /// A file holding `codes` for an index of `kind`.
    public init(kind: Kind, substringCount: Int, codes: PackedCodes) {
        self.kind = kind
        self.substringCount = substringCount
        self.codes = codes
    }

    /// The file's bytes.
    public func serialized() -> [UInt8] {
        let payloadLength = codes.words.count * 8
        var bytes = [UInt8](repeating: 0, count: Self.headerSize + payloadLength)
        bytes.withUnsafeMutableBytes { raw in
            for (i, byte) in Self.magic.enumerated() { raw[i] = byte }
            raw.storeBytes(of: Self.currentVersion.littleEndian, toByteOffset: 8, as: UInt32.self)
            raw.storeBytes(of: kind.rawValue.littleEndian, toByteOffset: 12, as: UInt32.self)
            raw.storeBytes(of: UInt32(codes.bitCount).littleEndian, toByteOffset: 16, as: UInt32.self)
            raw.storeBytes(of: UInt32(substringCount).littleEndian, toByteOffset: 20, as: UInt32.self)
            raw.storeBytes(of: UInt64(codes.count).littleEndian, toByteOffset: 24, as: UInt64.self)
            raw.storeBytes(of: UInt64(payloadLength).littleEndian, toByteOffset: 32, as: UInt64.self)
            for (i, word) in codes.words.enumerated() {
                raw.storeBytes(of: word.littleEndian, toByteOffset: Self.headerSize + 8 * i, as: UInt64.self)
            }
            let crc = Self.checksum(raw, payloadLength: payloadLength)
            raw.storeBytes(of: crc.littleEndian, toByteOffset: 40, as: UInt32.self)
        }
        return bytes
    }

    private static func checksum(_ raw: UnsafeRawBufferPointer, payloadLength: Int) -> UInt32 {
        let head = hamming_crc32c(0, raw.baseAddress!, 40)
        return hamming_crc32c(head, raw.baseAddress! + headerSize, payloadLength)
    }

    private static func checksum(_ raw: UnsafeMutableRawBufferPointer, payloadLength: Int) -> UInt32 {
        checksum(UnsafeRawBufferPointer(raw), payloadLength: payloadLength)
    }

    /// Parses a file's bytes, checking everything in the header, the checksum and the codes.
    ///
    /// - Parameter expectedBitCount: when given, a file of another bit count is refused.
    /// - Throws: ``HammingIndexFileError``; never traps, whatever the bytes.
    public init(bytes: [UInt8], expectedBitCount: Int? = nil) throws {
        self = try bytes.withUnsafeBytes { try Self.parse($0, expectedBitCount: expectedBitCount) }
    }

    private static func parse(_ raw: UnsafeRawBufferPointer, expectedBitCount: Int?) throws -> HammingIndexFile {
        let size = raw.count
        let magicLength = min(size, magic.count)
        guard zip(raw.prefix(magicLength), magic).allSatisfy({ $0 == $1 }) else { throw HammingIndexFileError.wrongMagic }
        guard size >= headerSize else { throw HammingIndexFileError.truncated(expectedBytes: headerSize, actualBytes: size) }
        func u32(_ offset: Int) -> UInt32 { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
        func u64(_ offset: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }

        let version = u32(8)
        guard version == currentVersion else { throw HammingIndexFileError.unsupportedVersion(found: version, supported: currentVersion) }
        guard let kind = Kind(rawValue: u32(12)) else { throw HammingIndexFileError.corruptHeader("unknown index kind \(u32(12))") }
        let bitCount = Int(u32(16))
        guard bitCount >= 1 else { throw HammingIndexFileError.corruptHeader("bit count 0") }
        if let expectedBitCount, expectedBitCount != bitCount {
            throw HammingIndexFileError.bitCountMismatch(expected: expectedBitCount, found: bitCount)
        }
        let substringCount = Int(u32(20))
        switch kind {
        case .flat:
            guard substringCount == 0 else { throw HammingIndexFileError.corruptHeader("flat index with \(substringCount) substrings") }
        case .multiIndex:
            guard substringCount >= (bitCount + 63) / 64 && substringCount <= bitCount else {
                throw HammingIndexFileError.corruptHeader("\(substringCount) substrings of \(bitCount)-bit codes")
            }
        }
        let wordsPerCode = (bitCount + 63) / 64
        let codeCount = u64(24), payloadLength = u64(32)
        let (wordCount, overflow1) = codeCount.multipliedReportingOverflow(by: UInt64(wordsPerCode))
        let (bytesNeeded, overflow2) = wordCount.multipliedReportingOverflow(by: 8)
        guard !overflow1, !overflow2, bytesNeeded == payloadLength, codeCount <= UInt64(UInt32.max) else {
            throw HammingIndexFileError.corruptHeader("payload of \(payloadLength) bytes for \(codeCount) codes of \(bitCount) bits")
        }
        guard u32(44) == 0 else { throw HammingIndexFileError.corruptHeader("reserved field is not zero") }
        guard payloadLength <= UInt64(Int.max - headerSize) else {
            throw HammingIndexFileError.truncated(expectedBytes: Int.max, actualBytes: size)
        }
        let expectedSize = headerSize + Int(payloadLength)
        guard size >= expectedSize else { throw HammingIndexFileError.truncated(expectedBytes: expectedSize, actualBytes: size) }
        guard size == expectedSize else { throw HammingIndexFileError.trailingBytes(expectedBytes: expectedSize, actualBytes: size) }

        let stored = u32(40), computed = checksum(raw, payloadLength: Int(payloadLength))
        guard stored == computed else { throw HammingIndexFileError.checksumMismatch(stored: stored, computed: computed) }

        let words = (0..<Int(wordCount)).map { u64(headerSize + 8 * $0) }
        do {
            let codes = try PackedCodes(words: words, bitCount: bitCount)
            return HammingIndexFile(kind: kind, substringCount: substringCount, codes: codes)
        } catch let error as PackedCodesError {
            throw HammingIndexFileError.invalidCodes(error)
        }
    }

    /// Reads and checks an index file.
    public static func read(from url: URL, expectedBitCount: Int? = nil) throws -> HammingIndexFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw HammingIndexFileError.io(path: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        return try HammingIndexFile(bytes: [UInt8](data), expectedBitCount: expectedBitCount)
    }

    /// Writes the file atomically: readers see the old file or the new one, never a partial one.
    public func write(to url: URL) throws {
        try Self.writeAtomically(serialized(), to: url)
    }

    static func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
        do {
            try AtomicFile.write(bytes, to: url)
        } catch {
            throw HammingIndexFileError.io(path: error.path, message: error.reason)
        }
    }
}

extension FlatHammingIndex {
    /// Loads a flat index (or the codes of a multi-index file).
    /// - Throws: ``HammingIndexFileError``.
    public init(contentsOf url: URL, expectedBitCount: Int? = nil) throws {
        self.init(try HammingIndexFile.read(from: url, expectedBitCount: expectedBitCount).codes)
    }

    /// Writes the index to `url` atomically (see ``HammingIndexFile``).
    public func write(to url: URL) throws {
        try HammingIndexFile(kind: .flat, substringCount: 0, codes: codes).write(to: url)
    }
}

extension MultiIndexHashing {
    /// Loads the codes and rebuilds the hash tables with the stored substring count (a flat file gets
    /// the recommended count, or `substringCount` when given).
    /// - Throws: ``HammingIndexFileError``.
    public init(contentsOf url: URL, expectedBitCount: Int? = nil, substringCount: Int? = nil) throws {
        let file = try HammingIndexFile.read(from: url, expectedBitCount: expectedBitCount)
        self.init(file.codes, substringCount: substringCount ?? (file.kind == .multiIndex ? file.substringCount : nil))
    }

    /// Writes the codes and substring count to `url` atomically (see ``HammingIndexFile``).
    public func write(to url: URL) throws {
        try HammingIndexFile(kind: .multiIndex, substringCount: substringCount, codes: flat.codes).write(to: url)
    }
}

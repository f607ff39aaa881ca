import SystemZlib

/// Compression, decompression and checksums backed by the system zlib.
///
/// ``decompress(_:source:sizeHint:maximumSize:)`` accepts both zlib streams (as inside PNG
/// `IDAT` chunks) and gzip files (as `.gz` IDX files), telling them apart by their header;
/// ``decompressRaw(_:expectedSize:source:)`` takes raw deflate of a known size (as inside ZIP
/// archives). Both run one inflate loop, and turn every failure into a ``DatasetError`` instead
/// of crashing.
public enum Zlib {
    /// The container around a deflate stream.
    public enum Format: Sendable {
        /// A two-byte zlib header and an Adler-32 trailer (RFC 1950), as used inside PNG files.
        case zlib
        /// A gzip header and a CRC-32 trailer (RFC 1952), as written by the `gzip` tool.
        case gzip
        /// Raw deflate (RFC 1951) with no header or trailer, as inside ZIP archives.
        case raw
    }

    /// The largest number of bytes handed to zlib in one call, whose counters are 32-bit.
    private static let largestChunk = Int(UInt32.max)

    /// Returns whether the bytes start with the gzip magic number `1f 8b`.
    public static func isGzip<Bytes: Collection>(_ bytes: Bytes) -> Bool where Bytes.Element == UInt8 {
        var iterator = bytes.makeIterator()
        return iterator.next() == 0x1f && iterator.next() == 0x8b
    }

    /// Computes the CRC-32 checksum (the one used by PNG and gzip) of a buffer.
    ///
    /// - Parameters:
    ///   - bytes: The bytes to checksum.
    ///   - initialValue: The checksum of the bytes that precede `bytes`, to checksum data given
    ///     in pieces; `0` for the first piece.
    /// - Returns: The CRC-32 of all the bytes so far.
    public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing initialValue: UInt32 = 0) -> UInt32 {
        var checksum = UInt(initialValue)
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return initialValue
        }
        var offset = 0
        while offset < bytes.count {
            let length = min(bytes.count - offset, largestChunk)
            checksum = SystemZlib.crc32(checksum, base + offset, UInt32(length))
            offset += length
        }
        return UInt32(truncatingIfNeeded: checksum)
    }

    /// Computes the CRC-32 checksum (the one used by PNG and gzip) of an array of bytes.
    public static func crc32(_ bytes: [UInt8], continuing initialValue: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { crc32($0, continuing: initialValue) }
    }

    /// Decompresses a zlib or gzip stream, detecting which from its header.
    ///
    /// Concatenated gzip members (as produced by `cat a.gz b.gz`) are decompressed one after the
    /// other; zero bytes after the end of the stream are ignored; any other trailing bytes are an
    /// error.
    ///
    /// - Parameters:
    ///   - bytes: The compressed stream.
    ///   - source: The file or description named in error messages.
    ///   - sizeHint: The expected decompressed size, if known, to allocate the output once.
    ///   - maximumSize: The largest decompressed size accepted; a stream that would inflate to
    ///     more throws ``DatasetError/invalidFormat(source:reason:)`` instead of exhausting memory.
    /// - Returns: The decompressed bytes.
    /// - Throws: ``DatasetError/truncated(source:reason:)`` when the stream ends early, and
    ///   ``DatasetError/corruptCompressedData(source:reason:)`` when it is corrupt.
    public static func decompress(
        _ bytes: [UInt8], source: String, sizeHint: Int? = nil, maximumSize: Int = .max
    ) throws -> [UInt8] {
        try bytes.withUnsafeBytes {
            try decompress($0, source: source, sizeHint: sizeHint, maximumSize: maximumSize)
        }
    }

    /// Decompresses a zlib or gzip stream held in a raw buffer, detecting which from its header.
    ///
    /// The parameters, result and errors are those of the overload that takes an array.
    static func decompress(
        _ input: UnsafeRawBufferPointer, source: String, sizeHint: Int? = nil, maximumSize: Int = .max
    ) throws -> [UInt8] {
        try inflateStream(input, source: source, kind: .headered(sizeHint: sizeHint, maximumSize: maximumSize))
    }

    /// Decompresses a raw deflate stream (no zlib or gzip wrapper, as inside ZIP archives) that
    /// must produce exactly `expectedSize` bytes and end exactly at the end of `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: The deflate stream.
    ///   - expectedSize: The exact decompressed size, such as a ZIP member's uncompressed size.
    ///   - source: The file or description named in error messages.
    /// - Returns: The `expectedSize` decompressed bytes.
    /// - Throws: ``DatasetError/invalidFormat(source:reason:)`` when `expectedSize` is negative,
    ///   cannot come from so few compressed bytes, or the stream inflates to more;
    ///   ``DatasetError/truncated(source:reason:)`` when the stream ends early or inflates to
    ///   less; ``DatasetError/corruptCompressedData(source:reason:)`` when it is corrupt or
    ///   followed by other bytes.
    public static func decompressRaw(_ bytes: [UInt8], expectedSize: Int, source: String) throws -> [UInt8] {
        try bytes.withUnsafeBytes { try decompressRaw($0, expectedSize: expectedSize, source: source) }
    }

    /// Decompresses a raw deflate stream held in a raw buffer; see the overload that takes an array.
    static func decompressRaw(_ input: UnsafeRawBufferPointer, expectedSize: Int, source: String) throws -> [UInt8] {
        try inflateStream(input, source: source, kind: .raw(expectedSize: expectedSize))
    }

    /// What ``inflateStream(_:source:kind:)`` decompresses.
    private enum StreamKind {
        /// A zlib or gzip stream, told apart by its header; concatenated gzip members and zero
        /// padding after the end are accepted.
        case headered(sizeHint: Int?, maximumSize: Int)
        /// Raw deflate that must inflate to exactly `expectedSize` bytes and end with the input.
        case raw(expectedSize: Int)
    }

    /// The one inflate loop: feeds zlib in chunks its 32-bit counters can take, bounds the output,
    /// and turns every zlib status into a result or a ``DatasetError``.
    private static func inflateStream(_ input: UnsafeRawBufferPointer, source: String, kind: StreamKind) throws
        -> [UInt8]
    {
        // Deflate cannot expand data by more than about 1032:1, so never allocate beyond that.
        let (boundProduct, overflow) = input.count.multipliedReportingOverflow(by: 1032)
        let windowBits: Int32
        let maximumSize: Int
        var capacity: Int
        switch kind {
        case let .headered(sizeHint, maximum):
            windowBits = 15 + 32  // a zlib or a gzip header, detected; the trailer's checksum and length are verified
            maximumSize = maximum
            // One byte more than the maximum tells "exactly the maximum" from "more than the maximum".
            let capacityLimit = maximum == .max ? Int.max : maximum + 1
            let plausibleLimit = overflow ? Int.max : boundProduct + 65_536
            capacity = min(sizeHint.map { $0 &+ 1 } ?? max(input.count * 4, 65_536), capacityLimit, plausibleLimit)
        case let .raw(expectedSize):
            guard expectedSize >= 0 else {
                throw DatasetError.invalidFormat(source: source, reason: "an expected size of \(expectedSize) bytes")
            }
            guard overflow || expectedSize <= boundProduct + 1024 else {
                throw DatasetError.invalidFormat(
                    source: source,
                    reason: "a claimed size of \(expectedSize) bytes cannot come from \(input.count) compressed bytes")
            }
            windowBits = -15
            maximumSize = expectedSize
            capacity = expectedSize + 1
        }
        capacity = max(capacity, 1)
        guard let inputBase = input.baseAddress?.assumingMemoryBound(to: UInt8.self), !input.isEmpty else {
            throw DatasetError.truncated(source: source, reason: "the compressed stream is empty")
        }
        let isGzipStream = windowBits > 0 && isGzip(input)
        let capacityLimit = maximumSize == .max ? Int.max : maximumSize + 1

        var stream = z_stream()
        var status = inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            throw DatasetError.corruptCompressedData(
                source: source, reason: "zlib could not start decompressing (inflateInit2 returned \(status))")
        }
        defer { inflateEnd(&stream) }

        var output = [UInt8](repeating: 0, count: capacity)
        var consumed = 0
        var produced = 0
        while true {
            if produced == output.count {
                let grown = min(max(output.count * 2, 65_536), capacityLimit)
                output.append(contentsOf: repeatElement(0, count: grown - output.count))
            }
            let inputChunk = min(input.count - consumed, largestChunk)
            let outputChunk = min(output.count - produced, largestChunk)
            stream.next_in = UnsafeMutablePointer(mutating: inputBase + consumed)
            stream.avail_in = UInt32(inputChunk)
            status = output.withUnsafeMutableBufferPointer { buffer in
                stream.next_out = buffer.baseAddress! + produced
                stream.avail_out = UInt32(outputChunk)
                return inflate(&stream, Z_NO_FLUSH)
            }
            let consumedNow = inputChunk - Int(stream.avail_in)
            let producedNow = outputChunk - Int(stream.avail_out)
            consumed += consumedNow
            produced += producedNow
            stream.next_in = nil
            stream.next_out = nil
            guard produced <= maximumSize else {
                let limit = windowBits > 0 ? "\(maximumSize) bytes" : "the \(maximumSize) bytes expected"
                throw DatasetError.invalidFormat(source: source, reason: "the data decompresses to more than \(limit)")
            }

            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                let remainder = UnsafeRawBufferPointer(rebasing: input[consumed...])
                if windowBits < 0 {
                    guard produced == maximumSize else {
                        throw DatasetError.truncated(
                            source: source, reason: "the data inflates to \(produced) bytes, but \(maximumSize) were expected")
                    }
                } else if isGzipStream && isGzip(remainder) {
                    inflateReset(&stream)
                    continue
                }
                // Zero padding after a zlib or gzip stream is ignored; raw deflate must end with the input.
                if windowBits < 0 ? remainder.isEmpty : remainder.allSatisfy({ $0 == 0 }) {
                    output.removeLast(output.count - produced)
                    return output
                }
                throw DatasetError.corruptCompressedData(
                    source: source,
                    reason: "\(remainder.count) unexpected bytes after the end of the compressed stream")
            case Z_BUF_ERROR:
                if consumed == input.count && produced < output.count {
                    throw DatasetError.truncated(
                        source: source,
                        reason: "the compressed stream ends after \(input.count) bytes, before its end marker")
                }
                if consumedNow == 0 && producedNow == 0 && produced < output.count {
                    throw DatasetError.corruptCompressedData(source: source, reason: "zlib made no progress")
                }
                continue
            case Z_NEED_DICT:
                throw DatasetError.corruptCompressedData(
                    source: source, reason: "the stream needs a preset dictionary, which data files never use")
            case Z_DATA_ERROR:
                let message = stream.msg.map { String(cString: $0) } ?? "invalid deflate data"
                throw DatasetError.corruptCompressedData(
                    source: source, reason: "\(message) (at compressed byte \(consumed))")
            case Z_MEM_ERROR:
                throw DatasetError.corruptCompressedData(source: source, reason: "zlib ran out of memory")
            default:
                throw DatasetError.corruptCompressedData(source: source, reason: "zlib returned status \(status)")
            }
        }
    }

    /// Compresses bytes into a zlib, gzip or raw deflate stream.
    ///
    /// - Parameters:
    ///   - bytes: The data to compress.
    ///   - format: The container to write: ``Format/zlib`` (the default), ``Format/gzip`` or
    ///     ``Format/raw``.
    ///   - level: The compression level, from 0 (store only) to 9 (smallest); 6 by default.
    /// - Returns: The compressed stream, which ``decompress(_:source:sizeHint:maximumSize:)``
    ///   (zlib, gzip) or ``decompressRaw(_:expectedSize:source:)`` (raw, given `bytes.count`)
    ///   restores to `bytes`.
    public static func compress(_ bytes: [UInt8], format: Format = .zlib, level: Int = 6) -> [UInt8] {
        precondition((0...9).contains(level), "Compression level must be between 0 and 9, got \(level)")
        var stream = z_stream()
        let windowBits: Int32
        switch format {
        case .zlib: windowBits = 15
        case .gzip: windowBits = 15 + 16
        case .raw: windowBits = -15
        }
        var status = deflateInit2_(
            &stream, Int32(level), Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit2 failed with status \(status)")
        defer { deflateEnd(&stream) }

        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 64)
        var consumed = 0
        var produced = 0
        bytes.withUnsafeBufferPointer { input in
            repeat {
                if produced == output.count {
                    output.append(contentsOf: repeatElement(0, count: max(output.count, 65_536)))
                }
                let inputChunk = min(input.count - consumed, largestChunk)
                let outputChunk = min(output.count - produced, largestChunk)
                let isLastInput = consumed + inputChunk == input.count
                stream.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0 + consumed) }
                stream.avail_in = UInt32(inputChunk)
                status = output.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress! + produced
                    stream.avail_out = UInt32(outputChunk)
                    return deflate(&stream, isLastInput ? Z_FINISH : Z_NO_FLUSH)
                }
                consumed += inputChunk - Int(stream.avail_in)
                produced += outputChunk - Int(stream.avail_out)
                stream.next_in = nil
                stream.next_out = nil
                precondition(
                    status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR,
                    "deflate failed with status \(status)")
            } while status != Z_STREAM_END
        }
        output.removeLast(output.count - produced)
        return output
    }
}

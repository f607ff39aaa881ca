import AtomicFiles
import Foundation

/// Reads and writes named tensors in the Hugging Face *safetensors* format.
///
/// A file is an 8-byte little-endian `UInt64` header length `N`, then `N` bytes of UTF-8 JSON,
/// then the raw little-endian tensor data:
/// ```
/// {"__metadata__":{"epoch":"3"},"conv1.weight":{"dtype":"F32","shape":[6,1,5,5],"data_offsets":[0,600]},…}
/// ```
/// Offsets are byte offsets relative to the start of the data section, and the tensors tile the
/// data section exactly (no gaps, no overlaps, nothing left over).
///
/// Writing always produces `F32` tensors, in sorted-name order, packed contiguously, with a
/// compact header padded with spaces to a multiple of 8 bytes, the layout the official
/// `safetensors` library writes for `float32` tensors. Reading accepts `F32`, `F64`, `F16`,
/// `BF16`, `I64`, `I32` and `U8` tensors and converts them to `Float`, so files saved from
/// PyTorch or NumPy load; anything malformed throws a ``CheckpointError`` and never traps.
///
/// ```swift
/// try SafeTensors.write(["linear.weight": weight, "linear.bias": bias], to: url,
///                       metadata: ["epoch": "12"])
/// let tensors = try SafeTensors.read(from: url)
/// ```
public enum SafeTensors {
    /// The largest header accepted on read (100 MB); a larger declared length means a corrupt file.
    public static let maximumHeaderByteCount = 100_000_000

    /// The header key that holds the free-form string-to-string metadata.
    public static let metadataKey = "__metadata__"

    /// The element types the reader understands, with their sizes in bytes.
    enum DType: String {
        case f32 = "F32"
        case f64 = "F64"
        case f16 = "F16"
        case bf16 = "BF16"
        case i64 = "I64"
        case i32 = "I32"
        case u8 = "U8"

        var byteCount: Int {
            switch self {
            case .f64, .i64: return 8
            case .f32, .i32: return 4
            case .f16, .bf16: return 2
            case .u8: return 1
            }
        }
    }

    /// One tensor's entry in a header, after validation.
    struct Entry {
        var name: String
        var dtype: DType
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    /// A parsed and validated header.
    struct Header {
        var entries: [Entry]
        var metadata: [String: String]
    }

    // MARK: - Files

    /// Writes `tensors` (and `metadata`) to `url` atomically.
    ///
    /// The bytes go to a uniquely named temporary file in the destination's directory, which is
    /// flushed to disk and then renamed over `url`, so a reader never sees a half-written file and
    /// an existing file is either left untouched or replaced whole. On failure the temporary file
    /// is removed.
    ///
    /// - Parameters:
    ///   - tensors: The tensors to save, by name. The name `__metadata__` is reserved.
    ///   - url: A file URL; its directory must exist.
    ///   - metadata: Free-form strings stored in the header under `__metadata__`.
    /// - Throws: ``CheckpointError/reservedTensorName(_:)`` or ``CheckpointError/writeFailed(path:reason:)``.
    public static func write(_ tensors: [String: Tensor], to url: URL, metadata: [String: String] = [:]) throws {
        let data = try encode(tensors, metadata: metadata)
        try writeAtomically(data, to: url)
    }

    /// Reads every tensor of a safetensors file, converting each to `Float`.
    ///
    /// - Throws: ``CheckpointError`` if the file is missing, unreadable, truncated or malformed.
    public static func read(from url: URL) throws -> [String: Tensor] {
        try decode(readFile(url))
    }

    /// Reads every tensor of a safetensors file together with its header metadata.
    ///
    /// - Throws: ``CheckpointError`` if the file is missing, unreadable, truncated or malformed.
    public static func readWithMetadata(from url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        try decodeWithMetadata(readFile(url))
    }

    /// Reads only the `__metadata__` strings of a safetensors file, without loading tensor data.
    ///
    /// The whole header is still validated against the file's size.
    ///
    /// - Throws: ``CheckpointError`` if the file is missing, unreadable, truncated or malformed.
    public static func readMetadata(from url: URL) throws -> [String: String] {
        let path = url.path
        try checkReadable(path)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CheckpointError.readFailed(path: path, reason: "cannot open the file")
        }
        defer { try? handle.close() }
        do {
            let fileSize = try handle.seekToEnd()
            try handle.seek(toOffset: 0)
            let prefix = try handle.read(upToCount: 8) ?? Data()
            let headerByteCount = try headerLength(prefix, fileByteCount: fileSize)
            let headerBytes = try handle.read(upToCount: headerByteCount) ?? Data()
            guard headerBytes.count == headerByteCount else {
                throw CheckpointError.truncatedHeader(declared: UInt64(headerByteCount), available: headerBytes.count)
            }
            let dataByteCount = Int(fileSize) - 8 - headerByteCount
            return try parseHeader([UInt8](headerBytes), dataByteCount: dataByteCount).metadata
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError.readFailed(path: path, reason: "\(error)")
        }
    }

    // MARK: - In memory

    /// Serializes `tensors` and `metadata` to the bytes of a safetensors file.
    ///
    /// The result is deterministic: the same tensors and metadata always give the same bytes.
    ///
    /// - Throws: ``CheckpointError/reservedTensorName(_:)`` for a tensor named `__metadata__`.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> Data {
        if tensors[metadataKey] != nil { throw CheckpointError.reservedTensorName(metadataKey) }
        let names = tensors.keys.sorted()

        var json = "{"
        var first = true
        if !metadata.isEmpty {
            json += "\"\(metadataKey)\":{"
            json += metadata.keys.sorted().map { key in
                "\(jsonQuoted(key)):\(jsonQuoted(metadata[key]!))"
            }.joined(separator: ",")
            json += "}"
            first = false
        }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let byteCount = tensor.count * MemoryLayout<Float>.size
            if !first { json += "," }
            first = false
            json += "\(jsonQuoted(name)):{\"dtype\":\"F32\",\"shape\":["
            json += tensor.shape.map(String.init).joined(separator: ",")
            json += "],\"data_offsets\":[\(offset),\(offset + byteCount)]}"
            offset += byteCount
        }
        json += "}"

        var header = Array(json.utf8)
        let padding = (8 - header.count % 8) % 8
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))

        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for name in names {
            let scalars = tensors[name]!.scalars
            #if _endian(little)
                scalars.withUnsafeBytes { data.append(contentsOf: $0) }
            #else
                let swapped = scalars.map { $0.bitPattern.littleEndian }
                swapped.withUnsafeBytes { data.append(contentsOf: $0) }
            #endif
        }
        return data
    }

    /// Parses the bytes of a safetensors file into tensors, converting each to `Float`.
    ///
    /// - Throws: ``CheckpointError`` if the bytes are truncated or malformed.
    public static func decode(_ data: Data) throws -> [String: Tensor] {
        try decodeWithMetadata(data).tensors
    }

    /// Parses only the `__metadata__` strings from the bytes of a safetensors file.
    ///
    /// - Throws: ``CheckpointError`` if the bytes are truncated or malformed.
    public static func decodeMetadata(_ data: Data) throws -> [String: String] {
        try data.withUnsafeBytes { raw in try parse(raw).header.metadata }
    }

    /// Parses the bytes of a safetensors file into tensors and header metadata.
    ///
    /// - Throws: ``CheckpointError`` if the bytes are truncated or malformed.
    public static func decodeWithMetadata(_ data: Data) throws -> (
        tensors: [String: Tensor], metadata: [String: String]
    ) {
        try data.withUnsafeBytes { raw in
            let (header, dataStart) = try parse(raw)
            var tensors: [String: Tensor] = [:]
            tensors.reserveCapacity(header.entries.count)
            for entry in header.entries {
                let bytes = UnsafeRawBufferPointer(rebasing: raw[(dataStart + entry.begin)..<(dataStart + entry.end)])
                tensors[entry.name] = Tensor(shape: entry.shape, scalars: convert(bytes, from: entry.dtype))
            }
            return (tensors, header.metadata)
        }
    }

    // MARK: - Parsing and validation

    /// Splits a whole file into its validated header and the offset of its data section.
    static func parse(_ raw: UnsafeRawBufferPointer) throws -> (header: Header, dataStart: Int) {
        let headerByteCount = try headerLength(Data(raw.prefix(8)), fileByteCount: UInt64(raw.count))
        let headerBytes = [UInt8](raw[8..<(8 + headerByteCount)])
        let dataStart = 8 + headerByteCount
        let header = try parseHeader(headerBytes, dataByteCount: raw.count - dataStart)
        return (header, dataStart)
    }

    /// Reads and checks the 8-byte header length against the limit and the file's size.
    static func headerLength(_ prefix: Data, fileByteCount: UInt64) throws -> Int {
        guard prefix.count == 8 else { throw CheckpointError.fileTooShort(byteCount: prefix.count) }
        var length: UInt64 = 0
        for (index, byte) in prefix.enumerated() { length |= UInt64(byte) << (8 * UInt64(index)) }
        guard length <= UInt64(maximumHeaderByteCount) else {
            throw CheckpointError.headerTooLarge(byteCount: length, limit: maximumHeaderByteCount)
        }
        guard length <= fileByteCount - 8 else {
            throw CheckpointError.truncatedHeader(declared: length, available: Int(fileByteCount - 8))
        }
        guard length >= 2 else {
            throw CheckpointError.invalidHeader("a header of \(length) bytes cannot hold a JSON object")
        }
        return Int(length)
    }

    /// Parses the JSON header and validates every entry against a data section of `dataByteCount` bytes.
    static func parseHeader(_ bytes: [UInt8], dataByteCount: Int) throws -> Header {
        try checkWhatFoundationAllows(bytes)
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)
        } catch {
            throw CheckpointError.invalidHeader("not valid JSON: \(foundationReason(error))")
        }
        guard let members = root as? [String: Any] else {
            throw CheckpointError.invalidHeader("the header is JSON but not an object")
        }

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        entries.reserveCapacity(members.count)
        // In sorted order, so that of several faults the same one is always reported.
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            if name == metadataKey {
                guard let pairs = value as? [String: Any] else {
                    throw CheckpointError.invalidHeader("\"\(metadataKey)\" is not an object")
                }
                for (key, item) in pairs.sorted(by: { $0.key < $1.key }) {
                    guard let text = item as? String else {
                        throw CheckpointError.invalidHeader("metadata value for \"\(key)\" is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            entries.append(try parseEntry(name: name, value))
        }

        // The tensors must tile the data section exactly: sorted by offsets, each starts where the
        // previous one ended, and the last one ends at the end of the data.
        var expectedBegin = 0
        var previousName: String?
        for entry in entries.sorted(by: { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }) {
            if entry.end > dataByteCount {
                throw CheckpointError.dataOutOfBounds(name: entry.name, end: entry.end, dataByteCount: dataByteCount)
            }
            if entry.begin < expectedBegin, let previousName {
                throw CheckpointError.overlappingData(entry.name, previousName)
            }
            if entry.begin > expectedBegin {
                throw CheckpointError.nonContiguousData(
                    name: entry.name, begin: entry.begin, expectedBegin: expectedBegin)
            }
            expectedBegin = entry.end
            previousName = entry.name
        }
        if expectedBegin != dataByteCount {
            throw CheckpointError.trailingData(byteCount: dataByteCount - expectedBegin)
        }
        return Header(entries: entries, metadata: metadata)
    }

    /// Validates one tensor entry, a value from `JSONSerialization`: its dtype, its shape, and that
    /// its byte range fits them.
    static func parseEntry(name: String, _ value: Any) throws -> Entry {
        guard let fields = value as? [String: Any] else {
            throw CheckpointError.invalidHeader("the entry for \"\(name)\" is not an object")
        }
        func field(_ key: String) throws -> Any {
            guard let found = fields[key] else {
                throw CheckpointError.invalidHeader("the entry for \"\(name)\" has no \"\(key)\"")
            }
            return found
        }
        func integers(_ key: String) throws -> [Int] {
            guard let items = try field(key) as? [Any] else {
                throw CheckpointError.invalidHeader("\"\(key)\" of \"\(name)\" is not an array")
            }
            return try items.map { item in
                guard let number = nonNegativeInteger(item) else {
                    throw CheckpointError.invalidHeader(
                        "\"\(key)\" of \"\(name)\" holds something other than a non-negative integer")
                }
                return number
            }
        }

        guard let dtypeName = try field("dtype") as? String else {
            throw CheckpointError.invalidHeader("\"dtype\" of \"\(name)\" is not a string")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw CheckpointError.unsupportedDType(name: name, dtype: dtypeName)
        }
        let shape = try integers("shape")
        let offsets = try integers("data_offsets")
        guard offsets.count == 2 else {
            throw CheckpointError.invalidHeader("\"data_offsets\" of \"\(name)\" has \(offsets.count) numbers, not 2")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else {
            throw CheckpointError.invalidHeader(
                "\"data_offsets\" of \"\(name)\" end before they begin: [\(begin), \(end)]")
        }
        var expectedBytes = dtype.byteCount
        for extent in shape {
            let (product, overflow) = expectedBytes.multipliedReportingOverflow(by: extent)
            guard !overflow else {
                throw CheckpointError.invalidHeader("the shape \(shape) of \"\(name)\" is too large")
            }
            expectedBytes = product
        }
        guard expectedBytes == end - begin else {
            throw CheckpointError.byteCountMismatch(
                name: name, shape: shape, dtype: dtypeName, expected: expectedBytes, found: end - begin)
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    // MARK: - Conversion

    /// Converts little-endian elements of `dtype` to `Float`.
    static func convert(_ bytes: UnsafeRawBufferPointer, from dtype: DType) -> [Float] {
        let count = bytes.count / dtype.byteCount
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            switch dtype {
            case .f32:
                #if _endian(little)
                    if count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes) }
                #else
                    for i in 0..<count {
                        let bits = bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                        buffer[i] = Float(bitPattern: UInt32(littleEndian: bits))
                    }
                #endif
            case .f64:
                for i in 0..<count {
                    let bits = bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                    buffer[i] = Float(Double(bitPattern: UInt64(littleEndian: bits)))
                }
            case .f16:
                for i in 0..<count {
                    let bits = bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                    buffer[i] = floatFromHalf(UInt16(littleEndian: bits))
                }
            case .bf16:
                for i in 0..<count {
                    let bits = bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                    buffer[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bits)) << 16)
                }
            case .i64:
                for i in 0..<count {
                    let bits = bytes.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)
                    buffer[i] = Float(Int64(littleEndian: bits))
                }
            case .i32:
                for i in 0..<count {
                    let bits = bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)
                    buffer[i] = Float(Int32(littleEndian: bits))
                }
            case .u8:
                for i in 0..<count { buffer[i] = Float(bytes[i]) }
            }
            initialized = count
        }
    }

    /// Converts IEEE 754 binary16 bits to `Float` exactly (subnormals, infinities and NaN included).
    ///
    /// Written out rather than through `Float16`, which Swift does not offer on Intel Macs.
    static func floatFromHalf(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x03FF)
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            // Zero or subnormal: mantissa × 2^-24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    // MARK: - JSON output

    /// A JSON string literal for `text`, escaped as serde_json (the official library) escapes it.
    static func jsonQuoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    // MARK: - File system

    /// Throws ``CheckpointError/fileNotFound(_:)`` or ``CheckpointError/readFailed(path:reason:)``
    /// unless `path` names an existing regular file.
    static func checkReadable(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError.fileNotFound(path)
        }
        if isDirectory.boolValue { throw CheckpointError.readFailed(path: path, reason: "it is a directory") }
    }

    static func readFile(_ url: URL) throws -> Data {
        let path = url.path
        try checkReadable(path)
        do {
            return try Data(contentsOf: url)
        } catch {
            throw CheckpointError.readFailed(path: path, reason: error.localizedDescription)
        }
    }

    /// Writes `data` atomically (see ``AtomicFile``).
    static func writeAtomically(_ data: Data, to url: URL) throws {
        do {
            try AtomicFile.write(data, to: url)
        } catch {
            throw CheckpointError.writeFailed(path: error.path, reason: error.reason)
        }
    }
}

// MARK: - Errors

/// A checkpoint file could not be written, read or matched against a model.
///
/// Every case describes itself in one line naming the file, tensor or field at fault.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// No file exists at the path.
    case fileNotFound(String)
    /// The file exists but could not be read.
    case readFailed(path: String, reason: String)
    /// The file could not be written (nothing was replaced).
    case writeFailed(path: String, reason: String)
    /// The file is shorter than the 8-byte header length.
    case fileTooShort(byteCount: Int)
    /// The header length is larger than ``SafeTensors/maximumHeaderByteCount``.
    case headerTooLarge(byteCount: UInt64, limit: Int)
    /// The header length runs past the end of the file.
    case truncatedHeader(declared: UInt64, available: Int)
    /// The header is not UTF-8 JSON, not an object, or an entry is malformed.
    case invalidHeader(String)
    /// A JSON object in the header names the same key twice.
    case duplicateKey(String)
    /// A tensor's element type is not one this reader converts.
    case unsupportedDType(name: String, dtype: String)
    /// A tensor's byte range does not hold exactly `shape` elements of `dtype`.
    case byteCountMismatch(name: String, shape: [Int], dtype: String, expected: Int, found: Int)
    /// A tensor's data runs past the end of the file.
    case dataOutOfBounds(name: String, end: Int, dataByteCount: Int)
    /// Two tensors' byte ranges overlap.
    case overlappingData(String, String)
    /// A gap lies in the data section before a tensor.
    case nonContiguousData(name: String, begin: Int, expectedBegin: Int)
    /// Bytes follow the last tensor's data.
    case trailingData(byteCount: Int)
    /// A tensor to be written is named `__metadata__`, which the format reserves.
    case reservedTensorName(String)
    /// A strict load found no tensor for a parameter of the model.
    case missingTensor(String)
    /// A strict load found a tensor that no parameter of the model claims.
    case unexpectedTensor(String)
    /// A tensor's shape differs from the parameter it is loaded into.
    case shapeMismatch(String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "checkpoint not found: \(path)"
        case .readFailed(let path, let reason):
            return "cannot read checkpoint \(path): \(reason)"
        case .writeFailed(let path, let reason):
            return "cannot write checkpoint \(path): \(reason)"
        case .fileTooShort(let byteCount):
            return "truncated checkpoint: \(byteCount) bytes, fewer than the 8-byte header length"
        case .headerTooLarge(let byteCount, let limit):
            return "corrupt checkpoint: header length \(byteCount) bytes exceeds the \(limit)-byte limit"
        case .truncatedHeader(let declared, let available):
            return "truncated checkpoint: header length \(declared) bytes but only \(available) bytes follow it"
        case .invalidHeader(let reason):
            return "invalid checkpoint header: \(reason)"
        case .duplicateKey(let key):
            return "invalid checkpoint header: key \"\(key)\" appears twice"
        case .unsupportedDType(let name, let dtype):
            return
                "unsupported dtype \"\(dtype)\" for tensor \"\(name)\" (readable: F32, F64, F16, BF16, I64, I32, U8)"
        case .byteCountMismatch(let name, let shape, let dtype, let expected, let found):
            return
                "tensor \"\(name)\": shape \(shape) of \(dtype) needs \(expected) bytes but its data_offsets span \(found)"
        case .dataOutOfBounds(let name, let end, let dataByteCount):
            return
                "truncated checkpoint: tensor \"\(name)\" ends at byte \(end) of a \(dataByteCount)-byte data section"
        case .overlappingData(let name, let other):
            return "corrupt checkpoint: the data of tensors \"\(name)\" and \"\(other)\" overlap"
        case .nonContiguousData(let name, let begin, let expectedBegin):
            return
                "corrupt checkpoint: tensor \"\(name)\" begins at byte \(begin), leaving a gap after byte \(expectedBegin)"
        case .trailingData(let byteCount):
            return "corrupt checkpoint: \(byteCount) bytes follow the last tensor's data"
        case .reservedTensorName(let name):
            return "cannot save a tensor named \"\(name)\": the safetensors format reserves that key"
        case .missingTensor(let name):
            return "checkpoint has no tensor \"\(name)\""
        case .unexpectedTensor(let name):
            return "checkpoint has unexpected tensor \"\(name)\""
        case .shapeMismatch(let name, let expected, let found):
            return "tensor \"\(name)\" has shape \(found) in the checkpoint, expected \(expected)"
        }
    }
}

// MARK: - What Foundation's JSON reader lets through

extension SafeTensors {
    /// The deepest nesting of objects and arrays accepted in a header; a safetensors header needs three.
    static let maximumNestingDepth = 64

    /// Rejects the header text that RFC 8259 (and the official Rust reader, serde_json) forbids but
    /// `JSONSerialization` accepts, before Foundation parses it:
    ///
    /// - text that is not UTF-8: Foundation guesses UTF-16 or UTF-32 from NUL bytes and skips a
    ///   byte-order mark, while safetensors headers are UTF-8 (a NUL byte is never valid JSON text);
    /// - a trailing comma (`[1,]`, `{"a":1,}`), which Foundation ignores;
    /// - a key that appears twice in one object, where Foundation silently keeps the last value, so
    ///   two readers of the same file could disagree about its tensors;
    /// - nesting deeper than ``maximumNestingDepth`` (Foundation stops at 512, also safely).
    ///
    /// This is a scan of string boundaries and brackets, not a parser: it leaves the grammar to
    /// Foundation, which also decodes any key written with an escape, so malformed text that passes
    /// here is still rejected there.
    static func checkWhatFoundationAllows(_ bytes: [UInt8]) throws {
        let invalidUTF8 = transcode(
            bytes.makeIterator(), from: UTF8.self, to: UTF8.self, stoppingOnError: true, into: { _ in })
        if invalidUTF8 { throw CheckpointError.invalidHeader("the header is not valid UTF-8") }
        if let nul = bytes.firstIndex(of: 0) {
            throw CheckpointError.invalidHeader("not valid JSON: a NUL byte at byte \(nul)")
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw CheckpointError.invalidHeader("not valid JSON: the header starts with a byte-order mark")
        }

        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), comma = UInt8(ascii: ",")
        // One entry per open bracket: the keys seen so far in an object, nil for an array.
        var open: [Set<String>?] = []
        var expectingKey = false
        var previous: UInt8 = 0  // the last byte outside strings that is not whitespace
        var position = 0
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case quote:
                let start = position
                position += 1
                while position < bytes.count, bytes[position] != quote {
                    position += bytes[position] == backslash ? 2 : 1
                }
                guard position < bytes.count else { return }  // unterminated: Foundation says so
                position += 1
                if expectingKey {
                    let key = try decodeKey(bytes[start..<position])
                    if open[open.count - 1]?.insert(key).inserted == false {
                        throw CheckpointError.duplicateKey(key)
                    }
                }
                expectingKey = false
                previous = quote
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = byte == UInt8(ascii: "{")
                open.append(isObject ? [] : nil)
                guard open.count <= maximumNestingDepth else {
                    throw CheckpointError.invalidHeader(
                        "not valid JSON: nesting deeper than \(maximumNestingDepth) at byte \(position)")
                }
                expectingKey = isObject
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if previous == comma {
                    throw CheckpointError.invalidHeader("not valid JSON: a trailing comma before byte \(position)")
                }
                _ = open.popLast()
                expectingKey = false
            case comma:
                expectingKey = open.last.map { $0 != nil } ?? false
            case 0x20, 0x0A, 0x0D, 0x09:
                position += 1
                continue
            default:
                expectingKey = false
            }
            previous = byte
            position += 1
        }
    }

    /// The text of a JSON string literal (quotes included), with any escapes decoded by Foundation.
    static func decodeKey(_ literal: ArraySlice<UInt8>) throws -> String {
        guard literal.contains(UInt8(ascii: "\\")) else {
            return String(decoding: literal.dropFirst().dropLast(), as: UTF8.self)
        }
        do {
            if let key = try JSONSerialization.jsonObject(with: Data(literal), options: .fragmentsAllowed) as? String {
                return key
            }
        } catch {
            throw CheckpointError.invalidHeader("not valid JSON: \(foundationReason(error))")
        }
        throw CheckpointError.invalidHeader("not valid JSON: a key is not a string")
    }

    /// The one-line reason inside an error from `JSONSerialization`.
    static func foundationReason(_ error: Error) -> String {
        let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        return reason.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// The value as an `Int` if the JSON text wrote it as an integer literal that is non-negative
    /// and fits; `nil` for a fraction or exponent (`1.0`, `1e0`), a bool, a string or anything else.
    ///
    /// `JSONSerialization` stores an integer literal as an integer `NSNumber` and any literal with a
    /// fraction or exponent as a `Double`, and a bool as a `char`, so the number's `objCType` tells them
    /// apart. (Foundation reads `-0` as the integer 0, which is accepted.)
    static func nonNegativeInteger(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        switch String(cString: number.objCType) {
        case "s", "i", "l", "q":
            let signed = number.int64Value
            return signed >= 0 ? Int(exactly: signed) : nil
        case "S", "I", "L", "Q":
            return Int(exactly: number.uint64Value)
        default:
            return nil
        }
    }
}

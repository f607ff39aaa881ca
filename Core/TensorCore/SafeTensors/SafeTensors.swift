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

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

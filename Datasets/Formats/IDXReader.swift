import Foundation

/// An n-dimensional array read from an IDX file, the format of the MNIST and Fashion-MNIST
/// distributions.
///
/// An IDX file is a 4-byte magic number `00 00 <element type> <rank>`, then `rank` big-endian
/// 32-bit dimension sizes, then the elements, big-endian, in row-major order.
public struct IDXArray: Equatable, Sendable {
    /// The element type, the third byte of the magic number.
    public enum ElementType: UInt8, CaseIterable, Sendable {
        /// Unsigned 8-bit integers (code `0x08`), used for MNIST images and labels.
        case unsignedByte = 0x08
        /// Signed 8-bit integers (code `0x09`).
        case signedByte = 0x09
        /// Signed big-endian 16-bit integers (code `0x0B`).
        case short = 0x0B
        /// Signed big-endian 32-bit integers (code `0x0C`).
        case int = 0x0C
        /// Big-endian 32-bit IEEE floats (code `0x0D`).
        case float = 0x0D
        /// Big-endian 64-bit IEEE floats (code `0x0E`).
        case double = 0x0E

        /// The size of one element in bytes.
        public var byteWidth: Int {
            switch self {
            case .unsignedByte, .signedByte: return 1
            case .short: return 2
            case .int, .float: return 4
            case .double: return 8
            }
        }
    }

    /// The type of every element.
    public var elementType: ElementType
    /// The size of each dimension, outermost first (`[60000, 28, 28]` for MNIST training images).
    public var dimensions: [Int]
    /// The elements as stored in the file: row-major, each ``ElementType/byteWidth`` bytes,
    /// big-endian. For ``ElementType/unsignedByte`` these are the values themselves.
    public var bytes: [UInt8]

    /// Creates an array from its element type, dimensions and raw big-endian element bytes.
    ///
    /// - Precondition: `bytes.count` equals the product of `dimensions` times the element width.
    public init(elementType: ElementType, dimensions: [Int], bytes: [UInt8]) {
        precondition(!dimensions.isEmpty && dimensions.allSatisfy { $0 >= 0 }, "Invalid IDX dimensions \(dimensions)")
        precondition(
            bytes.count == dimensions.reduce(1, *) * elementType.byteWidth,
            "IDX dimensions \(dimensions) of \(elementType) need"
                + " \(dimensions.reduce(1, *) * elementType.byteWidth) bytes, got \(bytes.count)")
        self.elementType = elementType
        self.dimensions = dimensions
        self.bytes = bytes
    }

    /// Creates an array of unsigned bytes.
    public init(dimensions: [Int], unsignedBytes: [UInt8]) {
        self.init(elementType: .unsignedByte, dimensions: dimensions, bytes: unsignedBytes)
    }

    /// The number of elements, the product of ``dimensions``.
    public var elementCount: Int { dimensions.reduce(1, *) }

    /// The elements converted to `Float`, whatever their stored type.
    public func floatValues() -> [Float] {
        let width = elementType.byteWidth
        return (0..<elementCount).map { index in
            var bits: UInt64 = 0
            for byte in bytes[(index * width)..<((index + 1) * width)] {
                bits = bits << 8 | UInt64(byte)
            }
            switch elementType {
            case .unsignedByte: return Float(UInt8(truncatingIfNeeded: bits))
            case .signedByte: return Float(Int8(bitPattern: UInt8(truncatingIfNeeded: bits)))
            case .short: return Float(Int16(bitPattern: UInt16(truncatingIfNeeded: bits)))
            case .int: return Float(Int32(bitPattern: UInt32(truncatingIfNeeded: bits)))
            case .float: return Float(bitPattern: UInt32(truncatingIfNeeded: bits))
            case .double: return Float(Double(bitPattern: bits))
            }
        }
    }

    /// Encodes the array as an uncompressed IDX file.
    ///
    /// - Precondition: At most 255 dimensions, each smaller than 2³².
    public func encoded() -> [UInt8] {
        var file: [UInt8] = [0, 0, elementType.rawValue, UInt8(dimensions.count)]
        file.reserveCapacity(4 + 4 * dimensions.count + bytes.count)
        for dimension in dimensions {
            let size = UInt32(dimension)
            file += [
                UInt8(size >> 24), UInt8(truncatingIfNeeded: size >> 16), UInt8(truncatingIfNeeded: size >> 8),
                UInt8(truncatingIfNeeded: size),
            ]
        }
        file += bytes
        return file
    }

    /// Throws unless the array has the given element type and rank.
    ///
    /// - Parameters:
    ///   - elementType: The required element type.
    ///   - rank: The required number of dimensions.
    ///   - source: The file named in the error message.
    public func require(_ elementType: ElementType, rank: Int, source: String) throws {
        guard self.elementType == elementType else {
            throw DatasetError.unsupportedDataType(source: source, code: self.elementType.rawValue)
        }
        guard dimensions.count == rank else {
            throw DatasetError.unexpectedShape(
                source: source, expected: "\(rank) dimensions", found: "dimensions \(dimensions)")
        }
    }
}

/// A reader for IDX files, plain or gzip-compressed (detected by the `1f 8b` header).
///
/// ```swift
/// let images = try IDXReader.read(contentsOf: URL(fileURLWithPath: "train-images-idx3-ubyte.gz"))
/// // images.dimensions == [60000, 28, 28], images.bytes.count == 47_040_000
/// ```
public enum IDXReader {
    /// Reads an IDX file, decompressing it first if it is gzipped.
    ///
    /// - Parameter url: The file to read.
    /// - Returns: The array it holds.
    /// - Throws: ``DatasetError`` when the file is missing, unreadable, truncated, corrupt or of an
    ///   unknown element type.
    public static func read(contentsOf url: URL) throws -> IDXArray {
        try read(DataFile.read(url), source: url.path)
    }

    /// Parses IDX data held in memory, decompressing it first if it is gzipped.
    ///
    /// - Parameters:
    ///   - bytes: The complete file, plain or gzipped.
    ///   - source: The file or description named in error messages.
    /// - Returns: The array the data holds.
    /// - Throws: ``DatasetError`` when the data is truncated, corrupt or of an unknown element type.
    public static func read(_ bytes: [UInt8], source: String = "IDX data") throws -> IDXArray {
        if Zlib.isGzip(bytes) {
            return try parse(Zlib.decompress(bytes, source: source), source: "\(source) (decompressed)")
        }
        return try parse(bytes, source: source)
    }

    /// Parses uncompressed IDX data.
    static func parse(_ bytes: [UInt8], source: String) throws -> IDXArray {
        let expectedMagic = "00 00 <type> <rank>"
        guard bytes.count >= 4 else {
            if bytes.prefix(2).allSatisfy({ $0 == 0 }) {
                throw DatasetError.truncated(
                    source: source, reason: "\(bytes.count) bytes is too short for the 4-byte IDX magic number")
            }
            throw DatasetError.wrongMagic(source: source, expected: expectedMagic, found: hexadecimal(bytes))
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw DatasetError.wrongMagic(source: source, expected: expectedMagic, found: hexadecimal(bytes.prefix(4)))
        }
        guard let elementType = IDXArray.ElementType(rawValue: bytes[2]) else {
            throw DatasetError.unsupportedDataType(source: source, code: bytes[2])
        }
        let rank = Int(bytes[3])
        guard rank > 0 else {
            throw DatasetError.invalidFormat(source: source, reason: "the magic number declares 0 dimensions")
        }
        let headerLength = 4 + 4 * rank
        guard bytes.count >= headerLength else {
            throw DatasetError.truncated(
                source: source,
                reason: "a rank-\(rank) header needs \(headerLength) bytes, but the data has \(bytes.count)")
        }
        var dimensions: [Int] = []
        var byteCount = elementType.byteWidth
        for axis in 0..<rank {
            let size = Int(bigEndianUInt32(bytes, at: 4 + 4 * axis))
            dimensions.append(size)
            let (product, overflow) = byteCount.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw DatasetError.invalidFormat(source: source, reason: "the dimensions \(dimensions)… are too large")
            }
            byteCount = product
        }
        let available = bytes.count - headerLength
        guard available >= byteCount else {
            throw DatasetError.truncated(
                source: source,
                reason: "dimensions \(dimensions) of \(elementType) need \(byteCount) bytes of data,"
                    + " but only \(available) follow the header")
        }
        guard available == byteCount else {
            throw DatasetError.invalidFormat(
                source: source,
                reason: "\(available - byteCount) unexpected bytes after the \(byteCount) bytes of dimensions \(dimensions)")
        }
        return IDXArray(elementType: elementType, dimensions: dimensions, bytes: Array(bytes[headerLength...]))
    }
}

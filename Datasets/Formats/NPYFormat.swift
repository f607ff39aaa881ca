import Foundation

/// The header of a NumPy `.npy` file: what the array holds and where its data starts.
///
/// A `.npy` file is the magic string `\x93NUMPY`, a major and minor version byte, the header
/// length (a little-endian `UInt16` in version 1.0, `UInt32` in 2.0 and 3.0), the header itself
/// (the Python `repr` of a dictionary with the keys `descr`, `fortran_order` and `shape`, padded
/// with spaces and ending in a newline; Latin-1 in 1.0 and 2.0, UTF-8 in 3.0), and then the raw
/// elements.
public struct NPYHeader: Equatable, Sendable {
    /// The format version, such as `(1, 0)`.
    public var version: (major: Int, minor: Int)
    /// The dtype descriptor as written in the file, such as `'<f4'` or `'>i8'`.
    public var descriptor: String
    /// The element type the descriptor names.
    public var dataType: NumpyDataType
    /// Whether the elements are stored big-endian (they are converted when read).
    public var isBigEndian: Bool
    /// Whether the elements are stored in column-major (Fortran) order (they are reordered when read).
    public var isFortranOrder: Bool
    /// The dimensions, outermost first; `[]` for a 0-d array.
    public var shape: [Int]
    /// The offset of the first element from the start of the file.
    public var dataOffset: Int

    /// The number of elements, the product of ``shape``.
    public var elementCount: Int { shape.reduce(1, *) }

    /// The number of bytes of element data that follow the header.
    public var dataByteCount: Int { elementCount * dataType.byteWidth }

    public static func == (left: NPYHeader, right: NPYHeader) -> Bool {
        left.version == right.version && left.descriptor == right.descriptor && left.dataType == right.dataType
            && left.isBigEndian == right.isBigEndian && left.isFortranOrder == right.isFortranOrder
            && left.shape == right.shape && left.dataOffset == right.dataOffset
    }
}

/// A reader for NumPy `.npy` files, format versions 1.0, 2.0 and 3.0.
///
/// Supported element types are `bool`, signed and unsigned integers of 8, 16, 32 and 64 bits,
/// `float32` and `float64` (see ``NumpyDataType``). Big-endian files are converted to the
/// machine's byte order, and Fortran-ordered (column-major) files are transposed into the C
/// (row-major) order of ``NumpyArray``, so an array reads the same whichever way NumPy stored
/// it. Half floats, complex numbers, strings, Python objects and structured dtypes are rejected
/// with ``DatasetError/unsupportedElementType(source:found:supported:)``.
///
/// Malformed input never crashes: a wrong magic string, a truncated header or data, an
/// unparsable or oversized header, a negative or overflowing shape, and bytes after the data
/// all throw a ``DatasetError`` whose one-line description names the file and the problem.
///
/// ```swift
/// let array = try NPYReader.read(contentsOf: URL(fileURLWithPath: "features.npy"))
/// print(array.shape, array.dataType)       // [1000, 64] float32
/// let features = array.floatValues()
/// ```
public enum NPYReader {
    /// The six bytes every `.npy` file starts with: `0x93` and `NUMPY`.
    public static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// The longest header accepted, in bytes. NumPy's own limit is 10,000 unless the caller opts
    /// out; this is more generous but still stops a corrupt length from allocating gigabytes.
    public static let maximumHeaderLength = 1 << 20

    /// Reads a `.npy` file.
    ///
    /// - Parameter url: The file to read.
    /// - Returns: The array, in C order with native-endian elements.
    /// - Throws: ``DatasetError`` when the file is missing, unreadable, malformed or of an
    ///   unsupported element type.
    public static func read(contentsOf url: URL) throws -> NumpyArray {
        try read(DataFile.read(url), source: url.path)
    }

    /// Reads a `.npy` file held in memory.
    ///
    /// - Parameters:
    ///   - bytes: The complete file.
    ///   - source: The file or description named in error messages.
    /// - Returns: The array, in C order with native-endian elements.
    /// - Throws: ``DatasetError`` when the data is malformed or of an unsupported element type.
    public static func read(_ bytes: [UInt8], source: String = "NPY data") throws -> NumpyArray {
        try bytes.withUnsafeBytes { try read($0, source: source) }
    }

    /// Reads only the header of a `.npy` file held in memory, checking that the data that
    /// follows has exactly the announced size.
    ///
    /// - Parameters:
    ///   - bytes: The complete file.
    ///   - source: The file or description named in error messages.
    /// - Throws: ``DatasetError`` when the header is malformed or the data has the wrong size.
    public static func readHeader(_ bytes: [UInt8], source: String = "NPY data") throws -> NPYHeader {
        try bytes.withUnsafeBytes { try readHeader($0, source: source) }
    }

    /// Reads a `.npy` file from a raw buffer; see ``read(_:source:)``.
    static func read(_ bytes: UnsafeRawBufferPointer, source: String) throws -> NumpyArray {
        let header = try readHeader(bytes, source: source)
        let data = UnsafeRawBufferPointer(rebasing: bytes[header.dataOffset..<(header.dataOffset + header.dataByteCount)])
        let count = header.elementCount
        let swap = header.isBigEndian != hostIsBigEndian
        let storage: NumpyArray.Storage
        switch header.dataType {
        case .bool: storage = .bool(data.map { $0 != 0 })
        case .int8: storage = .int8(loadIntegers(Int8.self, from: data, count: count, swap: false))
        case .uint8: storage = .uint8(Array(data))
        case .int16: storage = .int16(loadIntegers(Int16.self, from: data, count: count, swap: swap))
        case .uint16: storage = .uint16(loadIntegers(UInt16.self, from: data, count: count, swap: swap))
        case .int32: storage = .int32(loadIntegers(Int32.self, from: data, count: count, swap: swap))
        case .uint32: storage = .uint32(loadIntegers(UInt32.self, from: data, count: count, swap: swap))
        case .int64: storage = .int64(loadIntegers(Int64.self, from: data, count: count, swap: swap))
        case .uint64: storage = .uint64(loadIntegers(UInt64.self, from: data, count: count, swap: swap))
        case .float32:
            storage = .float32(loadIntegers(UInt32.self, from: data, count: count, swap: swap).map(Float.init(bitPattern:)))
        case .float64:
            storage = .float64(loadIntegers(UInt64.self, from: data, count: count, swap: swap).map(Double.init(bitPattern:)))
        }
        let array = NumpyArray(shape: header.shape, storage: storage)
        return header.isFortranOrder ? fortranToRowMajor(array) : array
    }

    /// Parses and checks the header of a `.npy` file held in a raw buffer; see ``readHeader(_:source:)``.
    static func readHeader(_ bytes: UnsafeRawBufferPointer, source: String) throws -> NPYHeader {
        // Magic string and version.
        guard bytes.count >= magic.count + 2 else {
            if bytes.prefix(magic.count).elementsEqual(magic.prefix(min(bytes.count, magic.count))) {
                throw DatasetError.truncated(
                    source: source, reason: "\(bytes.count) bytes is too short for the 8-byte .npy magic string and version")
            }
            throw DatasetError.wrongMagic(
                source: source, expected: "the .npy magic string \\x93NUMPY (\(hexadecimal(magic)))",
                found: hexadecimal(bytes.prefix(magic.count)))
        }
        guard bytes.prefix(magic.count).elementsEqual(magic) else {
            throw DatasetError.wrongMagic(
                source: source, expected: "the .npy magic string \\x93NUMPY (\(hexadecimal(magic)))",
                found: hexadecimal(bytes.prefix(magic.count)))
        }
        let major = Int(bytes[6])
        let minor = Int(bytes[7])
        guard (1...3).contains(major) && minor == 0 else {
            throw DatasetError.invalidFormat(
                source: source, reason: "unsupported .npy format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }

        // Header length.
        let lengthFieldSize = major == 1 ? 2 : 4
        let prefixLength = 8 + lengthFieldSize
        guard bytes.count >= prefixLength else {
            throw DatasetError.truncated(
                source: source,
                reason: "\(bytes.count) bytes is too short for the \(prefixLength)-byte prefix of a version \(major).0 .npy file")
        }
        var headerLength = 0
        for index in (8..<prefixLength).reversed() {
            headerLength = headerLength << 8 | Int(bytes[index])
        }
        guard headerLength <= maximumHeaderLength else {
            throw DatasetError.invalidFormat(
                source: source, reason: "the header length \(headerLength) exceeds the limit of \(maximumHeaderLength) bytes")
        }
        guard bytes.count - prefixLength >= headerLength else {
            throw DatasetError.truncated(
                source: source,
                reason: "the header announces \(headerLength) bytes, but only \(bytes.count - prefixLength) follow the prefix")
        }

        // The header dictionary.
        let headerBytes = Array(bytes[prefixLength..<(prefixLength + headerLength)])
        if major < 3, let index = headerBytes.firstIndex(where: { $0 >= 0x80 }) {
            throw DatasetError.invalidFormat(
                source: source,
                reason: "non-ASCII byte 0x\(hexadecimal(headerBytes[index])) at header offset \(index) of a version \(major).0 file")
        }
        let literal: PythonLiteral
        do {
            literal = try PythonLiteralParser.parse(headerBytes)
        } catch {
            throw DatasetError.invalidFormat(
                source: source, reason: "the header is not a Python literal: \(error.reason) at header offset \(error.offset)")
        }
        guard case .dictionary(let pairs) = literal else {
            throw DatasetError.invalidFormat(
                source: source, reason: "the header is \(printableExcerpt(literal.pythonDescription, limit: 60)), not a dictionary")
        }
        var fields: [String: PythonLiteral] = [:]
        for pair in pairs {
            guard case .string(let key) = pair.key, ["descr", "fortran_order", "shape"].contains(key) else {
                throw DatasetError.invalidFormat(
                    source: source,
                    reason: "unexpected header key \(printableExcerpt(pair.key.pythonDescription, limit: 40))"
                        + " (a .npy header has exactly 'descr', 'fortran_order' and 'shape')")
            }
            guard fields.updateValue(pair.value, forKey: key) == nil else {
                throw DatasetError.invalidFormat(source: source, reason: "the header key '\(key)' appears twice")
            }
        }
        for key in ["descr", "fortran_order", "shape"] where fields[key] == nil {
            throw DatasetError.invalidFormat(source: source, reason: "the header lacks the key '\(key)'")
        }

        // descr.
        let descriptor: String
        switch fields["descr"]! {
        case .string(let value):
            descriptor = value
        case .list(let items):
            throw DatasetError.unsupportedElementType(
                source: source, found: "structured dtype with \(items.count) fields",
                supported: NumpyDataType.supportedDescription)
        case let other:
            throw DatasetError.invalidFormat(
                source: source, reason: "'descr' is \(printableExcerpt(other.pythonDescription, limit: 40)), not a dtype string")
        }
        guard let parsedType = NumpyDataType.parse(descriptor: descriptor) else {
            throw DatasetError.unsupportedElementType(
                source: source, found: "dtype '\(printableExcerpt(descriptor, limit: 40))'", supported: NumpyDataType.supportedDescription)
        }
        let (dataType, isBigEndian) = (parsedType.type, parsedType.isBigEndian)

        // fortran_order.
        guard case .boolean(let isFortranOrder) = fields["fortran_order"]! else {
            throw DatasetError.invalidFormat(
                source: source,
                reason: "'fortran_order' is \(printableExcerpt(fields["fortran_order"]!.pythonDescription, limit: 40)), not True or False")
        }

        // shape.
        let shapeItems: [PythonLiteral]
        switch fields["shape"]! {
        case .tuple(let items), .list(let items): shapeItems = items
        case let other:
            throw DatasetError.invalidFormat(
                source: source, reason: "'shape' is \(printableExcerpt(other.pythonDescription, limit: 40)), not a tuple of integers")
        }
        var shape: [Int] = []
        var elementCount = 1
        for item in shapeItems {
            guard case .integer(let dimension) = item, dimension >= 0 else {
                throw DatasetError.invalidFormat(
                    source: source,
                    reason: "the shape \(printableExcerpt(fields["shape"]!.pythonDescription, limit: 60)) holds"
                        + " \(printableExcerpt(item.pythonDescription, limit: 30)), not a non-negative integer")
            }
            shape.append(dimension)
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw DatasetError.invalidFormat(
                    source: source, reason: "the shape \(printableExcerpt(fields["shape"]!.pythonDescription, limit: 60)) is too large")
            }
            elementCount = product
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: dataType.byteWidth)
        guard !overflow else {
            throw DatasetError.invalidFormat(source: source, reason: "the shape \(shape) of \(descriptor) is too large")
        }

        // The data.
        let dataOffset = prefixLength + headerLength
        let available = bytes.count - dataOffset
        guard available >= byteCount else {
            throw DatasetError.truncated(
                source: source,
                reason: "the data of shape \(shapeDescription(shape)) of '\(descriptor)' needs \(byteCount) bytes,"
                    + " but only \(available) follow the header")
        }
        guard available == byteCount else {
            throw DatasetError.invalidFormat(
                source: source,
                reason: "\(available - byteCount) unexpected bytes after the \(byteCount) bytes of data"
                    + " of shape \(shapeDescription(shape)) of '\(descriptor)'")
        }
        return NPYHeader(
            version: (major, 0), descriptor: descriptor, dataType: dataType, isBigEndian: isBigEndian,
            isFortranOrder: isFortranOrder, shape: shape, dataOffset: dataOffset)
    }

    /// Whether this machine stores integers big-endian.
    static let hostIsBigEndian = 1.bigEndian == 1

    /// Copies `count` integers out of unaligned bytes, reversing the bytes of each if `swap`.
    static func loadIntegers<Integer: FixedWidthInteger>(
        _ type: Integer.Type, from data: UnsafeRawBufferPointer, count: Int, swap: Bool
    ) -> [Integer] {
        [Integer](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            if count > 0 {
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: data[0..<(count * Integer.bitWidth / 8)]))
                if swap {
                    for index in 0..<count {
                        buffer[index] = buffer[index].byteSwapped
                    }
                }
            }
            initializedCount = count
        }
    }

    /// Reorders an array whose storage is in column-major (Fortran) order into row-major (C) order.
    static func fortranToRowMajor(_ array: NumpyArray) -> NumpyArray {
        guard array.shape.count > 1, array.elementCount > 1 else { return array }
        let shape = array.shape
        func reorder<Element>(_ values: [Element]) -> [Element] {
            // The column-major stride of each axis: 1 for the first, growing to the last.
            var strides = [Int](repeating: 1, count: shape.count)
            for axis in 1..<shape.count {
                strides[axis] = strides[axis - 1] * shape[axis - 1]
            }
            var result: [Element] = []
            result.reserveCapacity(values.count)
            var index = [Int](repeating: 0, count: shape.count)
            var offset = 0
            for _ in 0..<values.count {
                result.append(values[offset])
                // Advance the row-major odometer, keeping the column-major offset in step.
                var axis = shape.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    offset += strides[axis]
                    if index[axis] < shape[axis] { break }
                    offset -= strides[axis] * shape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
            return result
        }
        let storage: NumpyArray.Storage
        switch array.storage {
        case .bool(let values): storage = .bool(reorder(values))
        case .int8(let values): storage = .int8(reorder(values))
        case .uint8(let values): storage = .uint8(reorder(values))
        case .int16(let values): storage = .int16(reorder(values))
        case .uint16(let values): storage = .uint16(reorder(values))
        case .int32(let values): storage = .int32(reorder(values))
        case .uint32(let values): storage = .uint32(reorder(values))
        case .int64(let values): storage = .int64(reorder(values))
        case .uint64(let values): storage = .uint64(reorder(values))
        case .float32(let values): storage = .float32(reorder(values))
        case .float64(let values): storage = .float64(reorder(values))
        }
        return NumpyArray(shape: shape, storage: storage)
    }
}

/// A writer for NumPy `.npy` files that `numpy.load` reads back unchanged.
///
/// Arrays are written in C order with little-endian elements, in format version 1.0 (or 2.0
/// when the header would not fit in 65,535 bytes), with the header padded exactly as NumPy pads
/// it (the spare space NumPy leaves for growing the first axis, then spaces to a multiple of 64
/// bytes, then a newline), so the bytes are identical to `numpy.save`'s for the same array.
///
/// ```swift
/// let codes = NumpyArray(shape: [queryCount, 64], values: bits as [UInt8])
/// try NPYWriter.write(codes, to: URL(fileURLWithPath: "codes.npy"))
/// ```
public enum NPYWriter {
    /// The alignment NumPy gives the start of the data, in bytes.
    static let alignment = 64
    /// The spare header space NumPy reserves so the growth axis can reach 21 digits in place.
    static let growthAxisMaximumDigits = 21

    /// Encodes an array as the bytes of a `.npy` file.
    ///
    /// - Parameter array: The array to encode.
    /// - Returns: The complete file.
    public static func encode(_ array: NumpyArray) -> [UInt8] {
        var bytes = header(shape: array.shape, dataType: array.dataType)
        bytes.reserveCapacity(bytes.count + array.elementCount * array.dataType.byteWidth)
        func append<Integer: FixedWidthInteger>(_ values: [Integer]) {
            if NPYReader.hostIsBigEndian {
                for value in values {
                    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
                }
            } else {
                values.withUnsafeBytes { bytes.append(contentsOf: $0) }
            }
        }
        switch array.storage {
        case .bool(let values): bytes.append(contentsOf: values.map { $0 ? 1 : 0 })
        case .int8(let values): append(values)
        case .uint8(let values): bytes.append(contentsOf: values)
        case .int16(let values): append(values)
        case .uint16(let values): append(values)
        case .int32(let values): append(values)
        case .uint32(let values): append(values)
        case .int64(let values): append(values)
        case .uint64(let values): append(values)
        case .float32(let values): append(values.map(\.bitPattern))
        case .float64(let values): append(values.map(\.bitPattern))
        }
        return bytes
    }

    /// Writes an array to a `.npy` file atomically (a temporary file renamed into place).
    ///
    /// - Parameters:
    ///   - array: The array to write.
    ///   - url: The destination; its directory must exist. An existing file is replaced.
    /// - Throws: ``DatasetError/writeFailed(path:reason:)`` when the file cannot be written.
    public static func write(_ array: NumpyArray, to url: URL) throws {
        try DatasetFile.write(encode(array), to: url)
    }

    /// The magic string, version, header length and padded header for an array.
    static func header(shape: [Int], dataType: NumpyDataType) -> [UInt8] {
        var text = "{'descr': '\(dataType.descriptor)', 'fortran_order': False, 'shape': \(shapeDescription(shape)), }"
        if let first = shape.first {
            text += String(repeating: " ", count: max(0, growthAxisMaximumDigits - String(first).count))
        }
        let textLength = text.utf8.count + 1  // with the final newline
        for (major, lengthFieldSize) in [(1, 2), (2, 4)] {
            let prefixLength = NPYReader.magic.count + 2 + lengthFieldSize
            let padding = alignment - (prefixLength + textLength) % alignment
            let headerLength = textLength + padding
            guard headerLength < 1 << (8 * lengthFieldSize) else { continue }
            var bytes = NPYReader.magic + [UInt8(major), 0]
            for byteIndex in 0..<lengthFieldSize {
                bytes.append(UInt8(truncatingIfNeeded: headerLength >> (8 * byteIndex)))
            }
            bytes += Array(text.utf8) + [UInt8](repeating: 0x20, count: padding) + [0x0A]
            return bytes
        }
        preconditionFailure("A .npy header of \(textLength) bytes does not fit in version 2.0")
    }
}

/// A shape written as a Python tuple: `()`, `(3,)`, `(2, 3)`.
func shapeDescription(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}

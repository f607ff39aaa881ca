import TensorCore

/// The element type of a NumPy array: the kind and width of its dtype.
///
/// The raw value is the dtype descriptor this toolkit writes (`'<f4'`, `'|u1'`, …); the reader
/// also accepts the big-endian (`'>f4'`) and native (`'=f4'`) spellings and converts them.
public enum NumpyDataType: String, CaseIterable, Sendable {
    /// `numpy.bool_`, one byte per element, written `|b1`.
    case bool = "|b1"
    /// `numpy.int8`, written `|i1`.
    case int8 = "|i1"
    /// `numpy.uint8`, written `|u1`.
    case uint8 = "|u1"
    /// `numpy.int16`, written `<i2`.
    case int16 = "<i2"
    /// `numpy.uint16`, written `<u2`.
    case uint16 = "<u2"
    /// `numpy.int32`, written `<i4`.
    case int32 = "<i4"
    /// `numpy.uint32`, written `<u4`.
    case uint32 = "<u4"
    /// `numpy.int64`, written `<i8`.
    case int64 = "<i8"
    /// `numpy.uint64`, written `<u8`.
    case uint64 = "<u8"
    /// `numpy.float32`, written `<f4`.
    case float32 = "<f4"
    /// `numpy.float64`, written `<f8`.
    case float64 = "<f8"

    /// The size of one element in bytes.
    public var byteWidth: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .int16, .uint16: return 2
        case .int32, .uint32, .float32: return 4
        case .int64, .uint64, .float64: return 8
        }
    }

    /// The dtype descriptor written into `.npy` headers, such as `<f4`.
    public var descriptor: String { rawValue }

    /// The descriptors the reader accepts, for error messages.
    static let supportedDescription =
        "NumPy dtypes b1, i1, u1, i2, u2, i4, u4, i8, u8, f4, f8 in little- ('<'), big- ('>') or native ('=') byte order"

    /// Parses a dtype descriptor such as `<f4`, `>i8`, `|u1` or `f8`.
    ///
    /// - Returns: The type and whether its elements are stored big-endian, or `nil` when the
    ///   descriptor names a type this toolkit does not handle (half floats, complex numbers,
    ///   strings, objects, dates, structured types).
    static func parse(descriptor: String) -> (type: NumpyDataType, isBigEndian: Bool)? {
        var characters = Substring(descriptor)
        var isBigEndian = false
        switch characters.first {
        case "<", "|", "=":
            characters = characters.dropFirst()
        case ">", "!":
            isBigEndian = true
            characters = characters.dropFirst()
        default:
            break
        }
        let type: NumpyDataType
        switch characters {
        case "b1", "?": type = .bool
        case "i1", "b": type = .int8
        case "u1", "B": type = .uint8
        case "i2": type = .int16
        case "u2": type = .uint16
        case "i4": type = .int32
        case "u4": type = .uint32
        case "i8": type = .int64
        case "u8": type = .uint64
        case "f4": type = .float32
        case "f8": type = .float64
        default: return nil
        }
        return (type, isBigEndian && type.byteWidth > 1)
    }
}

/// A Swift type that can be the element of a ``NumpyArray``: `Bool`, the fixed-width integers
/// and `Float`/`Double`.
public protocol NumpyScalar: Sendable {
    /// The NumPy element type that holds values of this type.
    static var numpyDataType: NumpyDataType { get }
    /// Wraps values of this type in the matching storage case.
    static func storage(_ values: [Self]) -> NumpyArray.Storage
    /// Extracts values of this type from storage of the matching case, or `nil` for another case.
    static func values(in storage: NumpyArray.Storage) -> [Self]?
}

/// An n-dimensional array as stored in a NumPy `.npy` file: a shape and typed elements in
/// row-major (C) order.
///
/// **Shape**: ``shape`` lists the dimensions outermost first; `[]` is a 0-d (scalar) array with
/// one element, and a zero anywhere in the shape gives an empty array. The element with index
/// `(i₀, …, iₙ₋₁)` is at `((i₀ · shape[1] + i₁) · shape[2] + …) + iₙ₋₁` in the storage.
///
/// ```swift
/// let codes = NumpyArray(shape: [2, 3], values: [1, 0, 1, 0, 0, 1] as [UInt8])
/// try NPYWriter.write(codes, to: URL(fileURLWithPath: "codes.npy"))
/// let features = try NPYReader.read(contentsOf: URL(fileURLWithPath: "features.npy")).floatValues()
/// ```
public struct NumpyArray: Equatable, Sendable {
    /// The elements, with the Swift type that matches their NumPy dtype.
    public enum Storage: Equatable, Sendable {
        /// `bool` elements.
        case bool([Bool])
        /// `int8` elements.
        case int8([Int8])
        /// `uint8` elements.
        case uint8([UInt8])
        /// `int16` elements.
        case int16([Int16])
        /// `uint16` elements.
        case uint16([UInt16])
        /// `int32` elements.
        case int32([Int32])
        /// `uint32` elements.
        case uint32([UInt32])
        /// `int64` elements.
        case int64([Int64])
        /// `uint64` elements.
        case uint64([UInt64])
        /// `float32` elements.
        case float32([Float])
        /// `float64` elements.
        case float64([Double])

        /// The number of elements.
        public var count: Int {
            switch self {
            case .bool(let values): return values.count
            case .int8(let values): return values.count
            case .uint8(let values): return values.count
            case .int16(let values): return values.count
            case .uint16(let values): return values.count
            case .int32(let values): return values.count
            case .uint32(let values): return values.count
            case .int64(let values): return values.count
            case .uint64(let values): return values.count
            case .float32(let values): return values.count
            case .float64(let values): return values.count
            }
        }

        /// The NumPy element type of this storage.
        public var dataType: NumpyDataType {
            switch self {
            case .bool: return .bool
            case .int8: return .int8
            case .uint8: return .uint8
            case .int16: return .int16
            case .uint16: return .uint16
            case .int32: return .int32
            case .uint32: return .uint32
            case .int64: return .int64
            case .uint64: return .uint64
            case .float32: return .float32
            case .float64: return .float64
            }
        }
    }

    /// The dimensions, outermost first; `[]` for a 0-d array.
    public private(set) var shape: [Int]
    /// The elements in row-major order.
    public private(set) var storage: Storage

    /// Creates an array from a shape and storage holding exactly as many elements as the shape.
    ///
    /// - Precondition: Every dimension is non-negative and `storage.count` is their product.
    public init(shape: [Int], storage: Storage) {
        precondition(shape.allSatisfy { $0 >= 0 }, "NumPy array dimensions must be non-negative, got \(shape)")
        precondition(
            storage.count == shape.reduce(1, *),
            "A NumPy array of shape \(shape) needs \(shape.reduce(1, *)) elements, got \(storage.count)")
        self.shape = shape
        self.storage = storage
    }

    /// Creates an array of the given shape from values of any ``NumpyScalar`` type.
    ///
    /// - Precondition: `values.count` is the product of `shape`.
    public init<Scalar: NumpyScalar>(shape: [Int], values: [Scalar]) {
        self.init(shape: shape, storage: Scalar.storage(values))
    }

    /// Creates a one-dimensional array of shape `[values.count]`.
    public init<Scalar: NumpyScalar>(_ values: [Scalar]) {
        self.init(shape: [values.count], storage: Scalar.storage(values))
    }

    /// The element type.
    public var dataType: NumpyDataType { storage.dataType }

    /// The number of elements, the product of ``shape`` (1 for a 0-d array).
    public var elementCount: Int { storage.count }

    /// Returns the elements if they are stored as `Scalar`, without conversion; `nil` otherwise.
    public func values<Scalar: NumpyScalar>(as type: Scalar.Type) -> [Scalar]? {
        Scalar.values(in: storage)
    }

    /// The elements converted to `Float`: integers exactly up to 2²⁴ and rounded beyond,
    /// `Double` rounded, `true` as 1 and `false` as 0.
    public func floatValues() -> [Float] {
        switch storage {
        case .bool(let values): return values.map { $0 ? 1 : 0 }
        case .int8(let values): return values.map(Float.init)
        case .uint8(let values): return values.map(Float.init)
        case .int16(let values): return values.map(Float.init)
        case .uint16(let values): return values.map(Float.init)
        case .int32(let values): return values.map(Float.init)
        case .uint32(let values): return values.map(Float.init)
        case .int64(let values): return values.map(Float.init)
        case .uint64(let values): return values.map(Float.init)
        case .float32(let values): return values
        case .float64(let values): return values.map(Float.init)
        }
    }

    /// The elements converted to `Double`: exact for every type except 64-bit integers beyond 2⁵³.
    public func doubleValues() -> [Double] {
        switch storage {
        case .bool(let values): return values.map { $0 ? 1 : 0 }
        case .int8(let values): return values.map(Double.init)
        case .uint8(let values): return values.map(Double.init)
        case .int16(let values): return values.map(Double.init)
        case .uint16(let values): return values.map(Double.init)
        case .int32(let values): return values.map(Double.init)
        case .uint32(let values): return values.map(Double.init)
        case .int64(let values): return values.map(Double.init)
        case .uint64(let values): return values.map(Double.init)
        case .float32(let values): return values.map(Double.init)
        case .float64(let values): return values
        }
    }

    /// The elements as `Int` when every one is exactly representable (for label arrays of any
    /// integer or integral floating-point type), otherwise `nil`.
    public func integerValues() -> [Int]? {
        func exact<Source: BinaryInteger>(_ values: [Source]) -> [Int]? {
            var result: [Int] = []
            result.reserveCapacity(values.count)
            for value in values {
                guard let converted = Int(exactly: value) else { return nil }
                result.append(converted)
            }
            return result
        }
        func exact<Source: BinaryFloatingPoint>(_ values: [Source]) -> [Int]? {
            var result: [Int] = []
            result.reserveCapacity(values.count)
            for value in values {
                guard let converted = Int(exactly: value) else { return nil }
                result.append(converted)
            }
            return result
        }
        switch storage {
        case .bool(let values): return values.map { $0 ? 1 : 0 }
        case .int8(let values): return values.map(Int.init)
        case .uint8(let values): return values.map(Int.init)
        case .int16(let values): return values.map(Int.init)
        case .uint16(let values): return values.map(Int.init)
        case .int32(let values): return values.map(Int.init)
        case .uint32(let values): return values.map(Int.init)
        case .int64(let values): return values.map(Int.init)
        case .uint64(let values): return exact(values)
        case .float32(let values): return exact(values)
        case .float64(let values): return exact(values)
        }
    }

    /// The same elements with a new shape of the same element count (NumPy's `reshape` of a
    /// C-ordered array).
    ///
    /// - Precondition: The product of `newShape` equals ``elementCount``.
    public func reshaped(_ newShape: [Int]) -> NumpyArray {
        NumpyArray(shape: newShape, storage: storage)
    }
}

extension NumpyArray {
    /// Creates a `float32` array with the shape and values of a tensor, to export features.
    public init(_ tensor: Tensor) {
        self.init(shape: tensor.shape, storage: .float32(tensor.scalars))
    }

    /// A tensor with this array's shape and its elements converted to `Float` (see ``floatValues()``).
    public func tensor() -> Tensor {
        Tensor(shape: shape, scalars: floatValues())
    }
}

extension Bool: NumpyScalar {
    public static var numpyDataType: NumpyDataType { .bool }
    public static func storage(_ values: [Bool]) -> NumpyArray.Storage { .bool(values) }
    public static func values(in storage: NumpyArray.Storage) -> [Bool]? {
        if case .bool(let values) = storage { return values }
        return nil
    }
}

extension Int8: NumpyScalar {
    public static var numpyDataType: NumpyDataType { .int8 }
    public static func storage(_ values: [Int8]) -> NumpyArray.Storage { .int8(values) }
    public static func values(in storage: NumpyArray.Storage) -> [Int8]? {
        if case .int8(let values) = storage { return values }
        return nil
    }
}

extension UInt8: NumpyScalar {
    public static var numpyDataType: NumpyDataType { .uint8 }
    public static func storage(_ values: [UInt8]) -> NumpyArray.Storage { .uint8(values) }
    public static func values(in storage: NumpyArray.Storage) -> [UInt8]? {
        if case .uint8(let values) = storage { return values }
        return nil
    }
}

extension Int16: NumpyScalar {
    public static var numpyDataType: NumpyDataType { .int16 }
    public static func storage(_ values: [Int16]) -> NumpyArray.Storage { .int16(values) }
    public static func values(in storage: NumpyArray.Storage) -> [Int16]? {
        if case .int16(let values) = storage { return values }
        return nil
    }
}

extension UInt16: NumpyScalar {
    public static var numpyDataType: NumpyDataType { .uint16 }
    public static func storage(_ values: [UInt16]) -> NumpyArray.Storage { .uint16(values) }
    public static func values(in storage: NumpyArray.Storage) -> [UInt16]? {
        if case .uint16(let values) = storage { return values }
        return nil
    }
}

extension Int32: NumpyScalar {
    public static var numpyDataType: NumpyDataType { .int32 }
    public static func storage(_ values: [Int32]) -> NumpyArray.Storage { .int32(values) }
    public static func values(in storage: NumpyArray.Storage) -> [Int32]? {
        if case .int32(let values) = storage { return values }
        return nil
    }
}

extension UInt32: NumpyScalar {
    public static var numpyDataType: NumpyDataType { .uint32 }
    public static func storage(_ values: [UInt32]) -> NumpyArray.Storage { .uint32(values) }
    public static func values(in storage: NumpyArray.Storage) -> [UInt32]? {
        if case .uint32(let values) = storage { return values }
        return nil
    }
}

extension Int64: NumpyScalar {
    public static var numpyDataType: NumpyDataType { .int64 }
    public static func storage(_ values: [Int64]) -> NumpyArray.Storage { .int64(values) }
    public static func values(in storage: NumpyArray.Storage) -> [Int64]? {
        if case .int64(let values) = storage { return values }
        return nil
    }
}

extension UInt64: NumpyScalar {
    public static var numpyDataType: NumpyDataType { .uint64 }
    public static func storage(_ values: [UInt64]) -> NumpyArray.Storage { .uint64(values) }
    public static func values(in storage: NumpyArray.Storage) -> [UInt64]? {
        if case .uint64(let values) = storage { return values }
        return nil
    }
}

extension Float: NumpyScalar {
    public static var numpyDataType: NumpyDataType { .float32 }
    public static func storage(_ values: [Float]) -> NumpyArray.Storage { .float32(values) }
    public static func values(in storage: NumpyArray.Storage) -> [Float]? {
        if case .float32(let values) = storage { return values }
        return nil
    }
}

extension Double: NumpyScalar {
    public static var numpyDataType: NumpyDataType { .float64 }
    public static func storage(_ values: [Double]) -> NumpyArray.Storage { .float64(values) }
    public static func values(in storage: NumpyArray.Storage) -> [Double]? {
        if case .float64(let values) = storage { return values }
        return nil
    }
}

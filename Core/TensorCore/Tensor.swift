import Foundation

/// A dense, row-major array of `Float` values with a shape, and an optional node on the
/// active gradient tape.
///
/// `Tensor` is a value type: its storage is a copy-on-write `[Float]`, so copies are cheap and
/// mutation never leaks between copies. Operations on tensors are recorded on the current
/// ``Tape`` (see ``valueAndGradient(at:of:)``) when one of their inputs is tracked by it.
///
/// **Shape**: any rank, including rank 0 (a scalar, `shape == []`, one element).
public struct Tensor {
    /// The extent of each axis, outermost first.
    public let shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public internal(set) var scalars: [Float]
    /// The node this value has on a tape, or `nil` if it is a constant.
    @usableFromInline var node: TapeNodeReference?

    /// Creates a tensor from a shape and its row-major elements.
    ///
    /// - Precondition: `scalars.count` equals the product of `shape`, and no extent is negative.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        let count = shape.reduce(1, *)
        precondition(
            scalars.count == count,
            "Tensor: \(scalars.count) scalars do not fill shape \(shape) (\(count) elements)")
        self.shape = shape
        self.scalars = scalars
        self.node = nil
    }

    @usableFromInline init(shape: [Int], scalars: [Float], node: TapeNodeReference?) {
        self.shape = shape
        self.scalars = scalars
        self.node = node
    }

    /// Creates a rank-0 tensor holding one value.
    public init(_ value: Float) {
        self.init(shape: [], scalars: [value])
    }

    /// Creates a rank-1 tensor from its elements.
    public init(_ values: [Float]) {
        self.init(shape: [values.count], scalars: values)
    }

    /// Creates a tensor whose elements are filled in place by `body`, without zero-filling first.
    ///
    /// `body` receives a buffer of `shape.reduce(1, *)` elements and must initialise all of them.

    public init(shape: [Int], unsafeUninitialized body: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let count = shape.reduce(1, *)
        self.shape = shape
        self.scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            body(buffer)
            initialized = count
        }
        self.node = nil
    }

    /// A tensor of the given shape filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }
    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// The number of axes.
    public var rank: Int { shape.count }
    /// The number of elements.
    public var count: Int { scalars.count }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(scalars.count == 1, "Tensor.item: tensor of shape \(shape) has \(scalars.count) elements, not 1")
        return scalars[0]
    }

    /// `true` when this value is recorded on the current tape (gradients flow through it).
    public var isTracked: Bool {
        guard let node else { return false }
        return Tape.current?.id == node.tapeID
    }

    /// The same values, cut from the tape: gradients do not flow back through the result.
    public func detached() -> Tensor { Tensor(shape: shape, scalars: scalars, node: nil) }

    /// Gives mutable access to the elements in place. The result is cut from the tape (a
    /// mutated value is no longer the one an operation recorded).
    public mutating func withUnsafeMutableScalars<Result>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Result) rethrows -> Result {
        node = nil
        return try scalars.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// Gives read access to the elements.
    public func withUnsafeScalars<Result>(_ body: (UnsafeBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try scalars.withUnsafeBufferPointer { try body($0) }
    }

    /// `true` if every element is finite (no NaN, no infinity).
    public var isFinite: Bool {
        scalars.withUnsafeBufferPointer { buffer in
            // `v − v` is 0 for a finite v and NaN for ±∞ and NaN, so the sum of the differences is
            // 0 exactly when every element is finite; summed 16 lanes at a time (vectorised, no
            // branch per element).
            guard let base = buffer.baseAddress else { return true }
            let raw = UnsafeRawPointer(base)
            var lanes = SIMD16<Float>(repeating: 0)
            var i = 0
            while i &+ 16 <= buffer.count {
                let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
                lanes += v - v
                i &+= 16
            }
            var rest: Float = 0
            while i < buffer.count {
                rest += base[i] - base[i]
                i &+= 1
            }
            return lanes.sum() + rest == 0
        }
    }

    /// Normalises a possibly negative axis (`-1` is the last axis) and checks it is in range.

    public func normalizedAxis(_ axis: Int, function: StaticString = #function) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < rank, "\(function): axis \(axis) out of range for shape \(shape)")
        return resolved
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { String(format: "%.5g", Double($0)) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(scalars.count > 8 ? ", …" : "")])"
    }
}

extension Tensor {
    /// Strides (in elements) of a row-major layout of `shape`.

    public static func strides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }
}

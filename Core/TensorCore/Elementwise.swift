import Foundation

// MARK: - Unary maps

extension Tensor {
    /// Applies `operation` to every element (no tape).
    @inline(__always)
    public func map(_ operation: (Float) -> Float) -> Tensor {
        Tensor(
            shape: shape,
            unsafeUninitialized: { out in
                scalars.withUnsafeBufferPointer { x in
                    for i in 0..<out.count { out[i] = operation(x[i]) }
                }
            })
    }

    /// Adds `other` (same shape) into this tensor, in place and without recording.
    public mutating func addInPlace(_ other: Tensor) {
        precondition(shape == other.shape, "addInPlace: shapes \(shape) and \(other.shape) differ")
        scalars.withUnsafeMutableBufferPointer { x in
            other.scalars.withUnsafeBufferPointer { y in
                for i in 0..<x.count { x[i] += y[i] }
            }
        }
    }

    /// Combines two same-shape tensors elementwise (no tape).
    @inline(__always)
    static func zipMap(_ a: Tensor, _ b: Tensor, _ operation: (Float, Float) -> Float) -> Tensor {
        precondition(a.shape == b.shape, "zipMap: shapes \(a.shape) and \(b.shape) differ")
        return Tensor(
            shape: a.shape,
            unsafeUninitialized: { out in
                a.scalars.withUnsafeBufferPointer { x in
                    b.scalars.withUnsafeBufferPointer { y in
                        for i in 0..<out.count { out[i] = operation(x[i], y[i]) }
                    }
                }
            })
    }
}

// MARK: - Arithmetic with broadcasting

extension Tensor {
    /// Elementwise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let value = broadcastingMap(a, b, function: "+") { $0 + $1 }
        return recordOperation(value, inputs: [a, b]) { g, needs in
            [needs[0] ? g.summed(toShape: a.shape) : nil, needs[1] ? g.summed(toShape: b.shape) : nil]
        }
    }

    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let value = broadcastingMap(a, b, function: "-") { $0 - $1 }
        return recordOperation(value, inputs: [a, b]) { g, needs in
            [needs[0] ? g.summed(toShape: a.shape) : nil, needs[1] ? (-g).summed(toShape: b.shape) : nil]
        }
    }

    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let value = broadcastingMap(a, b, function: "*") { $0 * $1 }
        let (ca, cb) = (a.detached(), b.detached())
        return recordOperation(value, inputs: [a, b]) { g, needs in
            [needs[0] ? (g * cb).summed(toShape: a.shape) : nil, needs[1] ? (g * ca).summed(toShape: b.shape) : nil]
        }
    }

    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let value = broadcastingMap(a, b, function: "/") { $0 / $1 }
        let (ca, cb) = (a.detached(), b.detached())
        return recordOperation(value, inputs: [a, b]) { g, needs in
            [
                needs[0] ? (g / cb).summed(toShape: a.shape) : nil,
                needs[1] ? (-(g * ca) / (cb * cb)).summed(toShape: b.shape) : nil,
            ]
        }
    }

    /// Elementwise negation.
    public static prefix func - (a: Tensor) -> Tensor {
        let value = a.map { -$0 }
        return recordOperation(value, inputs: [a]) { g, _ in [-g] }
    }

    public static func + (a: Tensor, b: Float) -> Tensor { a.addingScalar(b) }
    public static func + (a: Float, b: Tensor) -> Tensor { b.addingScalar(a) }
    public static func - (a: Tensor, b: Float) -> Tensor { a.addingScalar(-b) }
    public static func - (a: Float, b: Tensor) -> Tensor { (-b).addingScalar(a) }
    public static func * (a: Tensor, b: Float) -> Tensor { a.scaled(by: b) }
    public static func * (a: Float, b: Tensor) -> Tensor { b.scaled(by: a) }
    public static func / (a: Tensor, b: Float) -> Tensor { a.scaled(by: 1 / b) }
    public static func / (a: Float, b: Tensor) -> Tensor { Tensor(a) / b }

    /// `self + value` elementwise.
    public func addingScalar(_ value: Float) -> Tensor {
        let result = map { $0 + value }
        return recordOperation(result, inputs: [self]) { g, _ in [g] }
    }

    /// `self · factor` elementwise.
    public func scaled(by factor: Float) -> Tensor {
        let result = map { $0 * factor }
        return recordOperation(result, inputs: [self]) { g, _ in [g.scaled(by: factor)] }
    }

    /// Elementwise maximum with broadcasting; the gradient goes to `a` where `a ≥ b`, else to `b`.
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let value = broadcastingMap(a, b, function: "maximum") { Swift.max($0, $1) }
        let (ca, cb) = (a.detached(), b.detached())
        return recordOperation(value, inputs: [a, b]) { g, needs in
            let takeA = broadcastingMap(ca, cb) { $0 >= $1 ? 1 : 0 }
            return [
                needs[0] ? (g * takeA).summed(toShape: a.shape) : nil,
                needs[1] ? (g * (1 - takeA)).summed(toShape: b.shape) : nil,
            ]
        }
    }

    /// Elementwise minimum with broadcasting; the gradient goes to `a` where `a ≤ b`, else to `b`.
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let value = broadcastingMap(a, b, function: "minimum") { Swift.min($0, $1) }
        let (ca, cb) = (a.detached(), b.detached())
        return recordOperation(value, inputs: [a, b]) { g, needs in
            let takeA = broadcastingMap(ca, cb) { $0 <= $1 ? 1 : 0 }
            return [
                needs[0] ? (g * takeA).summed(toShape: a.shape) : nil,
                needs[1] ? (g * (1 - takeA)).summed(toShape: b.shape) : nil,
            ]
        }
    }

    /// Selects `a` where `condition` is nonzero and `b` elsewhere; all three broadcast together.
    public static func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = broadcastShape(broadcastShape(condition.shape, a.shape, function: "select"), b.shape, function: "select")
        let mask = condition.detached().broadcast(to: shape).map { $0 != 0 ? 1 : 0 }
        let (av, bv) = (a.detached().broadcast(to: shape), b.detached().broadcast(to: shape))
        let value = Tensor(
            shape: shape,
            unsafeUninitialized: { out in
                for i in 0..<out.count { out[i] = mask.scalars[i] != 0 ? av.scalars[i] : bv.scalars[i] }
            })
        return recordOperation(value, inputs: [a, b]) { g, needs in
            [
                needs[0] ? (g * mask).summed(toShape: a.shape) : nil,
                needs[1] ? (g * (1 - mask)).summed(toShape: b.shape) : nil,
            ]
        }
    }
}

// MARK: - Elementwise functions

extension Tensor {
    /// eˣ elementwise.
    public func exp() -> Tensor {
        let value = map { Foundation.exp($0) }
        return recordOperation(value, inputs: [self]) { g, _ in [g * value] }
    }

    /// Natural logarithm elementwise.
    public func log() -> Tensor {
        let value = map { Foundation.log($0) }
        let input = detached()
        return recordOperation(value, inputs: [self]) { g, _ in [g / input] }
    }

    /// Square root elementwise.
    public func squareRoot() -> Tensor {
        let value = map { $0.squareRoot() }
        return recordOperation(value, inputs: [self]) { g, _ in [Tensor.zipMap(g, value) { $0 * 0.5 / $1 }] }
    }

    /// Gradient reversal (Ganin & Lempitsky, ICML 2015): the identity forward; backward, the
    /// gradient is multiplied by `−scale`. Placed between a feature extractor and a domain
    /// discriminator, one optimizer then trains the discriminator to tell the domains apart and
    /// the features to confuse it.
    ///
    /// **Shape**: any → the same shape.
    public func reversingGradient(scale: Float) -> Tensor {
        recordOperation(detached(), inputs: [self]) { g, _ in [g * (-scale)] }
    }

    /// `x²` elementwise.
    public func squared() -> Tensor {
        let value = map { $0 * $0 }
        let input = detached()
        return recordOperation(value, inputs: [self]) { g, _ in [Tensor.zipMap(g, input) { 2 * $0 * $1 }] }
    }

    /// `xᵖ` elementwise for a constant exponent.
    public func pow(_ exponent: Float) -> Tensor {
        let value = map { Foundation.pow($0, exponent) }
        let input = detached()
        return recordOperation(value, inputs: [self]) { g, _ in
            [Tensor.zipMap(g, input) { $0 * exponent * Foundation.pow($1, exponent - 1) }]
        }
    }

    /// `|x|` elementwise; the gradient at 0 is 0.
    public func abs() -> Tensor {
        let value = map { Swift.abs($0) }
        let input = detached()
        return recordOperation(value, inputs: [self]) { g, _ in [Tensor.zipMap(g, input) { $1 > 0 ? $0 : ($1 < 0 ? -$0 : 0) }] }
    }

    /// The sign (−1, 0 or 1) elementwise. Not differentiable: the result is a constant.
    public func sign() -> Tensor {
        map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
    }

    /// `max(x, 0)` elementwise; the gradient at 0 is 0.
    public func relu() -> Tensor {
        let value = map { Swift.max($0, 0) }
        return recordOperation(value, inputs: [self]) { g, _ in [Tensor.zipMap(g, value) { $1 > 0 ? $0 : 0 }] }
    }

    /// `x` for `x > 0`, `slope · x` otherwise.
    public func leakyReLU(slope: Float = 0.01) -> Tensor {
        let value = map { $0 > 0 ? $0 : slope * $0 }
        let input = detached()
        return recordOperation(value, inputs: [self]) { g, _ in [Tensor.zipMap(g, input) { $1 > 0 ? $0 : slope * $0 }] }
    }

    /// `1 / (1 + e⁻ˣ)` elementwise, computed without overflow.
    public func sigmoid() -> Tensor {
        let value = map { x in
            if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
            let e = Foundation.exp(x)
            return e / (1 + e)
        }
        return recordOperation(value, inputs: [self]) { g, _ in [Tensor.zipMap(g, value) { $0 * $1 * (1 - $1) }] }
    }

    /// Hyperbolic tangent elementwise.
    public func tanh() -> Tensor {
        let value = map { Foundation.tanh($0) }
        return recordOperation(value, inputs: [self]) { g, _ in [Tensor.zipMap(g, value) { $0 * (1 - $1 * $1) }] }
    }

    /// `log(1 + eˣ)` elementwise, computed stably.
    public func softplus() -> Tensor {
        let value = map { x in Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x))) }
        let input = detached()
        return recordOperation(value, inputs: [self]) { g, _ in
            [
                Tensor.zipMap(g, input) { gradient, x in
                    let s = x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
                    return gradient * s
                }
            ]
        }
    }

    /// Clamps every element to `[lower, upper]`; the gradient is zero where clamped.
    public func clamped(min lower: Float = -.infinity, max upper: Float = .infinity) -> Tensor {
        let value = map { Swift.min(Swift.max($0, lower), upper) }
        let input = detached()
        return recordOperation(value, inputs: [self]) { g, _ in
            [Tensor.zipMap(g, input) { ($1 >= lower && $1 <= upper) ? $0 : 0 }]
        }
    }
}

// MARK: - Comparisons (constants: 1 where true, 0 where false)

extension Tensor {
    /// 1 where `self > other`, else 0 (broadcasting; not differentiable).
    public func isGreater(than other: Tensor) -> Tensor { Tensor.broadcastingMap(detached(), other.detached()) { $0 > $1 ? 1 : 0 } }
    /// 1 where `self > value`, else 0.
    public func isGreater(than value: Float) -> Tensor { map { $0 > value ? 1 : 0 } }
}

/// The shape two shapes broadcast to (NumPy rules: align trailing axes; an extent of 1 stretches).
///
/// - Precondition: the shapes are compatible; the message names both.
public func broadcastShape(_ a: [Int], _ b: [Int], function: StaticString = #function) -> [Int] {
    let rank = max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for axis in 0..<rank {
        let x = axis - (rank - a.count) >= 0 ? a[axis - (rank - a.count)] : 1
        let y = axis - (rank - b.count) >= 0 ? b[axis - (rank - b.count)] : 1
        precondition(x == y || x == 1 || y == 1, "\(function): shapes \(a) and \(b) cannot be broadcast together")
        result[axis] = x == 1 ? y : x
    }
    return result
}

/// Strides of `shape` read as broadcast to `target` (0 on stretched or missing axes).
@usableFromInline
func broadcastStrides(of shape: [Int], to target: [Int]) -> [Int] {
    let own = Tensor.strides(of: shape)
    let offset = target.count - shape.count
    return (0..<target.count).map { axis in
        let source = axis - offset
        if source < 0 || shape[source] == 1 { return 0 }
        return own[source]
    }
}

/// A walk over an N-dimensional index space for up to three operands with arbitrary strides,
/// merged into as few axes as possible; the innermost axis is handed to `body` as a run.
@usableFromInline
struct StridedWalk {
    @usableFromInline var shape: [Int]
    @usableFromInline var strides: [[Int]]

    @usableFromInline
    init(shape: [Int], strides: [[Int]]) {
        // Drop unit axes, then merge neighbours that are contiguous for every operand.
        var mergedShape: [Int] = []
        var mergedStrides: [[Int]] = Array(repeating: [], count: strides.count)
        for axis in 0..<shape.count where shape[axis] != 1 {
            if let lastExtent = mergedShape.last,
                (0..<strides.count).allSatisfy({ mergedStrides[$0].last! == strides[$0][axis] * shape[axis] })
            {
                mergedShape[mergedShape.count - 1] = lastExtent * shape[axis]
                for operand in 0..<strides.count {
                    mergedStrides[operand][mergedStrides[operand].count - 1] = strides[operand][axis]
                }
            } else {
                mergedShape.append(shape[axis])
                for operand in 0..<strides.count { mergedStrides[operand].append(strides[operand][axis]) }
            }
        }
        if mergedShape.isEmpty {
            mergedShape = [1]
            mergedStrides = Array(repeating: [0], count: strides.count)
        }
        self.shape = mergedShape
        self.strides = mergedStrides
    }

    /// Calls `body(offsets, runLength, runStrides)` once per innermost run.

    func forEachRun(_ body: (_ offsets: [Int], _ length: Int, _ strides: [Int]) -> Void) {
        let rank = shape.count
        let operands = strides.count
        let innerLength = shape[rank - 1]
        let innerStrides = strides.map { $0[rank - 1] }
        let outerCount = shape.dropLast().reduce(1, *)
        var index = [Int](repeating: 0, count: max(0, rank - 1))
        var offsets = [Int](repeating: 0, count: operands)
        for _ in 0..<outerCount {
            body(offsets, innerLength, innerStrides)
            // Advance the outer index like an odometer.
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                for operand in 0..<operands { offsets[operand] += strides[operand][axis] }
                if index[axis] < shape[axis] { break }
                for operand in 0..<operands { offsets[operand] -= strides[operand][axis] * shape[axis] }
                index[axis] = 0
                axis -= 1
            }
        }
    }
}

extension Tensor {
    /// Applies `operation` elementwise to `a` and `b` broadcast together (no tape).
    @inline(__always)
    static func broadcastingMap(_ a: Tensor, _ b: Tensor, function: StaticString = #function, _ operation: (Float, Float) -> Float) -> Tensor {
        let shape = broadcastShape(a.shape, b.shape, function: function)
        if b.count == 1 {
            let y = b.scalars[0]
            return Tensor(
                shape: shape,
                unsafeUninitialized: { out in
                    a.scalars.withUnsafeBufferPointer { x in
                        if x.count == out.count {
                            for i in 0..<out.count { out[i] = operation(x[i], y) }
                        } else {
                            for i in 0..<out.count { out[i] = operation(x[0], y) }
                        }
                    }
                })
        }
        if a.count == 1 {
            let x = a.scalars[0]
            return Tensor(
                shape: shape,
                unsafeUninitialized: { out in
                    b.scalars.withUnsafeBufferPointer { y in
                        if y.count == out.count {
                            for i in 0..<out.count { out[i] = operation(x, y[i]) }
                        } else {
                            for i in 0..<out.count { out[i] = operation(x, y[0]) }
                        }
                    }
                })
        }
        if shape == a.shape && a.shape.suffix(b.rank) == b.shape[...] {
            // `b` repeated along the leading axes of `a` (a bias row added to each row of a batch;
            // one row when the shapes are equal): plain loops, so the operation inlines into them.
            let rowLength = b.count
            return Tensor(
                shape: shape,
                unsafeUninitialized: { out in
                    a.scalars.withUnsafeBufferPointer { x in
                        b.scalars.withUnsafeBufferPointer { y in
                            for start in stride(from: 0, to: out.count, by: Swift.max(rowLength, 1)) {
                                for t in 0..<rowLength { out[start + t] = operation(x[start + t], y[t]) }
                            }
                        }
                    }
                })
        }
        let walk = StridedWalk(
            shape: shape,
            strides: [Tensor.strides(of: shape), broadcastStrides(of: a.shape, to: shape), broadcastStrides(of: b.shape, to: shape)])
        return Tensor(
            shape: shape,
            unsafeUninitialized: { out in
                a.scalars.withUnsafeBufferPointer { x in
                    b.scalars.withUnsafeBufferPointer { y in
                        walk.forEachRun { offsets, length, strides in
                            var o = offsets[0], i = offsets[1], j = offsets[2]
                            let (so, si, sj) = (strides[0], strides[1], strides[2])
                            if so == 1 && si == 1 && sj == 0 {
                                let yj = y[j]
                                for t in 0..<length { out[o + t] = operation(x[i + t], yj) }
                            } else if so == 1 && si == 0 && sj == 1 {
                                let xi = x[i]
                                for t in 0..<length { out[o + t] = operation(xi, y[j + t]) }
                            } else {
                                for _ in 0..<length {
                                    out[o] = operation(x[i], y[j])
                                    o += so; i += si; j += sj
                                }
                            }
                        }
                    }
                }
            })
    }

    /// Sums this tensor down to `targetShape`, the inverse of broadcasting `targetShape` up to
    /// `shape` (the backward of a broadcast).
    public func summed(toShape targetShape: [Int]) -> Tensor {
        if targetShape == shape { return self }
        let offset = rank - targetShape.count
        precondition(offset >= 0, "summed(toShape:): cannot reduce shape \(shape) to larger rank \(targetShape)")
        var axes: [Int] = []
        for axis in 0..<rank {
            let source = axis - offset
            if source < 0 {
                axes.append(axis)
            } else if targetShape[source] == 1 && shape[axis] != 1 {
                axes.append(axis)
            } else {
                precondition(
                    targetShape[source] == shape[axis],
                    "summed(toShape:): shape \(shape) does not broadcast from \(targetShape)")
            }
        }
        return sum(alongAxes: axes, keepingDimensions: true).reshaped(targetShape)
    }
}

extension Tensor {
    /// Sums over `axes`; reduced axes are kept with extent 1 when `keepingDimensions`.
    /// Backward: the gradient is broadcast back over the reduced axes.
    ///
    /// **Shape**: `[d₀, …, dₙ] → [d₀, …, dₙ]` with reduced axes removed (or set to 1).
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let axes = Set(axes.map { normalizedAxis($0) })
        var keptShape = shape
        for axis in axes { keptShape[axis] = 1 }
        let finalShape = keepingDimensions ? keptShape : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        let outStrides = Tensor.strides(of: keptShape).enumerated().map { axes.contains($0.offset) ? 0 : $0.element }
        let walk = StridedWalk(shape: shape, strides: [Tensor.strides(of: shape), outStrides])
        var result = [Float](repeating: 0, count: keptShape.reduce(1, *))
        result.withUnsafeMutableBufferPointer { out in
            scalars.withUnsafeBufferPointer { x in
                walk.forEachRun { offsets, length, strides in
                    var i = offsets[0], o = offsets[1]
                    if strides[1] == 0 {
                        var accumulator: Float = 0
                        if strides[0] == 1 {
                            for t in 0..<length { accumulator += x[i + t] }
                        } else {
                            for _ in 0..<length { accumulator += x[i]; i += strides[0] }
                        }
                        out[o] += accumulator
                    } else {
                        for _ in 0..<length {
                            out[o] += x[i]
                            i += strides[0]; o += strides[1]
                        }
                    }
                }
            }
        }
        let value = Tensor(shape: finalShape, scalars: result)
        let original = shape
        return recordOperation(value, inputs: [self]) { g, _ in [g.reshaped(keptShape).broadcast(to: original)] }
    }

    /// The sum of all elements, as a scalar.
    public func sum() -> Tensor { sum(alongAxes: Array(0..<rank)) }

    /// Means over `axes`.
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let reduced = Set(axes.map { normalizedAxis($0) }).map { shape[$0] }.reduce(1, *)
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions).scaled(by: 1 / Float(Swift.max(reduced, 1)))
    }

    /// The mean of all elements, as a scalar.
    public func mean() -> Tensor { mean(alongAxes: Array(0..<rank)) }

    /// The biased variance (divides by the count) over `axes`.
    public func variance(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let centered = self - mean(alongAxes: axes, keepingDimensions: true)
        return centered.squared().mean(alongAxes: axes, keepingDimensions: keepingDimensions)
    }

    /// The index of the largest element along `axis` for every position of the other axes
    /// (the first one on ties), in row-major order of the remaining axes.
    public func argmax(alongAxis axis: Int) -> [Int] {
        let axis = normalizedAxis(axis)
        let outer = shape[..<axis].reduce(1, *)
        let extent = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        precondition(extent > 0, "argmax: axis \(axis) of shape \(shape) is empty")
        var result = [Int](repeating: 0, count: outer * inner)
        scalars.withUnsafeBufferPointer { x in
            for o in 0..<outer {
                for i in 0..<inner {
                    var best = 0
                    var bestValue = x[o * extent * inner + i]
                    for k in 1..<Swift.max(extent, 1) {
                        let candidate = x[(o * extent + k) * inner + i]
                        if candidate > bestValue || (bestValue.isNaN && !candidate.isNaN) { best = k; bestValue = candidate }
                    }
                    result[o * inner + i] = best
                }
            }
        }
        return result
    }

    /// The largest element along `axis`. Backward: the gradient goes to the first maximal element.
    public func max(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        let axis = normalizedAxis(axis)
        let winners = argmax(alongAxis: axis)
        var indexShape = shape
        indexShape[axis] = 1
        let picked = gather(axis: axis, indices: winners, indexShape: indexShape)
        if keepingDimensions { return picked }
        return picked.reshaped(shape.enumerated().filter { $0.offset != axis }.map(\.element))
    }
}

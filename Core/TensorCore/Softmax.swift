import Foundation

extension Tensor {
    /// Splits the shape around `axis` into (outer, extent, inner) counts.
    @usableFromInline
    func axisSplit(_ axis: Int) -> (outer: Int, extent: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// `log(softmax(x))` along `axis`, computed stably (a fused primitive).
    ///
    /// `logSoftmax(x)ᵢ = xᵢ − max(x) − log Σⱼ exp(xⱼ − max(x))`.
    /// Backward: `g − softmax(x) · Σ g`.
    public func logSoftmax(alongAxis axis: Int = -1) -> Tensor {
        let axis = normalizedAxis(axis)
        let (outer, extent, inner) = axisSplit(axis)
        let value = Tensor(
            shape: shape,
            unsafeUninitialized: { out in
                scalars.withUnsafeBufferPointer { x in
                    for o in 0..<outer {
                        for i in 0..<inner {
                            let base = o * extent * inner + i
                            var largest = -Float.infinity
                            for k in 0..<extent { largest = Swift.max(largest, x[base + k * inner]) }
                            var total: Float = 0
                            for k in 0..<extent { total += Foundation.exp(x[base + k * inner] - largest) }
                            let logTotal = largest + Foundation.log(total)
                            for k in 0..<extent { out[base + k * inner] = x[base + k * inner] - logTotal }
                        }
                    }
                }
            })
        return recordOperation(value, inputs: [self]) { g, _ in
            [
                Tensor(
                    shape: value.shape,
                    unsafeUninitialized: { out in
                        for o in 0..<outer {
                            for i in 0..<inner {
                                let base = o * extent * inner + i
                                var total: Float = 0
                                for k in 0..<extent { total += g.scalars[base + k * inner] }
                                for k in 0..<extent {
                                    let index = base + k * inner
                                    out[index] = g.scalars[index] - Foundation.exp(value.scalars[index]) * total
                                }
                            }
                        }
                    })
            ]
        }
    }

    /// `softmax(x)ᵢ = exp(xᵢ) / Σⱼ exp(xⱼ)` along `axis` (a fused primitive).
    /// Backward: `s · (g − Σ g·s)`.
    public func softmax(alongAxis axis: Int = -1) -> Tensor {
        let axis = normalizedAxis(axis)
        let (outer, extent, inner) = axisSplit(axis)
        let value = withoutGradient { logSoftmax(alongAxis: axis) }.map { Foundation.exp($0) }
        return recordOperation(value, inputs: [self]) { g, _ in
            [
                Tensor(
                    shape: value.shape,
                    unsafeUninitialized: { out in
                        for o in 0..<outer {
                            for i in 0..<inner {
                                let base = o * extent * inner + i
                                var dot: Float = 0
                                for k in 0..<extent { dot += g.scalars[base + k * inner] * value.scalars[base + k * inner] }
                                for k in 0..<extent {
                                    let index = base + k * inner
                                    out[index] = value.scalars[index] * (g.scalars[index] - dot)
                                }
                            }
                        }
                    })
            ]
        }
    }
}

import CKernels

extension Tensor {
    private func poolingGeometry(kernelSize: Int, stride: Int, padding: Int, function: StaticString) -> (outH: Int, outW: Int) {
        precondition(rank == 4, "\(function): input must be [N, C, H, W], got \(shape)")
        precondition(
            kernelSize >= 1 && stride >= 1 && padding >= 0 && 2 * padding <= kernelSize,
            "\(function): invalid kernel \(kernelSize), stride \(stride), padding \(padding)")
        let outH = (shape[2] + 2 * padding - kernelSize) / stride + 1
        let outW = (shape[3] + 2 * padding - kernelSize) / stride + 1
        precondition(outH >= 1 && outW >= 1, "\(function): kernel \(kernelSize) does not fit input \(shape)")
        return (outH, outW)
    }

    /// 2-D max pooling over `kernelSize × kernelSize` windows (padding counts as −∞).
    /// Backward: each output's gradient goes to the (first) maximal input of its window.
    ///
    /// **Shape**: `[N, C, H, W] → [N, C, (H + 2p − k)/s + 1, (W + 2p − k)/s + 1]`.
    public func maxPool2d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
        let stride = stride ?? kernelSize
        let (outH, outW) = poolingGeometry(kernelSize: kernelSize, stride: stride, padding: padding, function: "maxPool2d")
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        let outPlane = outH * outW
        let twoByTwo = kernelSize == 2 && stride == 2 && padding == 0
        // Only backward reads the winners: inference (no tape tracking the input) skips them on the
        // common 2×2 path, which saves a store per output and the array.
        let keepsWinners = !twoByTwo || (Tape.current.map { node?.tapeID == $0.id } ?? false)
        // Every entry is written below (by the chunk that owns its plane), so no serial zeroing.
        var winners = [Int32](unsafeUninitializedCapacity: keepsWinners ? planes * outPlane : 0) { _, count in
            count = keepsWinners ? planes * outPlane : 0
        }
        let value = Tensor(
            shape: [shape[0], shape[1], outH, outW],
            unsafeUninitialized: { out in
                winners.withUnsafeMutableBufferPointer { best in
                    scalars.withUnsafeBufferPointer { x in
                        parallelFor(planes, minimumPerChunk: 8) { range in
                            if twoByTwo {
                                // The common 2×2 window: vectorised C with the same selects as the
                                // general loop below (hashing_maxpool2x2); inference skips the winners.
                                hashing_maxpool2x2(
                                    x.baseAddress! + range.lowerBound * height * width, out.baseAddress! + range.lowerBound * outPlane,
                                    keepsWinners ? best.baseAddress! + range.lowerBound * outPlane : nil, range.count, height, width)
                                return
                            }
                            for plane in range {
                                let source = x.baseAddress! + plane * height * width
                                for y in 0..<outH {
                                    for xo in 0..<outW {
                                        var bestValue = -Float.infinity
                                        var bestIndex = -1
                                        for i in 0..<kernelSize {
                                            let sy = y * stride - padding + i
                                            if sy < 0 || sy >= height { continue }
                                            for j in 0..<kernelSize {
                                                let sx = xo * stride - padding + j
                                                if sx < 0 || sx >= width { continue }
                                                let candidate = source[sy * width + sx]
                                                if candidate > bestValue || bestIndex < 0 { bestValue = candidate; bestIndex = sy * width + sx }
                                            }
                                        }
                                        out[plane * outPlane + y * outW + xo] = bestValue
                                        best[plane * outPlane + y * outW + xo] = Int32(bestIndex)
                                    }
                                }
                            }
                        }
                    }
                }
            })
        let inputShape = shape
        let keptWinners = winners
        return recordOperation(value, inputs: [self]) { g, _ in
            [
                Tensor(
                    shape: inputShape,
                    unsafeUninitialized: { dx in
                        keptWinners.withUnsafeBufferPointer { best in
                            g.scalars.withUnsafeBufferPointer { gradient in
                                // Each chunk zeroes and fills its own planes (no serial pass over dx).
                                parallelFor(planes, minimumPerChunk: 8) { range in
                                    if twoByTwo {
                                        // Writes every entry: no zeroing pass, no scatter.
                                        hashing_maxpool2x2_backward(
                                            gradient.baseAddress! + range.lowerBound * outPlane, best.baseAddress! + range.lowerBound * outPlane,
                                            dx.baseAddress! + range.lowerBound * height * width, range.count, height, width)
                                        return
                                    }
                                    (dx.baseAddress! + range.lowerBound * height * width).update(repeating: 0, count: range.count * height * width)
                                    for plane in range {
                                        let target = dx.baseAddress! + plane * height * width
                                        let indices = best.baseAddress! + plane * outPlane
                                        let source = gradient.baseAddress! + plane * outPlane
                                        for k in 0..<outPlane { target[Int(indices[k])] += source[k] }
                                    }
                                }
                            }
                        }
                    })
            ]
        }
    }

    /// 2-D average pooling over `kernelSize × kernelSize` windows; padded zeros count in the
    /// average (PyTorch's default `count_include_pad=True`).
    ///
    /// **Shape**: `[N, C, H, W] → [N, C, (H + 2p − k)/s + 1, (W + 2p − k)/s + 1]`.
    public func avgPool2d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
        let stride = stride ?? kernelSize
        let (outH, outW) = poolingGeometry(kernelSize: kernelSize, stride: stride, padding: padding, function: "avgPool2d")
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        let outPlane = outH * outW
        let scale = 1 / Float(kernelSize * kernelSize)
        // Visits every (output, input) pair of a window inside the image.
        func forEachWindow(_ body: (_ outputIndex: Int, _ inputIndex: Int) -> Void) {
            for y in 0..<outH {
                for xo in 0..<outW {
                    for i in 0..<kernelSize {
                        let sy = y * stride - padding + i
                        if sy < 0 || sy >= height { continue }
                        for j in 0..<kernelSize {
                            let sx = xo * stride - padding + j
                            if sx < 0 || sx >= width { continue }
                            body(y * outW + xo, sy * width + sx)
                        }
                    }
                }
            }
        }
        let value = Tensor(
            shape: [shape[0], shape[1], outH, outW],
            unsafeUninitialized: { out in
                out.update(repeating: 0)
                scalars.withUnsafeBufferPointer { x in
                    for plane in 0..<planes {
                        let source = x.baseAddress! + plane * height * width
                        let target = out.baseAddress! + plane * outPlane
                        forEachWindow { o, i in target[o] += source[i] * scale }
                    }
                }
            })
        let inputShape = shape
        return recordOperation(value, inputs: [self]) { g, _ in
            [
                Tensor(
                    shape: inputShape,
                    unsafeUninitialized: { dx in
                        dx.update(repeating: 0)
                        g.scalars.withUnsafeBufferPointer { gs in
                            for plane in 0..<planes {
                                let source = gs.baseAddress! + plane * outPlane
                                let target = dx.baseAddress! + plane * height * width
                                forEachWindow { o, i in target[i] += source[o] * scale }
                            }
                        }
                    })
            ]
        }
    }
}

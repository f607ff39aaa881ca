import CKernels

/// The geometry of a 2-D sliding window: an image of `channels × height × width` scanned by a
/// `kernelHeight × kernelWidth` window with a stride and zero padding, giving an
/// `outputHeight × outputWidth` grid.
public struct ConvolutionGeometry: Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var stride: Int
    public var padding: Int

    public init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int) {
        self.channels = channels
        self.height = height
        self.width = width
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
    }

    public var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    public var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// Rows of the column matrix: `channels · kernelHeight · kernelWidth`.
    public var patchSize: Int { channels * kernelHeight * kernelWidth }
    /// Columns contributed by one image: `outputHeight · outputWidth`.
    public var positions: Int { outputHeight * outputWidth }

    /// Unfolds one image into columns: `column[(c·kh + i)·kw + j][columnOffset + y·ow + x] =
    /// image[c][y·stride − padding + i][x·stride − padding + j]` (zero outside), where the
    /// column matrix has rows of length `rowLength`.

    func imageToColumns(_ image: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>, rowLength: Int, columnOffset: Int) {
        if stride == 1 && padding == 0 {
            // The common case (LeNet's convolutions): every window row lies inside the image, so each
            // (c, i, j) row of the columns is outH straight copies of outW floats (C, AVX2 when present).
            hashing_im2col_s1p0(image, columns, channels, height, width, kernelHeight, kernelWidth, rowLength, columnOffset)
        } else {
            // Strides and padding (the generators' transposed convolutions): C, each window row's
            // inside range computed once; a Swift loop that tested every x took 6 % of an
            // Intersectant-GAN step (perf, bench-gan at batch 64).
            hashing_im2col(image, columns, channels, height, width, kernelHeight, kernelWidth, stride, padding, rowLength, columnOffset)
        }
    }

    /// Folds columns back into an image, adding overlapping contributions (the adjoint of
    /// ``imageToColumns(_:_:rowLength:columnOffset:)``), in the order c, i, j, y, x. The image must
    /// be zeroed by the caller.

    func columnsToImage(_ columns: UnsafePointer<Float>, _ image: UnsafeMutablePointer<Float>, rowLength: Int, columnOffset: Int) {
        if stride == 1 && padding == 0 {
            hashing_col2im_s1p0(columns, image, channels, height, width, kernelHeight, kernelWidth, rowLength, columnOffset)
        } else {
            // The same loop order as before in C (so the same sums, bit for bit); the Swift loop
            // took 11 % of an Intersectant-GAN step.
            hashing_col2im(columns, image, channels, height, width, kernelHeight, kernelWidth, stride, padding, rowLength, columnOffset)
        }
    }
}

/// Splits a batch of `count` samples into per-thread chunks, each processed in sub-batches
/// whose column buffers stay below a few megabytes.
@usableFromInline
func forEachSampleBlock(count: Int, chunks: Int, floatsPerSample: Int, _ body: (_ chunk: Int, _ samples: Range<Int>) -> Void) {
    let maximumBlock = Swift.max(1, Engine.convolutionBlockFloats / Swift.max(floatsPerSample, 1))
    parallelChunks(chunks) { chunk in
        let start = count * chunk / chunks
        let end = count * (chunk + 1) / chunks
        var blockStart = start
        while blockStart < end {
            let blockEnd = Swift.min(end, blockStart + maximumBlock)
            body(chunk, blockStart..<blockEnd)
            blockStart = blockEnd
        }
    }
}

/// How many per-thread chunks a batch of `count` samples is split into. Read once per
/// operation: the partition decides the order of floating-point sums, so forward and backward
/// must agree on it even if `Engine.threadCount` changes meanwhile.
@usableFromInline
func sampleChunkCount(_ count: Int) -> Int { Swift.max(1, Swift.min(Engine.threadCount, count)) }

/// Copies samples `[n][c][p]` of a batch into a `[c][n·positions + p]` matrix (and back).

func gatherChannelMajor(
    _ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, samples: Range<Int>, channels: Int, positions: Int
) {
    let rowLength = samples.count * positions
    for (slot, n) in samples.enumerated() {
        for c in 0..<channels {
            (destination + c * rowLength + slot * positions).update(from: source + (n * channels + c) * positions, count: positions)
        }
    }
}

func scatterChannelMajor(
    _ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, samples: Range<Int>, channels: Int, positions: Int,
    bias: UnsafePointer<Float>?
) {
    let rowLength = samples.count * positions
    for (slot, n) in samples.enumerated() {
        for c in 0..<channels {
            let target = destination + (n * channels + c) * positions
            let from = source + c * rowLength + slot * positions
            if let bias {
                let b = bias[c]
                for p in 0..<positions { target[p] = from[p] + b }
            } else {
                target.update(from: from, count: positions)
            }
        }
    }
}

/// Runs a convolution's forward pass block by block: each block of samples is unfolded
/// (im2col) and multiplied by the weights in one GEMM into `product`
/// (`[outChannels][samples·positions]`, without the bias), which `consume` then turns into output
/// (`bias` points at the bias, when there is one). Blocks of different chunks run in parallel, on
/// disjoint sample ranges.
private func forEachConvolutionBlock(
    input: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry,
    _ consume: (_ samples: Range<Int>, _ product: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>?) -> Void
) {
    let (batch, outChannels, positions) = (input.shape[0], weight.shape[0], geometry.positions)
    input.scalars.withUnsafeBufferPointer { x in
        weight.scalars.withUnsafeBufferPointer { w in
            (bias?.scalars ?? []).withUnsafeBufferPointer { b in
                let biasPointer = bias == nil ? nil : b.baseAddress
                forEachSampleBlock(
                    count: batch, chunks: sampleChunkCount(batch), floatsPerSample: geometry.patchSize * positions + outChannels * positions
                ) { _, samples in
                    let rowLength = samples.count * positions
                    let columns = UnsafeMutablePointer<Float>.allocate(capacity: geometry.patchSize * rowLength)
                    let product = UnsafeMutablePointer<Float>.allocate(capacity: outChannels * rowLength)
                    defer { columns.deallocate(); product.deallocate() }
                    for (slot, n) in samples.enumerated() {
                        geometry.imageToColumns(
                            x.baseAddress! + n * geometry.channels * geometry.height * geometry.width, columns, rowLength: rowLength,
                            columnOffset: slot * positions)
                    }
                    gemm(
                        transposeA: false, transposeB: false, m: outChannels, n: rowLength, k: geometry.patchSize,
                        a: w.baseAddress!, lda: geometry.patchSize, b: columns, ldb: rowLength, c: product, ldc: rowLength)
                    consume(samples, product, biasPointer)
                }
            }
        }
    }
}

extension Tensor {
    /// Checks a convolution's operands and returns its geometry.
    private func convolutionGeometry(weight: Tensor, bias: Tensor?, stride: Int, padding: Int, function: StaticString) -> ConvolutionGeometry {
        precondition(rank == 4, "\(function): input must be [N, C, H, W], got \(shape)")
        precondition(
            weight.rank == 4 && weight.shape[1] == shape[1],
            "\(function): weight \(weight.shape) does not match input \(shape) (expects [O, \(shape[1]), KH, KW])")
        precondition(stride >= 1 && padding >= 0, "\(function): stride \(stride) must be ≥ 1 and padding \(padding) ≥ 0")
        if let bias { precondition(bias.shape == [weight.shape[0]], "\(function): bias \(bias.shape) must be [\(weight.shape[0])]") }
        let geometry = ConvolutionGeometry(
            channels: shape[1], height: shape[2], width: shape[3], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
            stride: stride, padding: padding)
        precondition(
            geometry.outputHeight >= 1 && geometry.outputWidth >= 1,
            "\(function): kernel \(weight.shape[2])×\(weight.shape[3]) with padding \(padding) does not fit input \(shape)")
        return geometry
    }

    /// 2-D convolution (cross-correlation, as in PyTorch) by im2col + GEMM.
    ///
    /// `out[n, o, y, x] = bias[o] + Σ_{c,i,j} weight[o, c, i, j] · in[n, c, y·s − p + i, x·s − p + j]`
    ///
    /// **Shape**: input `[N, C, H, W]`, weight `[O, C, KH, KW]`, bias `[O]` →
    /// `[N, O, (H + 2p − KH)/s + 1, (W + 2p − KW)/s + 1]`.
    public func conv2d(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) -> Tensor {
        let geometry = convolutionGeometry(weight: weight, bias: bias, stride: stride, padding: padding, function: "conv2d")
        let batch = shape[0]
        let outChannels = weight.shape[0]
        let positions = geometry.positions
        let value = Tensor(
            shape: [batch, outChannels, geometry.outputHeight, geometry.outputWidth],
            unsafeUninitialized: { out in
                forEachConvolutionBlock(input: self, weight: weight, bias: bias, geometry: geometry) { samples, product, b in
                    scatterChannelMajor(product, out.baseAddress!, samples: samples, channels: outChannels, positions: positions, bias: b)
                }
            })
        let (input, kernel) = (detached(), weight.detached())
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return recordOperation(value, inputs: inputs) { g, needs in
            let gradients = convolutionBackward(
                outputGradient: g, input: input, weight: kernel, geometry: geometry,
                needsInput: needs[0], needsWeight: needs[1], needsBias: needs.count > 2 && needs[2])
            return bias == nil ? [gradients.input, gradients.weight] : [gradients.input, gradients.weight, gradients.bias]
        }
    }

    /// ``conv2d(weight:bias:stride:padding:)`` followed by ``maxPool2d(kernelSize:stride:padding:)``
    /// with a 2×2 window and stride 2: the same values, bit for bit.
    ///
    /// When the tape records none of the operands it is one pass: each block of samples is pooled
    /// while it is still in cache after its GEMM, and the full-size convolution output is never
    /// written (inference, e.g. LeNet's two convolutions while encoding). Otherwise it is the two
    /// operations, recorded as such.
    ///
    /// **Shape**: `[N, C, H, W]` → `[N, O, ⌊H′/2⌋, ⌊W′/2⌋]`, where `H′ × W′` is the convolution's output.
    public func conv2dMaxPool2x2(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) -> Tensor {
        if isTracked || weight.isTracked || (bias?.isTracked ?? false) {
            return conv2d(weight: weight, bias: bias, stride: stride, padding: padding).maxPool2d(kernelSize: 2)
        }
        let geometry = convolutionGeometry(weight: weight, bias: bias, stride: stride, padding: padding, function: "conv2dMaxPool2x2")
        let (height, width) = (geometry.outputHeight, geometry.outputWidth)
        precondition(height >= 2 && width >= 2, "conv2dMaxPool2x2: a 2×2 pool does not fit the convolution's \(height)×\(width) output")
        let batch = shape[0]
        let outChannels = weight.shape[0]
        let positions = geometry.positions
        let pooledPlane = (height / 2) * (width / 2)
        return Tensor(
            shape: [batch, outChannels, height / 2, width / 2],
            unsafeUninitialized: { out in
                forEachConvolutionBlock(input: self, weight: weight, bias: bias, geometry: geometry) { samples, product, b in
                    // Channel c's planes of this block are consecutive in the product; the kernel
                    // adds the bias to each entry as scatterChannelMajor does, then selects as
                    // maxPool2d does, so the maxima are the same floats.
                    for c in 0..<outChannels {
                        hashing_maxpool2x2_biased(
                            product + c * samples.count * positions, b.map { $0 + c },
                            out.baseAddress! + (samples.lowerBound * outChannels + c) * pooledPlane, samples.count,
                            outChannels * pooledPlane, height, width)
                    }
                }
            })
    }
}

/// Gradients of ``Tensor/conv2d(weight:bias:stride:padding:)`` with respect to its input,
/// weight and bias, from the gradient of its output.
func convolutionBackward(
    outputGradient g: Tensor, input: Tensor, weight: Tensor, geometry: ConvolutionGeometry,
    needsInput: Bool, needsWeight: Bool, needsBias: Bool
) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
    let batch = input.shape[0]
    let outChannels = weight.shape[0]
    let positions = geometry.positions
    let patch = geometry.patchSize
    let imageSize = geometry.channels * geometry.height * geometry.width
    let chunkCount = sampleChunkCount(batch)
    var weightPartials = [Float](repeating: 0, count: needsWeight ? chunkCount * outChannels * patch : 0)
    var biasPartials = [Float](repeating: 0, count: needsBias ? chunkCount * outChannels : 0)
    // Zeroed by the block that owns each sample, just before it accumulates (not in a serial pass).
    var inputGradient = [Float](unsafeUninitializedCapacity: needsInput ? input.count : 0) { _, count in
        count = needsInput ? input.count : 0
    }
    inputGradient.withUnsafeMutableBufferPointer { dx in
        weightPartials.withUnsafeMutableBufferPointer { dw in
            biasPartials.withUnsafeMutableBufferPointer { db in
                input.scalars.withUnsafeBufferPointer { x in
                    weight.scalars.withUnsafeBufferPointer { w in
                        g.scalars.withUnsafeBufferPointer { gs in
                            forEachSampleBlock(count: batch, chunks: chunkCount, floatsPerSample: 2 * patch * positions + outChannels * positions) {
                                chunk, samples in
                                let rowLength = samples.count * positions
                                let outputBlock = UnsafeMutablePointer<Float>.allocate(capacity: outChannels * rowLength)
                                let columns = UnsafeMutablePointer<Float>.allocate(capacity: patch * rowLength)
                                defer { outputBlock.deallocate(); columns.deallocate() }
                                gatherChannelMajor(gs.baseAddress!, outputBlock, samples: samples, channels: outChannels, positions: positions)
                                if needsBias {
                                    addRowSums(outputBlock, rows: outChannels, rowLength: rowLength, into: db.baseAddress! + chunk * outChannels)
                                }
                                if needsWeight {
                                    for (slot, n) in samples.enumerated() {
                                        geometry.imageToColumns(
                                            x.baseAddress! + n * imageSize, columns, rowLength: rowLength, columnOffset: slot * positions)
                                    }
                                    gemm(
                                        transposeA: false, transposeB: true, m: outChannels, n: patch, k: rowLength,
                                        a: outputBlock, lda: rowLength, b: columns, ldb: rowLength,
                                        beta: 1, c: dw.baseAddress! + chunk * outChannels * patch, ldc: patch)
                                }
                                if needsInput {
                                    gemm(
                                        transposeA: true, transposeB: false, m: patch, n: rowLength, k: outChannels,
                                        a: w.baseAddress!, lda: patch, b: outputBlock, ldb: rowLength, c: columns, ldc: rowLength)
                                    (dx.baseAddress! + samples.lowerBound * imageSize).update(repeating: 0, count: samples.count * imageSize)
                                    for (slot, n) in samples.enumerated() {
                                        geometry.columnsToImage(
                                            columns, dx.baseAddress! + n * imageSize, rowLength: rowLength, columnOffset: slot * positions)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return (
        needsInput ? Tensor(shape: input.shape, scalars: inputGradient) : nil,
        needsWeight ? Tensor(shape: weight.shape, scalars: sumPartials(weightPartials, chunks: chunkCount)) : nil,
        needsBias ? Tensor(shape: [outChannels], scalars: sumPartials(biasPartials, chunks: chunkCount)) : nil
    )
}

/// `totals[r] += Σ_t matrix[r · rowLength + t]`, each row summed from t = 0 upwards (the same
/// float result as a plain loop), with eight rows' chains in flight so that the adds do not wait
/// on each other's latency (a single serial chain was 4 % of an SSDH epoch). In the last group,
/// chains past the last row sum that row again and are dropped, so one loop covers every count.
@inline(__always)
func addRowSums(_ matrix: UnsafePointer<Float>, rows: Int, rowLength: Int, into totals: UnsafeMutablePointer<Float>) {
    var r = 0
    while r < rows {
        func row(_ i: Int) -> UnsafePointer<Float> { matrix + Swift.min(r + i, rows - 1) * rowLength }
        let (p0, p1, p2, p3, p4, p5, p6, p7) = (row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7))
        var (t0, t1, t2, t3, t4, t5, t6, t7): (Float, Float, Float, Float, Float, Float, Float, Float) = (0, 0, 0, 0, 0, 0, 0, 0)
        for t in 0..<rowLength {
            t0 += p0[t]
            t1 += p1[t]
            t2 += p2[t]
            t3 += p3[t]
            t4 += p4[t]
            t5 += p5[t]
            t6 += p6[t]
            t7 += p7[t]
        }
        let sums = SIMD8(t0, t1, t2, t3, t4, t5, t6, t7)
        for i in 0..<Swift.min(8, rows - r) { totals[r + i] += sums[i] }
        r += 8
    }
}

/// Adds `chunks` consecutive equal-length partial results in order (deterministic).
@usableFromInline
func sumPartials(_ partials: [Float], chunks: Int) -> [Float] {
    let length = partials.count / chunks
    var result = Array(partials[0..<length])
    for chunk in 1..<Swift.max(chunks, 1) {
        for i in 0..<length { result[i] += partials[chunk * length + i] }
    }
    return result
}

extension Tensor {
    /// Transposed 2-D convolution (the adjoint of ``conv2d(weight:bias:stride:padding:)``, as
    /// PyTorch's `conv_transpose2d`), used by generators to upsample.
    ///
    /// **Shape**: input `[N, Cin, H, W]`, weight `[Cin, Cout, KH, KW]`, bias `[Cout]` →
    /// `[N, Cout, (H − 1)·s − 2p + KH + outputPadding, (W − 1)·s − 2p + KW + outputPadding]`.
    public func convTranspose2d(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0) -> Tensor {
        precondition(rank == 4, "convTranspose2d: input must be [N, C, H, W], got \(shape)")
        precondition(
            weight.rank == 4 && weight.shape[0] == shape[1],
            "convTranspose2d: weight \(weight.shape) does not match input \(shape) (expects [\(shape[1]), Cout, KH, KW])")
        precondition(
            stride >= 1 && padding >= 0 && outputPadding >= 0 && outputPadding < stride,
            "convTranspose2d: needs stride ≥ 1, padding ≥ 0, 0 ≤ outputPadding < stride (got \(stride), \(padding), \(outputPadding))")
        let (batch, inChannels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let outChannels = weight.shape[1]
        if let bias { precondition(bias.shape == [outChannels], "convTranspose2d: bias \(bias.shape) must be [\(outChannels)]") }
        let outHeight = (height - 1) * stride - 2 * padding + weight.shape[2] + outputPadding
        let outWidth = (width - 1) * stride - 2 * padding + weight.shape[3] + outputPadding
        precondition(outHeight >= 1 && outWidth >= 1, "convTranspose2d: output would be empty for input \(shape) and weight \(weight.shape)")
        // The equivalent forward convolution maps [Cout, outHeight, outWidth] to [Cin, height, width].
        let geometry = ConvolutionGeometry(
            channels: outChannels, height: outHeight, width: outWidth, kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
            stride: stride, padding: padding)
        precondition(geometry.outputHeight == height && geometry.outputWidth == width, "convTranspose2d: inconsistent geometry for input \(shape)")
        let positions = height * width
        let patch = geometry.patchSize
        let imageSize = outChannels * outHeight * outWidth
        let forwardChunks = sampleChunkCount(batch)
        let value = Tensor(
            shape: [batch, outChannels, outHeight, outWidth],
            unsafeUninitialized: { out in
                out.update(repeating: 0)
                scalars.withUnsafeBufferPointer { x in
                    weight.scalars.withUnsafeBufferPointer { w in
                        forEachSampleBlock(count: batch, chunks: forwardChunks, floatsPerSample: patch * positions + inChannels * positions) {
                            _, samples in
                            let rowLength = samples.count * positions
                            let inputBlock = UnsafeMutablePointer<Float>.allocate(capacity: inChannels * rowLength)
                            let columns = UnsafeMutablePointer<Float>.allocate(capacity: patch * rowLength)
                            defer { inputBlock.deallocate(); columns.deallocate() }
                            gatherChannelMajor(x.baseAddress!, inputBlock, samples: samples, channels: inChannels, positions: positions)
                            gemm(
                                transposeA: true, transposeB: false, m: patch, n: rowLength, k: inChannels,
                                a: w.baseAddress!, lda: patch, b: inputBlock, ldb: rowLength, c: columns, ldc: rowLength)
                            for (slot, n) in samples.enumerated() {
                                geometry.columnsToImage(
                                    columns, out.baseAddress! + n * imageSize, rowLength: rowLength, columnOffset: slot * positions)
                            }
                        }
                    }
                }
                if let bias {
                    let planeSize = outHeight * outWidth
                    for n in 0..<batch {
                        for c in 0..<outChannels {
                            let plane = out.baseAddress! + (n * outChannels + c) * planeSize
                            let b = bias.scalars[c]
                            for p in 0..<planeSize { plane[p] += b }
                        }
                    }
                }
            })
        let (input, kernel) = (detached(), weight.detached())
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return recordOperation(value, inputs: inputs) { g, needs in
            // d(input) is a forward convolution of the output gradient with the same weight;
            // d(weight) correlates the input with the unfolded output gradient.
            let chunkCount = sampleChunkCount(batch)
            var inputGradient = needs[0] ? [Float](repeating: 0, count: input.count) : []
            var weightPartials = [Float](repeating: 0, count: needs[1] ? chunkCount * inChannels * patch : 0)
            inputGradient.withUnsafeMutableBufferPointer { dx in
                weightPartials.withUnsafeMutableBufferPointer { dw in
                    input.scalars.withUnsafeBufferPointer { x in
                        kernel.scalars.withUnsafeBufferPointer { w in
                            g.scalars.withUnsafeBufferPointer { gs in
                                forEachSampleBlock(count: batch, chunks: chunkCount, floatsPerSample: patch * positions + 2 * inChannels * positions)
                                { chunk, samples in
                                    let rowLength = samples.count * positions
                                    let columns = UnsafeMutablePointer<Float>.allocate(capacity: patch * rowLength)
                                    let block = UnsafeMutablePointer<Float>.allocate(capacity: inChannels * rowLength)
                                    defer { columns.deallocate(); block.deallocate() }
                                    for (slot, n) in samples.enumerated() {
                                        geometry.imageToColumns(
                                            gs.baseAddress! + n * imageSize, columns, rowLength: rowLength, columnOffset: slot * positions)
                                    }
                                    if needs[0] {
                                        gemm(
                                            transposeA: false, transposeB: false, m: inChannels, n: rowLength, k: patch,
                                            a: w.baseAddress!, lda: patch, b: columns, ldb: rowLength, c: block, ldc: rowLength)
                                        scatterChannelMajor(
                                            block, dx.baseAddress!, samples: samples, channels: inChannels, positions: positions, bias: nil)
                                    }
                                    if needs[1] {
                                        gatherChannelMajor(x.baseAddress!, block, samples: samples, channels: inChannels, positions: positions)
                                        gemm(
                                            transposeA: false, transposeB: true, m: inChannels, n: patch, k: rowLength,
                                            a: block, lda: rowLength, b: columns, ldb: rowLength,
                                            beta: 1, c: dw.baseAddress! + chunk * inChannels * patch, ldc: patch)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            var result: [Tensor?] = [
                needs[0] ? Tensor(shape: input.shape, scalars: inputGradient) : nil,
                needs[1] ? Tensor(shape: kernel.shape, scalars: sumPartials(weightPartials, chunks: chunkCount)) : nil,
            ]
            if bias != nil { result.append(needs[2] ? g.sum(alongAxes: [0, 2, 3]) : nil) }
            return result
        }
    }
}

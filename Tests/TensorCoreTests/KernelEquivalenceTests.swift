import CBLAS
import CKernels
import Foundation
import TestSupport
import Testing

@testable import TensorCore

/// The fast paths that replaced plain loops compute the very same floats (compared bit for bit),
/// so no trained model or recorded result changes with them.
@Suite("Fast paths equal the plain loops they replaced")
struct KernelEquivalenceTests {
    /// The first index where the two differ in any bit (nil when they are identical), so that a
    /// failure names one entry instead of printing whole arrays.
    static func firstDifference(_ ours: [Float], _ reference: [Float]) -> String? {
        guard ours.count == reference.count else { return "counts \(ours.count) and \(reference.count)" }
        return ours.indices.first { ours[$0].bitPattern != reference[$0].bitPattern }.map { "index \($0): \(ours[$0]) vs \(reference[$0])" }
    }

    /// 2×2 max pooling, forward and backward, against a plain implementation of its definition:
    /// the first maximal entry of each window in the order top-left, top-right, bottom-left,
    /// bottom-right with strict `>` (a NaN in the top-left wins, a later NaN never does); the
    /// gradient goes to that entry, added into zeros (so a −0 gradient arrives as +0).
    @Test(arguments: [[4, 5, 7, 9], [1, 2, 6, 8], [3, 1, 2, 2], [2, 2, 5, 3], [2, 3, 6, 13], [1, 2, 24, 24]])
    func maxPoolTwoByTwo(shape: [Int]) throws {
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        let (outH, outW) = (height / 2, width / 2)
        var values = randomTensor(shape, seed: 31).scalars.map { ($0 * 4).rounded() / 4 }  // many ties
        values[0] = .nan
        values[values.count / 2 + 1] = .nan
        values[values.count / 3] = -.infinity
        values[values.count - 1] = -0.0
        let input = Tensor(shape: shape, scalars: values)
        var outputWeights = randomTensor([shape[0], shape[1], outH, outW], seed: 32).scalars
        outputWeights[0] = -0.0
        outputWeights[outputWeights.count - 1] = -0.0

        var expected = [Float](repeating: 0, count: planes * outH * outW)
        var expectedGradient = [Float](repeating: 0, count: values.count)
        for plane in 0..<planes {
            for y in 0..<outH {
                for x in 0..<outW {
                    var bestIndex = -1
                    var best = Float.nan
                    for (i, j) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                        let index = plane * height * width + (2 * y + i) * width + 2 * x + j
                        if bestIndex < 0 || values[index] > best { (best, bestIndex) = (values[index], index) }
                    }
                    let output = (plane * outH + y) * outW + x
                    expected[output] = best
                    expectedGradient[bestIndex] += outputWeights[output]
                }
            }
        }

        let inference = input.maxPool2d(kernelSize: 2)
        var recorded: Tensor?
        let (_, gradients) = valueAndGradient(at: [input]) { x in
            let pooled = x[0].maxPool2d(kernelSize: 2)
            recorded = pooled
            return (pooled * Tensor(shape: pooled.shape, scalars: outputWeights)).sum()
        }
        #expect(inference.shape == [shape[0], shape[1], outH, outW])
        #expect(Self.firstDifference(inference.scalars, expected) == nil)
        let recordedValues = try #require(recorded).scalars
        #expect(Self.firstDifference(recordedValues, expected) == nil)
        #expect(Self.firstDifference(gradients[0].scalars, expectedGradient) == nil)
    }

    /// The one-pass convolution + 2×2 max pooling used for inference gives the floats of the two
    /// operations, bit for bit: LeNet's two layers (blocks of several samples and of one), an odd
    /// convolution output (the last row and column are dropped), stride and padding, no bias,
    /// NaN and ties in the input, at 1 and 2 threads. Under a tape it is the two operations.
    @Test(arguments: [1, 2])
    func convolutionWithPoolingEqualsTheTwoOperations(threads: Int) throws {
        // (input shape, weight shape, stride, padding, bias)
        let cases: [([Int], [Int], Int, Int, Bool)] = [
            ([7, 1, 28, 28], [20, 1, 5, 5], 1, 0, true),
            ([5, 20, 12, 12], [50, 20, 5, 5], 1, 0, true),
            ([3, 3, 11, 9], [4, 3, 3, 3], 1, 0, true),
            ([2, 2, 9, 10], [3, 2, 3, 3], 2, 1, true),
            ([4, 2, 8, 8], [5, 2, 3, 3], 1, 0, false),
        ]
        for (index, (inputShape, weightShape, stride, padding, hasBias)) in cases.enumerated() {
            let seed = UInt64(40 + 3 * index)
            var values = randomTensor(inputShape, seed: seed).scalars.map { ($0 * 4).rounded() / 4 }  // ties after the GEMM too
            values[3] = .nan
            let input = Tensor(shape: inputShape, scalars: values)
            let weight = randomTensor(weightShape, seed: seed + 1)
            let bias = hasBias ? randomTensor([weightShape[0]], seed: seed + 2) : nil
            try Engine.withThreadCount(threads) {
                let fused = input.conv2dMaxPool2x2(weight: weight, bias: bias, stride: stride, padding: padding)
                let separate = input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding).maxPool2d(kernelSize: 2)
                #expect(fused.shape == separate.shape, "case \(index)")
                #expect(Self.firstDifference(fused.scalars, separate.scalars) == nil, "case \(index)")
                #expect(fused.scalars.contains { $0.isNaN }, "case \(index): the NaN reached the output")

                var recorded: Tensor?
                let (_, gradients) = valueAndGradient(at: [input, weight]) { p in
                    let pooled = p[0].conv2dMaxPool2x2(weight: p[1], bias: bias, stride: stride, padding: padding)
                    recorded = pooled
                    return pooled.sum()
                }
                let (_, separateGradients) = valueAndGradient(at: [input, weight]) { p in
                    p[0].conv2d(weight: p[1], bias: bias, stride: stride, padding: padding).maxPool2d(kernelSize: 2).sum()
                }
                let recordedValues = try #require(recorded).scalars
                #expect(Self.firstDifference(recordedValues, separate.scalars) == nil, "case \(index), taped")
                for slot in 0..<2 {
                    #expect(Self.firstDifference(gradients[slot].scalars, separateGradients[slot].scalars) == nil, "case \(index), gradient \(slot)")
                }
            }
        }
    }

    /// Inference's pooling kernel: without a bias it gives hashing_maxpool2x2's outputs (the path
    /// with winners) bit for bit, with one it gives hashing_maxpool2x2 of the planes plus the bias; output planes land at
    /// their stride and the gaps between them are left alone. Rows of 12, 8, 17 and 9 windows reach
    /// the 8-wide loop, 4 and 7 the 4-wide one, 1 only the scalar window.
    @Test(arguments: [[3, 24, 24], [2, 8, 8], [2, 7, 35], [1, 2, 2], [4, 5, 19], [2, 6, 14]])
    func biasedPoolingEqualsPoolingTheBiasedPlanes(shape: [Int]) {
        let (planes, height, width) = (shape[0], shape[1], shape[2])
        let outPlane = (height / 2) * (width / 2)
        var values = randomTensor([planes * height * width], seed: 35).scalars.map { ($0 * 4).rounded() / 4 }  // many ties
        values[0] = .nan
        values[values.count / 2 + 1] = .nan
        values[values.count / 3] = -.infinity
        values[1] = -0.0
        if values.count > width + 1 { (values[width], values[width + 1]) = (0.0, -0.0) }
        let sentinel: Float = 12345
        for bias in [nil, Float(0.25), Float(-0.0)] as [Float?] {
            let shifted = bias.map { b in values.map { $0 + b } } ?? values
            // The reference is the path with winners, which maxPoolTwoByTwo checks against the definition.
            var expected = [Float](repeating: 0, count: planes * outPlane)
            var winners = [Int32](repeating: 0, count: planes * outPlane)
            hashing_maxpool2x2(shifted, &expected, &winners, planes, height, width)
            let stride = outPlane + 3
            var output = [Float](repeating: sentinel, count: planes * stride)
            if let bias {
                withUnsafePointer(to: bias) { hashing_maxpool2x2_biased(values, $0, &output, planes, stride, height, width) }
            } else {
                hashing_maxpool2x2_biased(values, nil, &output, planes, stride, height, width)
            }
            let planesOut = (0..<planes).flatMap { output[($0 * stride)..<($0 * stride + outPlane)] }
            #expect(Self.firstDifference(planesOut, expected) == nil, "bias \(String(describing: bias))")
            let gapsKept = (0..<planes).allSatisfy { p in output[(p * stride + outPlane)..<(p * stride + stride)].allSatisfy { $0 == sentinel } }
            #expect(gapsKept, "bias \(String(describing: bias))")
        }
    }

    /// A tensor broadcast along the leading axes of another (a bias row per batch row) gives, for
    /// each operator, the floats of the plain loop `a[i] op b[i mod n]`, NaN and −0 included; a
    /// broadcast the other way round still agrees with it.
    @Test func rowBroadcastEqualsThePlainLoop() {
        for (shapeA, shapeB) in [([5, 7], [7]), ([2, 3, 4], [3, 4]), ([2, 3, 4], [4]), ([1, 9], [9])] {
            var x = randomTensor(shapeA, seed: 36).scalars
            var y = randomTensor(shapeB, seed: 37).scalars
            (x[0], x[x.count - 1], y[0], y[y.count - 1]) = (.nan, -0.0, -0.0, 0.0)
            let (a, b) = (Tensor(shape: shapeA, scalars: x), Tensor(shape: shapeB, scalars: y))
            let operations: [(String, (Tensor, Tensor) -> Tensor, (Float, Float) -> Float)] = [
                ("+", { $0 + $1 }, { $0 + $1 }), ("-", { $0 - $1 }, { $0 - $1 }), ("*", { $0 * $1 }, { $0 * $1 }),
                ("/", { $0 / $1 }, { $0 / $1 }),
            ]
            for (name, tensorOperation, scalarOperation) in operations {
                let plain = x.indices.map { scalarOperation(x[$0], y[$0 % y.count]) }
                #expect(Self.firstDifference(tensorOperation(a, b).scalars, plain) == nil, "\(shapeA) \(name) \(shapeB)")
                let swapped = x.indices.map { scalarOperation(y[$0 % y.count], x[$0]) }
                #expect(Self.firstDifference(tensorOperation(b, a).scalars, swapped) == nil, "\(shapeB) \(name) \(shapeA)")
            }
        }
    }

    /// Empty tensors broadcast to empty results, equal shapes or a row.
    @Test func emptyTensorsBroadcastToEmptyResults() {
        let empty = Tensor(shape: [0, 3], scalars: [])
        #expect((empty + empty).shape == [0, 3])
        #expect((empty * Tensor(shape: [3], scalars: [1, 2, 3])).shape == [0, 3])
    }

    /// The bias gradient's row sums keep each row's order from the first entry on.
    @Test func rowSumsKeepTheSerialOrder() {
        var generator = SeededGenerator(seed: 33)
        for rows in [1, 3, 4, 7, 8, 9, 12, 19, 20, 50] {
            for rowLength in [1, 5, 37, 576] {
                let matrix = (0..<(rows * rowLength)).map { _ in Float.random(in: -1...1, using: &generator) * 1e3 }
                let start = (0..<rows).map { Float($0) * 0.1 }
                var fast = start
                matrix.withUnsafeBufferPointer { m in
                    fast.withUnsafeMutableBufferPointer { addRowSums(m.baseAddress!, rows: rows, rowLength: rowLength, into: $0.baseAddress!) }
                }
                let plain = (0..<rows).map { r in
                    var total: Float = 0
                    for t in 0..<rowLength { total += matrix[r * rowLength + t] }
                    return start[r] + total
                }
                #expect(Self.firstDifference(fast, plain) == nil, "rows \(rows), row length \(rowLength)")
            }
        }
    }

    /// `gemm` with beta = 0 zeroes C itself and asks BLAS for beta = 1: the result is BLAS's own
    /// beta = 0 result, whatever C held before (NaN here), and a C with ldc > n keeps its padding.
    @Test(arguments: [1, 2])
    func gemmWithBetaZeroEqualsBLAS(threads: Int) {
        var generator = SeededGenerator(seed: 34)
        for (transposeA, transposeB) in [(false, false), (true, false), (false, true)] {
            let (m, n, k, ldc) = (48, 29, 53, 33)
            let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &generator) }
            let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &generator) }
            let (lda, ldb) = (transposeA ? m : k, transposeB ? k : n)
            var ours = [Float](repeating: .nan, count: m * ldc)
            gemm(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: &ours, ldc: ldc,
                threads: threads)
            var direct = [Float](repeating: .nan, count: m * ldc)
            _ = Engine.blasInitialized
            cblas_sgemm(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n),
                Int32(k), 1, a, Int32(lda), b, Int32(ldb), 0, &direct, Int32(ldc))
            for row in 0..<m {
                let (product, reference) = (Array(ours[(row * ldc)..<(row * ldc + n)]), Array(direct[(row * ldc)..<(row * ldc + n)]))
                #expect(Self.firstDifference(product, reference) == nil, "row \(row)")
                let paddingKept = ours[(row * ldc + n)..<(row * ldc + ldc)].allSatisfy { $0.isNaN }
                #expect(paddingKept, "padding of row \(row)")
            }
        }
    }
}

import TestSupport
import Testing

@testable import TensorCore

/// Finite-difference checks of every differentiable primitive.
@Suite("Finite-difference gradients")
struct GradientCheckTests {
    let a = randomTensor([3, 4], seed: 1)
    let b = randomTensor([3, 4], seed: 2)
    let row = randomTensor([4], seed: 3)
    let positive = randomTensor([3, 4], seed: 4, low: 0.5, high: 2)

    @Test func arithmeticWithBroadcasting() {
        checkGradients(at: [a, b]) { $0[0] + $0[1] }
        checkGradients(at: [a, row]) { $0[0] - $0[1] }
        checkGradients(at: [a, row.reshaped([1, 4])]) { $0[0] * $0[1] }
        checkGradients(at: [a, positive]) { $0[0] / $0[1] }
        checkGradients(at: [a.reshaped([3, 1, 4]), b.reshaped([1, 3, 4])]) { $0[0] * $0[1] }
        checkGradients(at: [a]) { -$0[0] * 3 + 2 }
    }

    @Test func unaryFunctions() {
        checkGradients(at: [a]) { $0[0].exp() }
        checkGradients(at: [positive]) { $0[0].log() }
        checkGradients(at: [positive]) { $0[0].squareRoot() }
        checkGradients(at: [positive]) { $0[0].pow(1.7) }
        checkGradients(at: [a]) { $0[0].squared() }
        checkGradients(at: [a]) { $0[0].abs() }
        checkGradients(at: [a], step: 1e-3) { $0[0].relu() }
        checkGradients(at: [a], step: 1e-3) { $0[0].leakyReLU(slope: 0.2) }
        checkGradients(at: [a]) { $0[0].sigmoid() }
        checkGradients(at: [a]) { $0[0].tanh() }
        checkGradients(at: [a]) { $0[0].softplus() }
        checkGradients(at: [a], step: 1e-3) { $0[0].clamped(min: -0.5, max: 0.5) }
    }

    @Test func binarySelections() {
        checkGradients(at: [a, b], step: 1e-3) { Tensor.maximum($0[0], $0[1]) }
        checkGradients(at: [a, row], step: 1e-3) { Tensor.minimum($0[0], $0[1]) }
        let condition = a.isGreater(than: 0)
        checkGradients(at: [a, b]) { Tensor.select(condition, $0[0], $0[1]) }
    }

    @Test func shapeOperations() {
        checkGradients(at: [a]) { $0[0].reshaped([2, 6]) }
        checkGradients(at: [a]) { $0[0].transposed() }
        checkGradients(at: [randomTensor([2, 3, 4], seed: 9)]) { $0[0].permuted([2, 0, 1]) }
        checkGradients(at: [row]) { $0[0].broadcast(to: [3, 4]) }
        checkGradients(at: [a]) { $0[0].slice(axis: 1, range: 1..<3) }
        checkGradients(at: [a, b]) { Tensor.concatenate([$0[0], $0[1]], axis: 1) }
        checkGradients(at: [a]) { $0[0].indexSelect([2, 0, 2], axis: 0) }
        checkGradients(at: [a]) { $0[0].gather(axis: 1, indices: [3, 0, 1, 1, 2, 2], indexShape: [3, 2]) }
    }

    @Test func reductions() {
        checkGradients(at: [a]) { $0[0].sum() }
        checkGradients(at: [a]) { $0[0].sum(alongAxes: [0]) }
        checkGradients(at: [a]) { $0[0].mean(alongAxes: [1], keepingDimensions: true) }
        checkGradients(at: [a]) { $0[0].variance(alongAxes: [0]) }
        checkGradients(at: [Self.wellSeparated([3, 4], seed: 5)], step: 1e-3) { $0[0].max(alongAxis: 1) }
        checkGradients(at: [randomTensor([2, 3, 4], seed: 7)]) { $0[0].sum(alongAxes: [0, 2]) }
    }

    @Test func matmul() {
        let c = randomTensor([4, 5], seed: 5)
        checkGradients(at: [a, c]) { $0[0].matmul($0[1]) }
        checkGradients(at: [a, randomTensor([5, 4], seed: 6)]) { $0[0].matmul($0[1], transposeOther: true) }
        checkGradients(at: [randomTensor([4, 3], seed: 8), c]) { $0[0].matmul($0[1], transposeSelf: true) }
        checkGradients(at: [randomTensor([4, 3], seed: 8), randomTensor([5, 4], seed: 6)]) {
            $0[0].matmul($0[1], transposeSelf: true, transposeOther: true)
        }
    }

    @Test func softmaxFamily() {
        checkGradients(at: [a]) { $0[0].softmax(alongAxis: 1) }
        checkGradients(at: [a]) { $0[0].logSoftmax(alongAxis: 1) }
        checkGradients(at: [randomTensor([2, 3, 4], seed: 10)]) { $0[0].logSoftmax(alongAxis: 1) }
    }

    @Test(arguments: [(1, 0), (2, 1), (1, 2), (3, 1)])
    func convolution(stride: Int, padding: Int) {
        let input = randomTensor([2, 3, 7, 6], seed: 11)
        let weight = randomTensor([4, 3, 3, 3], seed: 12)
        let bias = randomTensor([4], seed: 13)
        checkGradients(at: [input, weight, bias], rtol: 3e-2, atol: 5e-3) {
            $0[0].conv2d(weight: $0[1], bias: $0[2], stride: stride, padding: padding)
        }
    }

    /// Stride 1 without padding takes the C im2col / col2im (AVX2 where present), with its own loop
    /// for 8-wide outputs (LeNet's second convolution): 12×12 with a 5×5 kernel, and a 4×9 output.
    @Test(arguments: [([2, 2, 12, 12], [3, 2, 5, 5]), ([3, 2, 6, 10], [2, 2, 3, 2])])
    func convolutionWithoutPaddingTakesTheFastUnfold(inputShape: [Int], weightShape: [Int]) {
        let input = randomTensor(inputShape, seed: 17)
        let weight = randomTensor(weightShape, seed: 18)
        let bias = randomTensor([weightShape[0]], seed: 19)
        checkGradients(at: [input, weight, bias], rtol: 3e-2, atol: 5e-3) {
            $0[0].conv2d(weight: $0[1], bias: $0[2], stride: 1, padding: 0)
        }
        // The forward values against the definition, summed directly.
        let output = input.conv2d(weight: weight, bias: bias, stride: 1, padding: 0)
        let (c, h, w, o, kh, kw) = (inputShape[1], inputShape[2], inputShape[3], weightShape[0], weightShape[2], weightShape[3])
        let (oh, ow) = (h - kh + 1, w - kw + 1)
        var worst: Float = 0
        for n in 0..<inputShape[0] {
            for k in 0..<o {
                for y in 0..<oh {
                    for x in 0..<ow {
                        var total = bias.scalars[k]
                        for ch in 0..<c {
                            for i in 0..<kh {
                                for j in 0..<kw {
                                    total += weight.scalars[((k * c + ch) * kh + i) * kw + j] * input.scalars[((n * c + ch) * h + y + i) * w + x + j]
                                }
                            }
                        }
                        worst = max(worst, abs(total - output.scalars[((n * o + k) * oh + y) * ow + x]))
                    }
                }
            }
        }
        #expect(worst < 1e-4, "largest difference from the direct sum: \(worst)")
    }

    @Test(arguments: [(1, 0, 0), (2, 1, 0), (2, 1, 1), (3, 0, 2)])
    func transposedConvolution(stride: Int, padding: Int, outputPadding: Int) {
        let input = randomTensor([2, 3, 4, 5], seed: 14)
        let weight = randomTensor([3, 2, 3, 3], seed: 15)
        let bias = randomTensor([2], seed: 16)
        checkGradients(at: [input, weight, bias], rtol: 3e-2, atol: 5e-3) {
            $0[0].convTranspose2d(weight: $0[1], bias: $0[2], stride: stride, padding: padding, outputPadding: outputPadding)
        }
    }

    /// Distinct values at least 0.02 apart, so a finite-difference step never swaps a maximum.
    static func wellSeparated(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let count = shape.reduce(1, *)
        var values = (0..<count).map { Float($0) * 0.02 - Float(count) * 0.01 }
        values.shuffle(using: &generator)
        return Tensor(shape: shape, scalars: values)
    }

    @Test func pooling() {
        let input = randomTensor([2, 2, 6, 6], seed: 17)
        let separated = Self.wellSeparated([2, 2, 6, 6], seed: 17)
        checkGradients(at: [separated], step: 1e-3) { $0[0].maxPool2d(kernelSize: 2) }
        checkGradients(at: [separated], step: 1e-3) { $0[0].maxPool2d(kernelSize: 3, stride: 2, padding: 1) }
        checkGradients(at: [input]) { $0[0].avgPool2d(kernelSize: 2) }
        checkGradients(at: [input]) { $0[0].avgPool2d(kernelSize: 3, stride: 2, padding: 1) }
    }

    /// Inference skips the 2×2 max-pool's winners: its values must equal the recorded pass's,
    /// ties and NaN included, and odd sizes (a dropped last row and column) too.
    @Test func maxPoolWithoutTapeEqualsRecordedPass() throws {
        var values = randomTensor([2, 3, 7, 9], seed: 21).scalars.map { ($0 * 4).rounded() / 4 }  // many ties
        values[5] = .nan
        values[40] = -.infinity
        let input = Tensor(shape: [2, 3, 7, 9], scalars: values)
        let inference = input.maxPool2d(kernelSize: 2)
        var recorded: Tensor?
        _ = valueAndGradient(at: [input]) { x in
            let pooled = x[0].maxPool2d(kernelSize: 2)
            recorded = pooled
            return pooled.sum()
        }
        let bits = { (tensor: Tensor) in tensor.scalars.map(\.bitPattern) }
        #expect(inference.shape == [2, 3, 3, 4])
        #expect(bits(inference) == bits(try #require(recorded)))
    }

    @Test func batchNormalization() {
        let input = randomTensor([4, 3, 2, 2], seed: 18)
        let weight = randomTensor([3], seed: 19, low: 0.5, high: 1.5)
        let bias = randomTensor([3], seed: 20)
        checkGradients(at: [input, weight, bias], step: 1e-3, rtol: 3e-2, atol: 5e-3) {
            $0[0].batchNormalized(weight: $0[1], bias: $0[2], epsilon: 1e-5).output
        }
        checkGradients(at: [randomTensor([5, 3], seed: 21), weight, bias], step: 1e-3, rtol: 3e-2, atol: 5e-3) {
            $0[0].batchNormalized(weight: $0[1], bias: $0[2], epsilon: 1e-5).output
        }
        let mean = randomTensor([3], seed: 22), variance = randomTensor([3], seed: 23, low: 0.5, high: 2)
        checkGradients(at: [input, weight, bias]) {
            $0[0].batchNormalized(mean: mean, variance: variance, weight: $0[1], bias: $0[2], epsilon: 1e-5)
        }
    }

    @Test func reusedValuesAccumulate() {
        // f(x) = x·x + x → f'(x) = 2x + 1: the tape must add both uses.
        let (value, gradients) = valueAndGradient(at: [Tensor([3])]) { ($0[0] * $0[0] + $0[0]).sum() }
        #expect(value.item == 12)
        #expect(gradients[0].scalars == [7])
    }
}

import TensorCore
import TestSupport
import Testing

/// The engine's primitives against golden values from PyTorch (`Tests/Fixtures/torch`, written
/// by `Scripts/make_torch_fixtures.py`): outputs, and gradients for a random upstream gradient.
///
/// Tolerances are the default `rtol 1e-4, atol 1e-5` throughout: the tensors are small, so
/// float32 summation-order differences stay far below them.
@Suite("PyTorch golden values: TensorCore")
struct TorchGoldenTests {
    @Test(arguments: TorchFixture.caseNames("matmul"))
    func matmul(_ name: String) throws { try check(name, family: "matmul") }

    @Test(arguments: TorchFixture.caseNames("conv2d"))
    func conv2d(_ name: String) throws { try check(name, family: "conv2d") }

    @Test(arguments: TorchFixture.caseNames("conv_transpose2d"))
    func convTranspose2d(_ name: String) throws { try check(name, family: "conv_transpose2d") }

    @Test(arguments: TorchFixture.caseNames("pooling"))
    func pooling(_ name: String) throws { try check(name, family: "pooling") }

    @Test(arguments: TorchFixture.caseNames("batch_norm"))
    func batchNorm(_ name: String) throws { try check(name, family: "batch_norm") }

    @Test(arguments: TorchFixture.caseNames("elementwise"))
    func elementwise(_ name: String) throws { try check(name, family: "elementwise") }

    @Test(arguments: TorchFixture.caseNames("softmax"))
    func softmax(_ name: String) throws { try check(name, family: "softmax") }

    @Test(arguments: TorchFixture.caseNames("reductions"))
    func reductions(_ name: String) throws { try check(name, family: "reductions") }

    @Test(arguments: TorchFixture.caseNames("broadcasting"))
    func broadcasting(_ name: String) throws { try check(name, family: "broadcasting") }

    @Test(arguments: TorchFixture.caseNames("shape"))
    func shapeOperations(_ name: String) throws { try check(name, family: "shape") }

    @Test func fixturesComeFromPyTorch() throws {
        for family in [
            "matmul", "conv2d", "conv_transpose2d", "pooling", "batch_norm", "elementwise", "softmax", "reductions", "broadcasting", "shape",
        ] {
            let fixture = try TorchFixture.load(family)
            #expect(fixture.family == family)
            #expect(fixture.torchVersion.hasPrefix("2."), "torch version \(fixture.torchVersion)")
            #expect(!fixture.cases.isEmpty)
        }
    }

    // MARK: - Dispatch

    private func check(_ name: String, family: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let torchCase = try TorchFixture.case(name, in: family)
        if torchCase.op == "batch_norm_train" {
            try checkTrainingBatchNorm(torchCase, sourceLocation: sourceLocation)
            return
        }
        let (inputNames, function) = try operation(for: torchCase)
        try expectMatchesTorch(torchCase, inputNames: inputNames, sourceLocation: sourceLocation, function)
    }

    /// The engine's version of a case's operation: the names of its inputs, in the order the
    /// function receives them, and the function.
    private func operation(for c: TorchCase) throws -> ([String], ([Tensor]) -> Tensor) {
        let withBias = c.hasInput("bias")
        switch c.op {
        case "matmul":
            let (transposeA, transposeB) = (try c.bool("transpose_a"), try c.bool("transpose_b"))
            return (["a", "b"], { $0[0].matmul($0[1], transposeSelf: transposeA, transposeOther: transposeB) })
        case "linear":
            return (
                withBias ? ["x", "weight", "bias"] : ["x", "weight"],
                { x in withBias ? x[0].matmul(x[1], transposeOther: true) + x[2] : x[0].matmul(x[1], transposeOther: true) }
            )
        case "conv2d":
            let (stride, padding) = (try c.int("stride"), try c.int("padding"))
            return (
                withBias ? ["x", "weight", "bias"] : ["x", "weight"],
                { x in x[0].conv2d(weight: x[1], bias: withBias ? x[2] : nil, stride: stride, padding: padding) }
            )
        case "conv_transpose2d":
            let (stride, padding, outputPadding) = (try c.int("stride"), try c.int("padding"), try c.int("output_padding"))
            return (
                withBias ? ["x", "weight", "bias"] : ["x", "weight"],
                { x in
                    x[0].convTranspose2d(weight: x[1], bias: withBias ? x[2] : nil, stride: stride, padding: padding, outputPadding: outputPadding)
                }
            )
        case "max_pool2d", "avg_pool2d":
            let (kernel, stride, padding) = (try c.int("kernel_size"), try c.int("stride"), try c.int("padding"))
            let isMax = c.op == "max_pool2d"
            return (
                ["x"],
                { x in
                    isMax
                        ? x[0].maxPool2d(kernelSize: kernel, stride: stride, padding: padding)
                        : x[0].avgPool2d(kernelSize: kernel, stride: stride, padding: padding)
                }
            )
        case "batch_norm_eval":
            let (mean, variance, epsilon) = (try c.tensor("running_mean"), try c.tensor("running_var"), try c.float("epsilon"))
            return (
                ["x", "weight", "bias"],
                { x in x[0].batchNormalized(mean: mean, variance: variance, weight: x[1], bias: x[2], epsilon: epsilon) }
            )
        case "relu": return (["x"], { $0[0].relu() })
        case "leaky_relu":
            let slope = try c.float("slope")
            return (["x"], { $0[0].leakyReLU(slope: slope) })
        case "sigmoid": return (["x"], { $0[0].sigmoid() })
        case "tanh": return (["x"], { $0[0].tanh() })
        case "softplus": return (["x"], { $0[0].softplus() })
        case "exp": return (["x"], { $0[0].exp() })
        case "log": return (["x"], { $0[0].log() })
        case "sqrt": return (["x"], { $0[0].squareRoot() })
        case "abs": return (["x"], { $0[0].abs() })
        case "square": return (["x"], { $0[0].squared() })
        case "neg": return (["x"], { -$0[0] })
        case "pow":
            let exponent = try c.float("exponent")
            return (["x"], { $0[0].pow(exponent) })
        case "clamp":
            let (lower, upper) = (try c.float("min"), try c.float("max"))
            return (["x"], { $0[0].clamped(min: lower, max: upper) })
        case "maximum": return (["a", "b"], { Tensor.maximum($0[0], $0[1]) })
        case "minimum": return (["a", "b"], { Tensor.minimum($0[0], $0[1]) })
        case "softmax", "log_softmax":
            let axis = try c.int("axis")
            let isLog = c.op == "log_softmax"
            return (["x"], { isLog ? $0[0].logSoftmax(alongAxis: axis) : $0[0].softmax(alongAxis: axis) })
        case "sum", "mean", "var":
            let (axes, keep) = (try c.ints("axes"), try c.bool("keepdim"))
            switch c.op {
            case "sum": return (["x"], { $0[0].sum(alongAxes: axes, keepingDimensions: keep) })
            case "mean": return (["x"], { $0[0].mean(alongAxes: axes, keepingDimensions: keep) })
            default: return (["x"], { $0[0].variance(alongAxes: axes, keepingDimensions: keep) })
            }
        case "sum_all": return (["x"], { $0[0].sum() })
        case "mean_all": return (["x"], { $0[0].mean() })
        case "max":
            let (axis, keep) = (try c.int("axis"), try c.bool("keepdim"))
            return (["x"], { $0[0].max(alongAxis: axis, keepingDimensions: keep) })
        case "add": return (["a", "b"], { $0[0] + $0[1] })
        case "sub": return (["a", "b"], { $0[0] - $0[1] })
        case "mul": return (["a", "b"], { $0[0] * $0[1] })
        case "div": return (["a", "b"], { $0[0] / $0[1] })
        case "permute":
            let axes = try c.ints("axes")
            return (["x"], { $0[0].permuted(axes) })
        case "slice":
            let (axis, start, end) = (try c.int("axis"), try c.int("start"), try c.int("end"))
            return (["x"], { $0[0].slice(axis: axis, range: start..<end) })
        case "concatenate":
            let axis = try c.int("axis")
            return (["a", "b"], { Tensor.concatenate([$0[0], $0[1]], axis: axis) })
        case "gather":
            let (axis, index) = (try c.int("axis"), try c.intMatrix("indices"))
            return (["x"], { $0[0].gather(axis: axis, indices: index.flatMap { $0 }, indexShape: [index.count, index[0].count]) })
        case "broadcast_to":
            let shape = try c.ints("shape")
            return (["x"], { $0[0].broadcast(to: shape) })
        default:
            throw TorchFixtureError.unsupportedOperation(c.op, caseName: c.name)
        }
    }

    /// Training-mode batch normalisation: output and gradients, plus the batch statistics.
    private func checkTrainingBatchNorm(_ c: TorchCase, sourceLocation: SourceLocation) throws {
        let epsilon = try c.float("epsilon")
        var statistics: BatchStatistics?
        try expectMatchesTorch(c, inputNames: ["x", "weight", "bias"], sourceLocation: sourceLocation) { x in
            let (output, batchStatistics) = x[0].batchNormalized(weight: x[1], bias: x[2], epsilon: epsilon)
            statistics = batchStatistics
            return output
        }
        let found = try #require(statistics)
        expectClose(found.mean, try c.extra("batch_mean").scalars, "\(c.name): batch mean", sourceLocation: sourceLocation)
        expectClose(found.variance, try c.extra("batch_var").scalars, "\(c.name): batch variance", sourceLocation: sourceLocation)
        let input = try c.tensor("x")
        #expect(found.count == input.count / input.shape[1], "\(c.name): statistics count", sourceLocation: sourceLocation)
    }
}

import NeuralNet
import TensorCore
import TestSupport
import Testing

/// Losses and layers against golden values from PyTorch (`Tests/Fixtures/torch`, written by
/// `Scripts/make_torch_fixtures.py`): outputs, gradients for a random upstream gradient, and
/// the running statistics of batch normalisation. Default tolerances (`rtol 1e-4, atol 1e-5`).
@Suite("PyTorch golden values: NeuralNet")
struct TorchGoldenLossTests {
    @Test(arguments: TorchFixture.caseNames("losses"))
    func loss(_ name: String) throws {
        let c = try TorchFixture.case(name, in: "losses")
        switch c.op {
        case "cross_entropy":
            let labels = try c.ints("labels")
            let ignoreIndex = c.params["ignore_index"]?.int
            try expectMatchesTorch(c, inputNames: ["logits"]) { x in
                crossEntropy(logits: x[0], labels: labels, ignoreIndex: ignoreIndex)
            }
        case "cross_entropy_weighted":
            // PyTorch side: (cross_entropy(reduction='none', ignore_index=-100) · w).sum() / #(y ≠ −100),
            // the formula Losses.swift documents for per-sample weights.
            let labels = try c.ints("labels")
            let ignoreIndex = c.params["ignore_index"]?.int
            try expectMatchesTorch(c, inputNames: ["logits", "sample_weights"]) { x in
                crossEntropy(logits: x[0], labels: labels, ignoreIndex: ignoreIndex, sampleWeights: x[1])
            }
        case "binary_cross_entropy":
            try expectMatchesTorch(c, inputNames: ["logits", "targets"]) { x in binaryCrossEntropy(logits: x[0], targets: x[1]) }
        case "mse":
            try expectMatchesTorch(c, inputNames: ["prediction", "target"]) { x in meanSquaredError(x[0], x[1]) }
        case "l1":
            try expectMatchesTorch(c, inputNames: ["prediction", "target"]) { x in l1Loss(x[0], x[1]) }
        default:
            throw TorchFixtureError.unsupportedOperation(c.op, caseName: c.name)
        }
    }

    /// The `Linear` layer against `F.linear`, with the fixture's weight and bias loaded into it.
    @Test(arguments: TorchFixture.caseNames("matmul").filter { $0.hasPrefix("linear") })
    func linearLayer(_ name: String) throws {
        let c = try TorchFixture.case(name, in: "matmul")
        let weight = try c.tensor("weight")
        let hasBias = c.hasInput("bias")
        var generator = SeededGenerator(seed: 1)
        let layer = Linear(inputFeatures: weight.shape[1], outputFeatures: weight.shape[0], bias: hasBias, generator: &generator)
        try expectMatchesTorch(c, inputNames: hasBias ? ["x", "weight", "bias"] : ["x", "weight"]) { x in
            layer.weight.value = x[1]
            if hasBias { layer.bias!.value = x[2] }
            return layer(x[0])
        }
    }

    /// `BatchNorm1d(3)` / `BatchNorm2d(3)` against `nn.BatchNorm1d(3)` / `nn.BatchNorm2d(3)`
    /// (momentum 0.1, ε 1e-5) over two training steps and one evaluation step: outputs,
    /// gradients of input, weight and bias, and the running mean and (unbiased) variance after
    /// each step.
    @Test(arguments: ["batchnorm1d", "batchnorm2d"])
    func batchNormLayer(_ layerName: String) throws {
        let fixture = try TorchFixture.load("batch_norm_layer")
        let steps = fixture.cases.filter { $0.op == layerName }.sorted { (try? $0.int("step")) ?? 0 < (try? $1.int("step")) ?? 0 }
        try #require(steps.count == 3, "expected three steps of \(layerName)")
        let layer = layerName == "batchnorm1d" ? BatchNorm1d(3) : BatchNorm2d(3)
        #expect(layer.momentum == (try steps[0].float("momentum")))
        #expect(layer.epsilon == (try steps[0].float("epsilon")))
        for step in steps {
            let training = step.params["mode"] == .string("train")
            layer.train(training)
            try expectMatchesTorch(step, inputNames: ["x", "weight", "bias"]) { x in
                layer.weight.value = x[1]
                layer.bias.value = x[2]
                return layer(x[0])
            }
            expectClose(layer.runningMean.value, try step.extra("running_mean"), "\(step.name): running mean")
            expectClose(layer.runningVariance.value, try step.extra("running_var"), "\(step.name): running variance")
        }
    }
}

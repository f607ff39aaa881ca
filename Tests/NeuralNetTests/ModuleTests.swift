import Foundation
import NeuralNet
import TensorCore
import TestSupport
import Testing

final class TwoLayer: Module, Layer {
    let encoder: Sequential
    let head: Linear
    let norms: [BatchNorm]
    let scale: Parameter
    init(generator: inout SeededGenerator) {
        encoder = Sequential([
            Conv2d(inputChannels: 1, outputChannels: 4, kernelSize: 3, padding: 1, generator: &generator),
            BatchNorm2d(4), Lambda.relu(), Lambda.maxPool2d(kernelSize: 2), Lambda.flatten(),
        ])
        head = Linear(inputFeatures: 16, outputFeatures: 3, generator: &generator)
        norms = [BatchNorm1d(3), BatchNorm1d(3)]
        scale = Parameter(Tensor(1))
    }
    func callAsFunction(_ input: Tensor) -> Tensor { norms[0](head(encoder(input))) * scale.value }
}

@Suite("Modules, layers and checkpoints")
struct ModuleTests {
    func model(seed: UInt64 = 1) -> TwoLayer {
        var generator = SeededGenerator(seed: seed)
        return TwoLayer(generator: &generator)
    }

    @Test func parameterPathsAreDottedAndInDeclarationOrder() {
        let paths = model().namedParameters().map(\.path)
        #expect(
            paths == [
                "encoder.layers.0.weight", "encoder.layers.0.bias", "encoder.layers.1.weight", "encoder.layers.1.bias",
                "head.weight", "head.bias", "norms.0.weight", "norms.0.bias", "norms.1.weight", "norms.1.bias", "scale",
            ])
        #expect(
            model().namedBuffers().map(\.path) == [
                "encoder.layers.1.runningMean", "encoder.layers.1.runningVariance", "norms.0.runningMean",
                "norms.0.runningVariance", "norms.1.runningMean", "norms.1.runningVariance",
            ])
        #expect(model().parameterCount == 4 * 9 + 4 + 4 + 4 + 16 * 3 + 3 + 12 + 1)
    }

    @Test func layerOutputShapes() {
        var generator = SeededGenerator(seed: 2)
        let x = randomTensor([2, 3, 9, 9], seed: 3)
        #expect(Conv2d(inputChannels: 3, outputChannels: 5, kernelSize: 3, stride: 2, padding: 1, generator: &generator)(x).shape == [2, 5, 5, 5])
        #expect(
            ConvTranspose2d(inputChannels: 3, outputChannels: 2, kernelSize: 4, stride: 2, padding: 1, generator: &generator)(x).shape == [
                2, 2, 18, 18,
            ])
        #expect(Linear(inputFeatures: 7, outputFeatures: 4, generator: &generator)(randomTensor([5, 7], seed: 4)).shape == [5, 4])
        #expect(BatchNorm2d(3)(x).shape == x.shape)
        #expect(model()(randomTensor([6, 1, 4, 4], seed: 5)).shape == [6, 3])
    }

    @Test func trainAndEvalModesReachEveryDescendant() {
        let network = model()
        network.train(false)
        #expect(!network.isTraining && !network.norms[1].isTraining && !(network.encoder.layers[1] as! BatchNorm).isTraining)
        network.train(true)
        #expect(network.norms[1].isTraining)
    }

    @Test func batchNormUsesRunningStatisticsInEvalMode() {
        let norm = BatchNorm1d(2, momentum: 0.5)
        let x = Tensor(shape: [4, 2], scalars: [1, 10, 2, 20, 3, 30, 4, 40])
        _ = norm(x)
        // Running mean: 0.5·0 + 0.5·batch mean; variance uses the unbiased batch variance.
        expectClose(norm.runningMean.value, Tensor([1.25, 12.5]))
        expectClose(norm.runningVariance.value, Tensor([0.5 + 0.5 * (5.0 / 3.0), 0.5 + 0.5 * (500.0 / 3.0)]))
        norm.train(false)
        let y = norm(x)
        let expectedFirst = (1 - 1.25) / (norm.runningVariance.value.scalars[0] + 1e-5).squareRoot()
        expectClose(y.scalars[0], expectedFirst)
    }

    @Test func dropoutIsSeededAndOnlyActiveInTraining() {
        let x = Tensor.ones([1000])
        let a = Dropout(probability: 0.3, seed: 9)(x), b = Dropout(probability: 0.3, seed: 9)(x)
        #expect(a.scalars == b.scalars)
        let kept = a.scalars.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 1 / 0.7) < 1e-6 })
        #expect((600...800).contains(kept.count))
        let dropout = Dropout(probability: 0.3, seed: 9)
        dropout.train(false)
        #expect(dropout(x).scalars == x.scalars)
    }

    @Test func valueAndGradientOfParametersRestoresValuesAndTrains() {
        var generator = SeededGenerator(seed: 4)
        let layer = Linear(inputFeatures: 3, outputFeatures: 1, generator: &generator)
        let x = randomTensor([64, 3], seed: 5)
        let target = x.matmul(Tensor(shape: [3, 1], scalars: [1, -2, 0.5])) + 0.3
        let parameters = layer.trainableParameters()
        var losses: [Float] = []
        for _ in 0..<200 {
            let (loss, gradients) = valueAndGradient(of: parameters) { meanSquaredError(layer(x), target) }
            #expect(!layer.weight.value.isTracked)
            for (parameter, gradient) in zip(parameters, gradients) { parameter.value = parameter.value - 0.3 * gradient }
            losses.append(loss.item)
        }
        #expect(losses.last! < 1e-4 && losses.last! < losses.first!)
        expectClose(layer.weight.value, Tensor(shape: [1, 3], scalars: [1, -2, 0.5]), rtol: 1e-2, atol: 1e-2)
    }

    @Test func separateTapesDifferentiateGeneratorAndDiscriminatorApart() {
        var generator = SeededGenerator(seed: 6)
        let g = Linear(inputFeatures: 2, outputFeatures: 2, generator: &generator)
        let d = Linear(inputFeatures: 2, outputFeatures: 1, generator: &generator)
        let z = randomTensor([4, 2], seed: 7)
        // Discriminator step: the generator's output is a constant.
        let (_, dGradients) = valueAndGradient(of: d.parameters()) { d(g(z).detached()).mean() }
        #expect(dGradients.count == 2 && dGradients.allSatisfy { $0.scalars.contains { $0 != 0 } })
        // Generator step: gradients flow through the discriminator to the generator only.
        let (_, gGradients) = valueAndGradient(of: g.parameters()) { d(g(z)).mean() }
        let w = d.weight.value.scalars
        // d(mean(d(g(z))))/d(g.bias) = mean over the batch of d.weight = d.weight.
        expectClose(gGradients[1], Tensor(w))
        // Nested tapes: an inner tape sees the outer tape's values as constants.
        let outer = valueAndGradient(at: [Tensor(2)]) { x in
            let inner = valueAndGradient(at: [Tensor(3)]) { y in (x[0] * y[0] * y[0]).sum() }
            #expect(inner.gradients[0].item == 12)  // d(x·y²)/dy = 2xy with x = 2, y = 3
            return (x[0] * x[0]).sum()
        }
        #expect(outer.gradients[0].item == 4)
    }

    @Test func withoutGradientRecordsNothing() {
        let (_, gradients) = valueAndGradient(at: [Tensor([1, 2])]) { x in
            let constant = withoutGradient { x[0] * 10 }
            #expect(!constant.isTracked)
            return (x[0] * 2 + constant).sum()
        }
        #expect(gradients[0].scalars == [2, 2])
    }

    // MARK: Checkpoints

    func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("hashing-tests-\(UUID().uuidString)-\(name)")
    }

    @Test func checkpointRoundTripRestoresParametersAndBuffers() throws {
        let source = model(seed: 1)
        _ = source(randomTensor([4, 1, 4, 4], seed: 8))  // moves running statistics
        let url = temporaryURL("model.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try source.save(to: url, metadata: ["epoch": "3"])
        let restored = model(seed: 2)
        let report = try restored.load(from: url)
        #expect(report.isComplete && report.loaded.count == 17)
        for (path, tensor) in source.stateDictionary() {
            #expect(restored.stateDictionary()[path]!.scalars == tensor.scalars, "\(path)")
        }
        #expect(try SafeTensors.readMetadata(from: url)["epoch"] == "3")
    }

    @Test func strictLoadRejectsMissingExtraAndMisshapenTensorsWithoutChangingTheModel() throws {
        let target = model(seed: 1)
        let before = target.stateDictionary()
        var state = model(seed: 2).stateDictionary()
        state.removeValue(forKey: "head.bias")
        #expect(throws: CheckpointError.missingTensor("head.bias")) { try target.loadStateDictionary(state) }
        state = model(seed: 2).stateDictionary()
        state["extra.weight"] = Tensor(1)
        #expect(throws: CheckpointError.unexpectedTensor("extra.weight")) { try target.loadStateDictionary(state) }
        state = model(seed: 2).stateDictionary()
        state["head.weight"] = .zeros([3, 17])
        #expect(throws: CheckpointError.shapeMismatch("head.weight", expected: [3, 16], found: [3, 17])) {
            try target.loadStateDictionary(state)
        }
        #expect(target.stateDictionary().mapValues(\.scalars) == before.mapValues(\.scalars))
    }

    @Test func partialLoadReportsWhatItSkipped() throws {
        let target = model(seed: 1)
        var state = model(seed: 2).stateDictionary()
        state.removeValue(forKey: "scale")
        state["head.weight"] = .zeros([5, 16])
        state["classifier.weight"] = .zeros([2, 2])
        let report = try target.loadStateDictionary(state, strict: false)
        #expect(report.missing == ["scale"])
        #expect(report.unexpected == ["classifier.weight"])
        #expect(report.mismatched.map(\.path) == ["head.weight"])
        #expect(target.head.bias!.value.scalars == state["head.bias"]!.scalars)
        #expect(target.scale.value.item == 1)
    }

    @Test func truncatedOrCorruptCheckpointsThrowAndLeaveTheModelUnchanged() throws {
        let url = temporaryURL("model.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model(seed: 2).save(to: url)
        let bytes = try Data(contentsOf: url)
        let target = model(seed: 1)
        let before = target.stateDictionary().mapValues(\.scalars)
        for cut in [0, 4, 8, 20, bytes.count / 2, bytes.count - 1] {
            try bytes.prefix(cut).write(to: url)
            #expect(throws: CheckpointError.self, "cut at \(cut)") { try target.load(from: url) }
        }
        var corrupt = bytes
        corrupt[10] = UInt8(ascii: "#")
        try corrupt.write(to: url)
        #expect(throws: CheckpointError.self) { try target.load(from: url) }
        #expect(throws: CheckpointError.self) { try target.load(from: temporaryURL("missing.safetensors")) }
        #expect(target.stateDictionary().mapValues(\.scalars) == before)
    }
}

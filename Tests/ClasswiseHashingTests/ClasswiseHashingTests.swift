import ClasswiseHashing
import Foundation
import HashingCore
import NeuralNet
import TensorCore
import TestSupport
import Testing

func softplus(_ x: Double) -> Double { log(1 + exp(x)) }

/// A 3-class, 4-bit example worked by hand.
enum HandExample {
    static let outputs = Tensor(shape: [2, 4], scalars: [1, -1, 0.5, 0, -1, 1, 1, -1])
    static let labels = [0, 1]
    static let centers = Tensor(shape: [3, 4], scalars: [1, -1, 1, -1, -1, 1, 1, -1, 1, 1, -1, -1])
}

/// The registry of this target's methods alone: they are tested without the catalog.
func classwiseRegistry() -> MethodRegistry { try! MethodRegistry([DCWHMethod.registration, IDCWHMethod.registration]) }

func context(bits: Int) throws -> MethodContext {
    MethodContext(
        bitCount: bits, classCount: 3, inputShape: [1, 16, 16], backbone: TestBackbones.conv, seed: 2)
}

@Suite("DCWH and IDCWH")
struct ClasswiseHashingTests {
    @Test func classwiseLossMatchesHandComputedValue() {
        // Squared distances: h₁ → (1.25, 9.25, 7.25), h₂ → (8, 0, 8); logits = −½·d.
        let first = log(1 + exp(-4.0) + exp(-3.0))
        let second = log(1 + 2 * exp(-4.0))
        let loss = classwiseLoss(outputs: HandExample.outputs, centers: HandExample.centers, labels: HandExample.labels, inverseVariance: 1)
        expectClose(loss.item, Float((first + second) / 2))
        // 1/σ² scales the distances.
        let sharper = classwiseLoss(outputs: HandExample.outputs, centers: HandExample.centers, labels: HandExample.labels, inverseVariance: 2)
        expectClose(sharper.item, Float((log(1 + exp(-8.0) + exp(-6.0)) + log(1 + 2 * exp(-8.0))) / 2))
    }

    @Test func boundedOutputAndQuantizationTerms() {
        expectClose(boundedOutputLoss(Tensor(shape: [1, 4], scalars: [1.5, -2, 0.3, 0])).item, 1.3)
        // sgn(h₁) = (1, −1, 1, 1): (0.5)² + 1² = 1.25; h₂ is already binary.
        expectClose(quantizationLoss(HandExample.outputs, normalization: .perImage).item, 0.625)
        // Per bit: the same sum over N·K = 8.
        expectClose(quantizationLoss(HandExample.outputs, normalization: .perBit).item, 0.15625)
    }

    @Test func batchBinaryCentersAndCenterSimilarityLoss() {
        let outputs = Tensor(shape: [3, 4], scalars: [1, -1, 0.5, 0, -1, 1, 1, -1, -1, -1, -1, 1])
        let (binary, labels) = batchBinaryCenters(outputs: outputs, labels: [0, 1, 0])
        #expect(labels == [0, 1])
        // Class 0: sgn(sgn(h₁) + sgn(h₃)) = sgn((0, −2, 0, 2)) = (1, −1, 1, 1).
        #expect(binary.scalars == [1, -1, 1, 1, -1, 1, 1, -1])
        // θ = ½·4·cos: row 0 → (1, −1, −1), row 1 → (0, 2, 0).
        let expected = ((softplus(1) - 1 + 2 * softplus(-1)) + (2 * softplus(0) + softplus(2) - 2)) / 2
        let loss = centerSimilarityLoss(binaryCenters: binary, binaryLabels: labels, centers: HandExample.centers)
        expectClose(loss.item, Float(expected))
    }

    @Test func lossGradientsMatchFiniteDifferences() {
        let labels = HandExample.labels
        checkGradients(at: [HandExample.outputs, HandExample.centers]) {
            classwiseLoss(outputs: $0[0], centers: $0[1], labels: labels, inverseVariance: 1)
        }
        let binary = Tensor(shape: [2, 4], scalars: [1, -1, 1, 1, -1, 1, 1, -1])
        checkGradients(at: [HandExample.centers]) { centerSimilarityLoss(binaryCenters: binary, binaryLabels: [0, 1], centers: $0[0]) }
    }

    @Test func dcwhRecomputesCentersAsClassMeansOnItsSchedule() throws {
        let method = try #require(try classwiseRegistry().make("dcwh", context: context(bits: 4)) as? DCWHMethod)
        let initial = method.classwise.centers.value.scalars
        let outputs = Tensor(shape: [4, 4], scalars: [1, 1, 1, 1, 3, 3, 3, 3, -1, -1, -1, -1, 0, 0, 0, 0])
        let labels = [0, 0, 1, 1]
        let data = EpochData { domain in
            domain == .source ? DomainOutputs(codes: outputs, logits: nil, labels: labels, indices: [0, 1, 2, 3]) : nil
        }
        try method.prepareEpoch(TrainingProgress(epoch: 1, epochCount: 3, step: 0, stepsPerEpoch: 1), data: data)
        #expect(method.classwise.centers.value.scalars == initial)  // not an update epoch
        try method.prepareEpoch(TrainingProgress(epoch: 2, epochCount: 3, step: 0, stepsPerEpoch: 1), data: data)
        let centers = method.classwise.centers.value.scalars
        #expect(Array(centers[0..<8]) == [2, 2, 2, 2, -0.5, -0.5, -0.5, -0.5])
        #expect(Array(centers[8..<12]) == Array(initial[8..<12]))  // class 2 absent: kept
        #expect(!method.model.trainableParameters().contains { $0 === method.classwise.centers })
    }

    @Test func idcwhTrainsItsCentersWithTheirOwnLearningRate() throws {
        let method = try #require(
            try classwiseRegistry().make("idcwh", configuration: Data(#"{"centerLearningRate": 0.02}"#.utf8), context: context(bits: 8))
                as? IDCWHMethod)
        #expect(method.optimizers.map(\.name) == ["network", "centers"])
        #expect(method.optimizers[1].optimizer.parameters.count == 1 && method.optimizers[1].optimizer.parameters[0] === method.model.centers)
        #expect(method.optimizers[1].baseLearningRate == 0.02 && method.optimizers[0].baseLearningRate == 0.01)
        #expect(!method.optimizers[0].optimizer.parameters.contains { $0 === method.model.centers })
    }

    @Test(arguments: ["dcwh", "idcwh"])
    func centersStartAtDistinctVerticesOfTheCodeCubeAndOutputsAreBounded(name: String) throws {
        for bits in [4, 12, 48] {
            let method = try classwiseRegistry().make(name, context: context(bits: bits))
            let centers: Tensor
            if let dcwh = method as? DCWHMethod {
                centers = dcwh.classwise.centers.value
                #expect((dcwh.model.hash as? LinearHashLayer)?.activation == .tanh)
            } else {
                let network = try #require(method.network as? ClasswiseNetwork)
                centers = network.centers.value
                #expect(network.hash.activation == .tanh)
            }
            #expect(centers.scalars.allSatisfy { $0 == 1 || $0 == -1 })
            let rows = (0..<3).map { Array(centers.scalars[($0 * bits)..<(($0 + 1) * bits)]) }
            #expect(Set(rows).count == 3)
            let outputs = method.encode(toyDigits(count: 8, seed: 9).images * 50, domain: .source)
            #expect(outputs.scalars.allSatisfy { abs($0) <= 1 })
        }
        // Two 1-bit vertices cannot give three distinct centers: drawing stops anyway.
        var generator = SeededGenerator(seed: 1)
        #expect(randomVertices(count: 3, bitCount: 1, generator: &generator).shape == [3, 1])
    }

    @Test(arguments: ["dcwh", "idcwh"])
    func sigmoidOutputsAreRejectedByName(name: String) throws {
        #expect(throws: RegistryError.self) {
            try classwiseRegistry().make(name, configuration: Data(#"{"outputActivation": "sigmoid"}"#.utf8), context: context(bits: 8))
        }
    }

    @Test func idcwhCenterSimilarityMovesTheCentersAndOnlyTheCenters() throws {
        let method = try #require(try classwiseRegistry().make("idcwh", context: context(bits: 8)) as? IDCWHMethod)
        let (images, labels) = toyDigits(count: 12, seed: 6)
        let centers = method.model.centers
        let parameters = method.model.trainableParameters()
        #expect(parameters.contains { $0 === centers })
        func gradients(of term: String) throws -> (centers: Float, network: Float) {
            let (_, gradients) = valueAndGradient(of: parameters) {
                method.lossTerms(outputs: method.model(images, domain: .source).codes, labels: labels).first { $0.name == term }!.value
            }
            var (center, network): (Float, Float) = (0, 0)
            for (parameter, gradient) in zip(parameters, gradients) {
                let size = gradient.scalars.map(abs).max() ?? 0
                if parameter === centers { center = size } else { network = max(network, size) }
            }
            return (center, network)
        }
        let similarity = try gradients(of: "center-similarity")
        #expect(similarity.centers > 0 && similarity.network == 0)
        let classwise = try gradients(of: "classwise")
        #expect(classwise.centers == 0 && classwise.network > 0)
        let quantization = try gradients(of: "quantization")
        #expect(quantization.centers == 0 && quantization.network > 0)
    }

    @Test func idcwhReestimatesItsCentersAsClassMeansOnItsSchedule() throws {
        let method = try #require(
            try classwiseRegistry().make("idcwh", configuration: Data(#"{"centerUpdateInterval": 3}"#.utf8), context: context(bits: 4))
                as? IDCWHMethod)
        // A step gives the centers' optimizer momentum and moves the centers.
        let (images, labels) = toyDigits(count: 12, seed: 7)
        let batch = TrainingBatch(source: DomainBatch(images: images, labels: labels, indices: Array(0..<12), domain: .source))
        _ = try method.trainingStep(batch, progress: TrainingProgress(epoch: 0, epochCount: 6, step: 0, stepsPerEpoch: 1))
        let centersOptimizer = try #require(method.optimizers.first { $0.name == "centers" }).optimizer
        func momentum() -> Float { centersOptimizer.stateTensors().values.map { $0.scalars.map(abs).max() ?? 0 }.max() ?? 0 }
        #expect(momentum() > 0)
        let initial = method.model.centers.value.scalars
        let outputs = Tensor(shape: [3, 4], scalars: [0.5, 0.5, -0.5, -0.5, 0.1, 0.1, 0.1, 0.1, -0.9, 0.9, -0.9, 0.9])
        let data = EpochData { domain in
            domain == .source ? DomainOutputs(codes: outputs, logits: nil, labels: [2, 2, 0], indices: [0, 1, 2]) : nil
        }
        try method.prepareEpoch(TrainingProgress(epoch: 2, epochCount: 6, step: 0, stepsPerEpoch: 1), data: data)
        #expect(method.model.centers.value.scalars == initial)
        #expect(momentum() > 0)
        try method.prepareEpoch(TrainingProgress(epoch: 3, epochCount: 6, step: 0, stepsPerEpoch: 1), data: data)
        #expect(momentum() == 0)  // the re-estimated centers start with no momentum
        let centers = method.model.centers.value.scalars
        expectClose(Tensor(shape: [4], scalars: Array(centers[0..<4])), Tensor(shape: [4], scalars: [-0.9, 0.9, -0.9, 0.9]))
        #expect(Array(centers[4..<8]) == Array(initial[4..<8]))  // class 1 absent: kept
        expectClose(Tensor(shape: [4], scalars: Array(centers[8..<12])), Tensor(shape: [4], scalars: [0.3, 0.3, -0.2, -0.2]))
    }

    @Test(arguments: ["dcwh", "idcwh"])
    func fewStepsGiveFiniteDecreasingLossAndCodesOfTheConfiguredWidth(name: String) throws {
        let method = try classwiseRegistry().make(name, context: context(bits: 12))
        let (images, labels) = toyDigits(count: 24, seed: 5)
        let batch = TrainingBatch(source: DomainBatch(images: images, labels: labels, indices: Array(0..<24), domain: .source))
        #expect(decreased(try trainingTotals(method, on: batch, steps: 30)))
        let codes = method.binarization.bits(method.encode(images, domain: .source))
        #expect(codes.count == 24 && codes.allSatisfy { $0.count == 12 })
    }
}

import Foundation
import HashingCore
import NeuralNet
import TensorCore
import TestSupport
import Testing

@Suite("Domain adapters")
struct DomainAdapterTests {
    // MARK: - Class-centroid alignment (Intersectant-GAN's L_s)

    @Test func handComputedCentroidDistances() throws {
        // Source class 0: rows (1, 0), (3, 2) → mean (2, 1); class 1: (0, 4). Target: class 0 (0, 1),
        // class 1 (2, 2) and (0, 2) → (1, 2), one row without a pseudo-label, class 2 absent from the source.
        let source = Tensor(shape: [3, 2], scalars: [1, 0, 3, 2, 0, 4])
        let target = Tensor(shape: [5, 2], scalars: [0, 1, 2, 2, 9, 9, 0, 2, 7, 7])
        let loss = classCentroidAlignment(source: source, sourceLabels: [0, 0, 1], target: target, targetLabels: [0, 1, nil, 1, 2])
        // ‖(2, 1) − (0, 1)‖² + ‖(0, 4) − (1, 2)‖² = 4 + 5.
        #expect(loss.item == 9)
        let terms = try CentroidAlignmentAdapter().terms(
            source: testStepOutputs(codes: source, labels: [0, 0, 1]),
            target: testStepOutputs(codes: target, pseudoLabels: [0, 1, nil, 1, 2], domain: .target), weight: 0.5, progress: testProgress())
        #expect(terms.map(\.name) == ["centroid-alignment"] && terms[0].value.item == 4.5)
        // No class in both domains: zero, still on the tape.
        #expect(classCentroidAlignment(source: source, sourceLabels: [0, 0, 1], target: target, targetLabels: [nil, 2, nil, 3, nil]).item == 0)
        // Without a target batch (a source-only run) it adds nothing.
        let alone = try CentroidAlignmentAdapter().terms(
            source: testStepOutputs(codes: source, labels: [0, 0, 1]), target: nil, weight: 1, progress: testProgress())
        #expect(alone.isEmpty)
    }

    @Test func centroidGradientsMatchFiniteDifferences() {
        let sourceLabels = [0, 1, 1, 2, 0]
        let targetLabels: [Int?] = [1, nil, 0, 2]
        checkGradients(at: [randomTensor([5, 3], seed: 1), randomTensor([4, 3], seed: 2)]) {
            classCentroidAlignment(source: $0[0], sourceLabels: sourceLabels, target: $0[1], targetLabels: targetLabels)
        }
    }

    // MARK: - Gradient reversal and DANN

    @Test func gradientReversalIsTheIdentityForwardAndNegatesTheGradient() {
        let x = randomTensor([3, 4], seed: 4)
        let (value, gradients) = valueAndGradient(at: [x]) { ($0[0].reversingGradient(scale: 0.25) * 2).sum() }
        expectClose(value.item, (x * 2).sum().item)
        #expect(gradients[0].scalars.allSatisfy { $0 == -0.5 })
        #expect(x.reversingGradient(scale: 3).scalars == x.scalars)
    }

    @Test func dannRampFollowsGaninAndLempitsky() {
        #expect(dannRamp(progress: 0) == 0)
        expectClose(dannRamp(progress: 0.5), Float(2 / (1 + exp(-5.0)) - 1))
        expectClose(dannRamp(progress: 1), Float(2 / (1 + exp(-10.0)) - 1))
        var generator = SeededGenerator(seed: 1)
        let dann = DANNAdapter(inputWidth: 4, hiddenWidth: 3, generator: &generator)
        #expect(dann.coefficient(at: TrainingProgress(epoch: 0, epochCount: 4, step: 0, stepsPerEpoch: 10)) == 0)
        expectClose(dann.coefficient(at: TrainingProgress(epoch: 2, epochCount: 4, step: 0, stepsPerEpoch: 10)), Float(2 / (1 + exp(-5.0)) - 1))
    }

    @Test func dannDomainLossOfAConstantDiscriminatorIsLogTwoAndTrainsTheDiscriminatorToSeparate() throws {
        var generator = SeededGenerator(seed: 2)
        let dann = DANNAdapter(inputWidth: 3, hiddenWidth: 0, generator: &generator)
        let linear = try #require(dann.discriminator.layers.first as? Linear)
        linear.weight.value = Tensor.zeros([1, 3])
        linear.bias?.value = Tensor.zeros([1])
        let source = Tensor(shape: [2, 3], scalars: [1, 0, 0, 1, 0, 0])
        let target = Tensor(shape: [2, 3], scalars: [-1, 0, 0, -1, 0, 0])
        // A discriminator that outputs 0 says ½ to every image: BCE = log 2.
        expectClose(dann.domainLoss(source: source, target: target, coefficient: 1).item, Float(log(2.0)))
        // Its own gradient descends the BCE (target = 1 for x₀ < 0: the weight on x₀ goes negative) while
        // the features get the reversed gradient.
        let (_, gradients) = valueAndGradient(at: [source, linear.weight.value]) { x in
            linear.weight.value = x[1]
            return dann.domainLoss(source: x[0], target: target, coefficient: 1)
        }
        #expect(gradients[1].scalars[0] > 0)
        #expect(gradients[0].scalars.allSatisfy { $0 == 0 })  // zero weights: nothing reaches the features
    }

    // MARK: - CORAL and MMD

    @Test func coralMatchesHandComputedCovariances() {
        // Source: rows (0, 0), (2, 0): covariance [[2, 0], [0, 0]]; target rows (0, 0), (0, 2): [[0, 0], [0, 2]].
        let source = Tensor(shape: [2, 2], scalars: [0, 0, 2, 0])
        let target = Tensor(shape: [2, 2], scalars: [0, 0, 0, 2])
        #expect(featureCovariance(source).scalars == [2, 0, 0, 0])
        // ‖diag(2, −2)‖²_F / (4·2²) = 8 / 16.
        expectClose(coralLoss(source: source, target: target).item, 0.5)
        expectClose(coralLoss(source: source, target: source).item, 0)
    }

    @Test func mmdIsZeroForIdenticalBatchesAndPositiveForShiftedOnes() {
        let x = randomTensor([6, 3], seed: 8)
        expectClose(gaussianMMD(source: x, target: x).item, 0, atol: 1e-5)
        #expect(gaussianMMD(source: x, target: x + 2).item > 0.5)
    }

    @Test func alignmentGradientsMatchFiniteDifferences() {
        let (source, target) = (randomTensor([5, 3], seed: 11), randomTensor([4, 3], seed: 12, low: -2, high: 1))
        checkGradients(at: [source, target], "coral") { coralLoss(source: $0[0], target: $0[1]) }
        // The bandwidth follows the batch without a gradient; differences hold it fixed.
        let scale = squaredDistances(Tensor.concatenate([source, target], axis: 0), Tensor.concatenate([source, target], axis: 0)).mean().item
        checkGradients(at: [source, target], "mmd") { gaussianMMD(source: $0[0], target: $0[1], bandwidthScale: scale) }
        var generator = SeededGenerator(seed: 3)
        let dann = DANNAdapter(inputWidth: 3, hiddenWidth: 4, generator: &generator)
        let parameters = dann.discriminator.parameters()
        checkGradients(at: parameters.map(\.value), "dann discriminator") { values in
            for (parameter, value) in zip(parameters, values) { parameter.value = value }
            return dann.domainLoss(source: source, target: target, coefficient: 0.5)
        }
    }

    // MARK: - Information maximization

    @Test func informationMaximizationIsZeroForUniformScoresAndRewardsConfidentDiversePredictions() throws {
        // Uniform predictions: mean entropy log C, diversity log C (up to SHOT's 1e-5 guard).
        expectClose(informationMaximizationLoss(scores: Tensor.zeros([4, 3])).item, 0, atol: 1e-4)
        // Confident and spread over the classes: entropy ≈ 0, diversity = log 3.
        let diverse = Tensor(shape: [3, 3], scalars: [30, 0, 0, 0, 30, 0, 0, 0, 30])
        expectClose(informationMaximizationLoss(scores: diverse).item, -Float(Foundation.log(3.0)), atol: 1e-3)
        // Confident but one class for every image (a collapse): entropy ≈ 0, diversity ≈ 0.
        let collapsed = Tensor(shape: [3, 3], scalars: [30, 0, 0, 30, 0, 0, 30, 0, 0])
        expectClose(informationMaximizationLoss(scores: collapsed).item, 0, atol: 1e-3)
        // The weights scale the two terms apart.
        let scores = randomTensor([5, 4], seed: 21, low: -2, high: 2)
        let probabilities = scores.softmax(alongAxis: 1)
        let entropy = -(probabilities * scores.logSoftmax(alongAxis: 1)).sum(alongAxes: [1]).mean().item
        let mean = probabilities.mean(alongAxes: [0]).scalars
        let diversity = -mean.reduce(0) { $0 + $1 * Foundation.log($1 + 1e-5) }
        expectClose(
            informationMaximizationLoss(scores: scores, entropyWeight: 0.5, diversityWeight: 2).item, 0.5 * entropy - 2 * diversity, atol: 1e-5)
    }

    @Test func informationMaximizationGradientsMatchFiniteDifferences() {
        checkGradients(at: [randomTensor([5, 4], seed: 22, low: -2, high: 2)], "information maximization") {
            informationMaximizationLoss(scores: $0[0], entropyWeight: 0.7, diversityWeight: 1.3)
        }
    }

    @Test func informationMaximizationReadsTheClassifyingLossesScoresOnTheTargetOnly() throws {
        var generator = SeededGenerator(seed: 4)
        let prototypes = PrototypeLoss(classCount: 3, bitCount: 4, wordEmbeddings: nil, generator: &generator)
        let adapter = InformationMaximizationAdapter(classifier: prototypes, entropyWeight: 1, diversityWeight: 1)
        let source = testStepOutputs(codes: randomTensor([3, 4], seed: 5), labels: [0, 1, 2])
        let target = testStepOutputs(codes: randomTensor([4, 4], seed: 6), domain: .target)
        #expect(try adapter.terms(source: source, target: nil, weight: 1, progress: testProgress()).isEmpty)
        let terms = try adapter.terms(source: source, target: target, weight: 0.5, progress: testProgress())
        #expect(terms.map(\.name) == ["information-maximization"])
        let expected = informationMaximizationLoss(scores: prototypes.classScores(codes: target.codes)!).item * 0.5
        expectClose(terms[0].value.item, expected, atol: 1e-6)
        // Without a classifying loss before it, the registry says what to add.
        let error = try #require(throws: RegistryError.self) {
            _ = try StandardComponents.registry().adapters.registration(named: "information-maximization").make(
                context: ComponentContext(bitCount: 4, classCount: 3, featureCount: 6), generator: &generator)
        }
        #expect(error.description.contains("no earlier loss classifies"))
    }

    // MARK: - The center loss

    @Test func centerLossOnSourceLabelsAndConfidentPseudoLabelsIsAJointMean() throws {
        var generator = SeededGenerator(seed: 1)
        let prototypes = PrototypeLoss(classCount: 2, bitCount: 2, wordEmbeddings: nil, generator: &generator)
        prototypes.prototypes.embeddings.value = Tensor(shape: [2, 2], scalars: [10, 10, -10, -10])  // tanh → ≈ (1, 1), (−1, −1)
        let adapter = CenterLossAdapter(classCount: 2, bitCount: 2, provider: prototypes)
        let source = testStepOutputs(codes: Tensor(shape: [2, 2], scalars: [1, 0, -1, -1]), labels: [0, 1])
        let target = testStepOutputs(
            codes: Tensor(shape: [3, 2], scalars: [0, 0, 1, 1, 5, 5]), pseudoLabels: [1, nil, 0], domain: .target)
        let terms = try adapter.terms(source: source, target: target, weight: 2, progress: testProgress())
        #expect(terms.map(\.name) == ["center", "target-center"])
        // Source: ‖(0, −1)‖²/2 + 0 = 0.5; target: ‖(1, 1)‖²/2 + ‖(4, 4)‖²/2 = 17; λ/2 = 1, over 2 + 2 images.
        expectClose(terms[0].value.item, 0.5 / 4, atol: 1e-4)
        expectClose(terms[1].value.item, 17 / 4, atol: 1e-4)
        // Source alone: the mean over the source images.
        let alone = try adapter.terms(source: source, target: nil, weight: 2, progress: testProgress())
        #expect(alone.map(\.name) == ["center"])
        expectClose(alone[0].value.item, 0.5 / 2, atol: 1e-4)
    }

    @Test func centersOfItsOwnMoveByWensRule() throws {
        // c = 0; two codes of class 0 at (1, 1) and (3, 3): Δc = (0 − 1 + 0 − 3)/(1 + 2) = −4/3 per entry.
        let updated = CenterLossAdapter.wenUpdate(
            centers: Tensor.zeros([2, 2]), codes: Tensor(shape: [2, 2], scalars: [1, 1, 3, 3]), labels: [0, 0], rate: 0.5)
        expectClose(updated, Tensor(shape: [2, 2], scalars: [2 / 3, 2 / 3, 0, 0]))
        let adapter = CenterLossAdapter(classCount: 2, bitCount: 2, provider: nil, centerRate: 0.5)
        #expect(adapter.module != nil && adapter.ownCenters != nil)
        _ = try adapter.terms(
            source: testStepOutputs(codes: Tensor(shape: [2, 2], scalars: [1, 1, 3, 3]), labels: [0, 0]), target: nil, weight: 1,
            progress: testProgress())
        expectClose(adapter.ownCenters!.value, Tensor(shape: [2, 2], scalars: [2 / 3, 2 / 3, 0, 0]))
    }

    // MARK: - PyTorch golden values

    @Test(arguments: TorchFixture.caseNames("domain_adaptation"))
    func matchesPyTorch(_ name: String) throws {
        let c = try TorchFixture.case(name, in: "domain_adaptation")
        switch c.op {
        case "class_centroid_alignment":
            let sourceLabels = try c.ints("source_labels")
            let targetLabels = try c.ints("target_labels").map { $0 < 0 ? nil : $0 }
            try expectMatchesTorch(c, inputNames: ["source", "target"]) { x in
                classCentroidAlignment(source: x[0], sourceLabels: sourceLabels, target: x[1], targetLabels: targetLabels)
            }
        case "gradient_reversal":
            let scale = try c.float("scale")
            try expectMatchesTorch(c, inputNames: ["x"]) { $0[0].reversingGradient(scale: scale) }
        case "dann_domain_loss":
            let scale = try c.float("scale")
            let (width, hidden) = (try c.tensor("w1").shape[1], try c.tensor("w1").shape[0])
            var generator = SeededGenerator(seed: 1)
            let dann = DANNAdapter(inputWidth: width, hiddenWidth: hidden, generator: &generator)
            let parameters = dann.discriminator.parameters()
            try expectMatchesTorch(c, inputNames: ["source", "target", "w1", "b1", "w2", "b2", "w3", "b3"]) { x in
                for (parameter, value) in zip(parameters, x.dropFirst(2)) { parameter.value = value }
                return dann.domainLoss(source: x[0], target: x[1], coefficient: scale)
            }
        case "coral":
            try expectMatchesTorch(c, inputNames: ["source", "target"]) { coralLoss(source: $0[0], target: $0[1]) }
        case "information_maximization":
            let (entropyWeight, diversityWeight) = (try c.float("entropy_weight"), try c.float("diversity_weight"))
            try expectMatchesTorch(c, inputNames: ["scores"]) {
                informationMaximizationLoss(scores: $0[0], entropyWeight: entropyWeight, diversityWeight: diversityWeight)
            }
        case "mmd":
            let bandwidths = try c.floats("bandwidths")
            try expectMatchesTorch(c, inputNames: ["source", "target"]) { gaussianMMD(source: $0[0], target: $0[1], bandwidths: bandwidths) }
        default:
            Issue.record("\(name): unknown op \(c.op)")
        }
    }
}

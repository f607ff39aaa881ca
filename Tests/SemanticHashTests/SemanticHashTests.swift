import Foundation
import HashingCore
import NeuralNet
import TensorCore
import TestSupport
import Testing

@testable import SemanticHash

/// A 3-class context on 16×16 toy images; with `domains: 2` the backbone has DSBN branches.
/// The registry of this target's methods alone: they are tested without the catalog.
func prototypeRegistry() -> MethodRegistry { try! MethodRegistry([SemanticHashMethod.registration, DAHMethod.registration]) }

func context(bits: Int, batchNorm: Bool = true, domains: Int = 1, words: Bool = true) throws -> MethodContext {
    MethodContext(
        bitCount: bits, classCount: 3, inputShape: [1, 16, 16], backbone: TestBackbones.registration(batchNorm: batchNorm),
        domainCount: domains, seed: 2, labelEmbeddings: words ? randomTensor([3, 8], seed: 9) : nil)
}

func progress(_ step: Int) -> TrainingProgress { TrainingProgress(epoch: 0, epochCount: 1, step: step, stepsPerEpoch: 40) }

func pairedBatch(count: Int = 24) -> TrainingBatch { toyDomainPair(count: count) }

@Suite("SemanticHash and DAH")
struct SemanticHashTests {
    // MARK: - Losses on hand-computed cases

    @Test func softmaxObjectiveMatchesHandComputedValue() {
        // K = 2, scale 2: logits = h·p; h₁·p = (2, 0), h₂·p = (0, 2).
        let codes = Tensor(shape: [2, 2], scalars: [1, 1, 1, -1])
        let prototypes = Tensor(shape: [2, 2], scalars: [1, 1, 1, -1])
        let loss = prototypeSoftmaxLoss(codes: codes, prototypes: prototypes, labels: [0, 0], scale: 2)
        // Row 1: −log(e²/(e²+1)); row 2: −log(1/(1+e²)).
        let expected = (log(1 + exp(-2.0)) + log(1 + exp(2.0))) / 2
        expectClose(loss.item, Float(expected))
        #expect(prototypeLogits(codes: codes, prototypes: prototypes, scale: 2).argmax(alongAxis: 1) == [0, 1])
    }

    @Test func hingeObjectiveMatchesHandComputedValue() {
        let codes = Tensor(shape: [2, 2], scalars: [1, 0.5, 1, 0.5])
        let prototypes = Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, -1, 0])
        // s = (1, 0.5, −1) for both rows. Label 0: max(0, 1 − 1 + 0.5) = 0.5; label 1: 1 − 0.5 + 1 = 1.5.
        expectClose(prototypeHingeLoss(codes: codes, prototypes: prototypes, labels: [0, 1], margin: 1).item, 1)
        // A satisfied margin costs nothing, and a negative hardest negative is not floored at 0.
        let far = Tensor(shape: [1, 2], scalars: [1, 0])
        let twoPrototypes = Tensor(shape: [2, 2], scalars: [1, 0, -1, 0])
        expectClose(prototypeHingeLoss(codes: far, prototypes: twoPrototypes, labels: [0], margin: 1).item, 0)
        expectClose(prototypeHingeLoss(codes: far, prototypes: twoPrototypes, labels: [0], margin: 2.5).item, 0.5)
    }

    @Test func centerAndQuantizationTermsMatchHandComputedValues() {
        let codes = Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])
        let prototypes = Tensor(shape: [2, 2], scalars: [0, 0, 1, 1])
        // Per-bit means (K = 2): ‖(1, 0)‖²/2 + ‖(−1, 0)‖²/2 = 1, and so on.
        expectClose(centerLossSum(codes: codes, centers: prototypes, labels: [0, 1]).item, 1)
        expectClose(centerLossSum(codes: codes, centers: prototypes, labels: [1, 1]).item, 1)
        expectClose(centerLossSum(codes: codes, centers: prototypes, labels: [1, 0]).item, 1)
        expectClose(centerLossSum(codes: prototypes, centers: prototypes, labels: [0, 1]).item, 0)
        // (0.5 − 1)² + (−0.25 + 1)² over 2 entries.
        expectClose(quantizationLoss(Tensor(shape: [1, 2], scalars: [0.5, -0.25]), normalization: .perBit).item, 0.40625)
    }

    // MARK: - Gradients

    @Test func lossGradientsMatchFiniteDifferences() {
        let codes = randomTensor([5, 6], seed: 1).tanh()
        let prototypes = randomTensor([3, 6], seed: 2, low: -0.9, high: 0.9)
        let labels = [0, 2, 1, 1, 0]
        checkGradients(at: [codes, prototypes], "softmax") { prototypeSoftmaxLoss(codes: $0[0], prototypes: $0[1], labels: labels, scale: 10) }
        checkGradients(at: [codes, prototypes], "hinge") { prototypeHingeLoss(codes: $0[0], prototypes: $0[1], labels: labels, margin: 1) }
        checkGradients(at: [codes], "center") { centerLossSum(codes: $0[0], centers: prototypes, labels: labels) }
        // The prototypes are the center loss's targets: no gradient reaches them.
        let (_, toPrototypes) = valueAndGradient(at: [prototypes]) { centerLossSum(codes: codes, centers: $0[0], labels: labels) }
        #expect(toPrototypes[0].scalars.allSatisfy { $0 == 0 })
        let awayFromZero = randomTensor([4, 5], seed: 3, low: 0.1, high: 0.9) * Tensor(shape: [5], scalars: [1, -1, 1, -1, 1])
        checkGradients(at: [awayFromZero], step: 1e-3, "quantization") { quantizationLoss($0[0], normalization: .perBit) }
    }

    @Test(arguments: TorchFixture.caseNames("label_prototypes"))
    func matchesPyTorch(_ name: String) throws {
        let c = try TorchFixture.case(name, in: "label_prototypes")
        switch c.op {
        case "prototype_softmax":
            let (labels, scale) = (try c.ints("labels"), try c.float("scale"))
            try expectMatchesTorch(c, inputNames: ["codes", "prototypes"]) {
                prototypeSoftmaxLoss(codes: $0[0], prototypes: $0[1], labels: labels, scale: scale)
            }
        case "prototype_hinge":
            let (labels, margin) = (try c.ints("labels"), try c.float("margin"))
            try expectMatchesTorch(c, inputNames: ["codes", "prototypes"]) {
                prototypeHingeLoss(codes: $0[0], prototypes: $0[1], labels: labels, margin: margin)
            }
        case "prototype_center":
            let (labels, weight, count) = (try c.ints("labels"), try c.float("weight"), try c.int("count"))
            let prototypes = try c.tensor("prototypes")
            try expectMatchesTorch(c, inputNames: ["codes"]) {
                centerLossSum(codes: $0[0], centers: prototypes, labels: labels) * (weight / 2 / Float(count))
            }
        case "prototypes_from_words":
            // The module itself: its frozen word embeddings through its projection and tanh.
            let words = try c.tensor("words")
            var generator = SeededGenerator(seed: 1)
            let module = LabelPrototypes(classCount: 4, bitCount: 6, wordEmbeddings: words, generator: &generator)
            let projection = try #require(module.projection)
            try expectMatchesTorch(c, inputNames: ["weight", "bias"]) {
                projection.weight.value = $0[0]
                projection.bias?.value = $0[1]
                return module()
            }
        case "sign_quantization":
            try expectMatchesTorch(c, inputNames: ["codes"]) { quantizationLoss($0[0], normalization: .perBit) }
        default:
            Issue.record("\(name): unknown op \(c.op)")
        }
    }

    // MARK: - Prototypes

    @Test func wordEmbeddingsAreFrozenAndProjectedWhileFreeEmbeddingsAreLearned() throws {
        let words = try #require(try prototypeRegistry().make("semantic-hash", context: context(bits: 8)) as? SemanticHashMethod)
        #expect(words.prototypeLoss.prototypes.usesWordEmbeddings)
        #expect(!words.prototypeLoss.prototypes.embeddings.isTrainable)
        #expect(words.prototypeLoss.prototypes().shape == [3, 8])
        #expect(words.optimizers[0].optimizer.parameters.contains { $0 === words.prototypeLoss.prototypes.projection?.weight })

        let none = try #require(try prototypeRegistry().make("semantic-hash", context: context(bits: 8, words: false)) as? SemanticHashMethod)
        let declined = try #require(
            try prototypeRegistry().make(
                "semantic-hash", configuration: Data(#"{"useLabelEmbeddings": false}"#.utf8), context: context(bits: 8)) as? SemanticHashMethod)
        for method in [none, declined] {
            #expect(!method.prototypeLoss.prototypes.usesWordEmbeddings)
            #expect(method.prototypeLoss.prototypes.embeddings.shape == [3, 8] && method.prototypeLoss.prototypes.embeddings.isTrainable)
            #expect(method.optimizers[0].optimizer.parameters.contains { $0 === method.prototypeLoss.prototypes.embeddings })
        }
    }

    @Test func wordEmbeddingsAreCentredAndScaledKeepingTheirDifferences() {
        let words = Tensor(shape: [3, 2], scalars: [1, 2, 3, 2, 2, 5])
        let centred = LabelPrototypes.centred(words).scalars
        // Mean (2, 3); rows (−1, −1), (1, −1), (0, 2), each scaled to norm √2.
        let expected: [Float] = [-1, -1, 1, -1, 0, 2].enumerated().map { index, value in
            value * Float(2).squareRoot() / (index < 4 ? Float(2).squareRoot() : 2)
        }
        for (value, want) in zip(centred, expected) { expectClose(value, want) }
        // A class equal to the mean stays at zero rather than dividing by zero.
        let same = LabelPrototypes.centred(Tensor(shape: [2, 2], scalars: [1, 1, 1, 1])).scalars
        #expect(same == [0, 0, 0, 0])
    }

    @Test func classificationIsTheNearestPrototype() throws {
        let method = try #require(try prototypeRegistry().make("semantic-hash", context: context(bits: 8)) as? SemanticHashMethod)
        let (images, _) = toyDigits(count: 6, seed: 1)
        let output = method.model.inferenceMode { method.model(images, domain: .source) }
        let prototypes = method.prototypeLoss.prototypes()
        let (codes, p) = (output.codes.scalars, prototypes.scalars)
        var nearest: [Int] = []
        for row in 0..<6 {
            var scores: [Float] = []
            for c in 0..<3 {
                var score: Float = 0
                for k in 0..<8 { score += codes[row * 8 + k] * p[c * 8 + k] }
                scores.append(score)
            }
            nearest.append(scores.indices.max { scores[$0] < scores[$1] }!)
        }
        let logits = try #require(method.classify(images, domain: .source))
        let predicted = logits.argmax(alongAxis: 1)
        #expect(predicted == nearest)
    }

    // MARK: - Training

    @Test(arguments: ["softmax", "hinge"])
    func semanticHashStepsGiveFiniteDecreasingLossAndCodesOfTheConfiguredWidth(objective: String) throws {
        let method = try prototypeRegistry().make(
            "semantic-hash", configuration: Data(#"{"objective": "\#(objective)", "centerWeight": 0.5}"#.utf8), context: context(bits: 12))
        let batch = pairedBatch()
        var totals: [Float] = []
        for step in 0..<40 {
            let values = try method.trainingStep(TrainingBatch(source: batch.source), progress: progress(step))
            #expect(values.allSatisfy { $0.value.isFinite })
            #expect(values.map(\.name) == ["prototype-\(objective)", "quantization", "center"])
            totals.append(values.map(\.value).reduce(0, +))
        }
        let (first, last): (Float, Float) = (totals.prefix(5).reduce(0, +), totals.suffix(5).reduce(0, +))
        #expect(last < first * 0.7)
        let codes = method.binarization.bits(method.encode(batch.source.images, domain: .source))
        #expect(codes.count == 24 && codes.allSatisfy { $0.count == 12 })
    }

    @Test func dahStepsGiveFiniteDecreasingLossOnBothDomains() throws {
        let method = try prototypeRegistry().make("dah", context: context(bits: 12, domains: 2))
        #expect(method.adaptsToTarget)
        let batch = pairedBatch()
        try method.prepareEpoch(progress(0), data: EpochData { _ in nil })
        var totals: [Float] = []
        for step in 0..<40 {
            let values = try method.trainingStep(batch, progress: progress(step))
            #expect(values.allSatisfy { $0.value.isFinite })
            #expect(values.map(\.name) == ["prototype-softmax", "quantization", "target-quantization", "center", "target-center"])
            totals.append(values.map(\.value).reduce(0, +))
        }
        let (first, last): (Float, Float) = (totals.prefix(5).reduce(0, +), totals.suffix(5).reduce(0, +))
        #expect(last < first * 0.7)
        let selected = try #require(method.pseudoLabels)
        #expect(selected.scoredIndices == Set(100..<124))
        #expect(method.binarization.bits(method.encode(batch.target!.images, domain: .target)).allSatisfy { $0.count == 12 })
    }

    @Test func dahsHygieneSwitchesAreOffByDefaultAndMapToTheComposition() throws {
        let paper = try #require(try prototypeRegistry().make("dah", context: context(bits: 12, domains: 2)) as? DAHMethod)
        #expect(paper.configuration.adapters.map(\.name) == ["center"])
        #expect(paper.configuration.adapters[0].rampEpochs == 0 && paper.configuration.pseudoLabelWarmupEpochs == 0)
        #expect(paper.configuration.pseudoLabelClassShare.isEmpty && paper.configuration.domainSpecificBatchNorm)
        let json =
            #"{"pseudoLabelWarmupEpochs": 1, "pseudoLabelClassShare": [0.2, 0.8], "adaptationRampEpochs": 10, "adaptationRamp": "sigmoid", "informationMaximizationWeight": 0.5}"#
        let hygienic = try #require(
            try prototypeRegistry().make("dah", configuration: Data(json.utf8), context: context(bits: 12, domains: 2)) as? DAHMethod)
        let composition = hygienic.configuration
        #expect(composition.adapters.map(\.name) == ["center", "information-maximization"])
        #expect(composition.adapters[0].rampEpochs == 10 && composition.adapters[0].rampShape == .sigmoid)
        #expect(composition.adapters[1].weight == 0.5 && composition.adapters[1].rampEpochs == 10)
        #expect(composition.pseudoLabelWarmupEpochs == 1 && composition.pseudoLabelClassShare == [0.2, 0.8])
        // Training with them: no pseudo-label in the warm-up epoch, the center weight ramps from 0.
        let batch = pairedBatch()
        try hygienic.prepareEpoch(progress(0), data: EpochData { _ in nil })
        let values = try hygienic.trainingStep(batch, progress: progress(0))
        #expect(
            values.map(\.name) == ["prototype-softmax", "quantization", "target-quantization", "center", "target-center", "information-maximization"])
        #expect(values.filter { ["center", "target-center", "information-maximization"].contains($0.name) }.allSatisfy { $0.value == 0 })
        #expect(try #require(hygienic.pseudoLabels).selectedCount == 0)
    }

    @Test func dahCenterLossUsesOnlyTargetImagesAboveTheThresholdAndAJointMean() throws {
        let batch = pairedBatch(count: 12)
        for threshold in [Float(0), 0.5, 0.999_999] {
            let method = try #require(
                try prototypeRegistry().make(
                    "dah", configuration: Data(#"{"pseudoLabelThreshold": \#(threshold), "centerWeight": 0.4}"#.utf8),
                    context: context(bits: 8, domains: 2)) as? DAHMethod)
            let step = try method.lossTerms(batch, progress: progress(0))
            let (terms, selection) = (step.terms, try #require(step.selection))
            // The same forward again (training mode, same batches) gives the outputs to check by hand.
            let prototypes = method.prototypeLoss.prototypes()
            let targetCodes = method.model.hash(method.model.backbone.features(batch.target!.images, domain: .target))
            let sourceCodes = method.model.hash(method.model.backbone.features(batch.source.images, domain: .source))
            let probabilities = prototypeLogits(codes: targetCodes, prototypes: prototypes, scale: 10).softmax(alongAxis: 1)
            var expectedRows: [Int] = []
            var expectedLabels: [Int] = []
            probabilities.withUnsafeScalars { p in
                for row in 0..<12 {
                    let best = (0..<3).max { p[row * 3 + $0] < p[row * 3 + $1] }!
                    if p[row * 3 + best] > threshold {
                        expectedRows.append(row)
                        expectedLabels.append(best)
                    }
                }
            }
            #expect(selection.rows(of: batch.target!.indices).rows == expectedRows)
            #expect(selection.rows(of: batch.target!.indices).labels == expectedLabels)
            if threshold == 0 { #expect(expectedRows.count == 12) }
            if threshold > 0.99 { #expect(expectedRows.isEmpty) }
            let count = Float(12 + expectedRows.count)
            let targetCenter = terms.first { $0.name == "target-center" }!.value.item
            let sourceCenter = terms.first { $0.name == "center" }!.value.item
            let expectedTarget =
                expectedRows.isEmpty
                ? 0
                : centerLossSum(codes: targetCodes.indexSelect(expectedRows), centers: prototypes, labels: expectedLabels).item
            expectClose(targetCenter, 0.2 * expectedTarget / count, rtol: 1e-4)
            expectClose(
                sourceCenter, 0.2 * centerLossSum(codes: sourceCodes, centers: prototypes, labels: batch.source.labels!).item / count,
                rtol: 1e-4)
        }
    }

    @Test func dahMovesEachBatchNormBranchWithItsOwnDomainAndEvaluatesTargetsOnTheTargetBranch() throws {
        let method = try #require(try prototypeRegistry().make("dah", context: context(bits: 8, domains: 2)) as? DAHMethod)
        let buffers = { Dictionary(uniqueKeysWithValues: method.model.namedBuffers().map { ($0.path, $0.buffer.value.scalars) }) }
        let before = buffers()
        let branchPaths = before.keys.filter { $0.contains(".branches.") && $0.hasSuffix("runningMean") }
        #expect(!branchPaths.isEmpty)
        // A step with identical images in both domains moves both branches the same way; a target
        // batch seen alone moves only the target branch.
        let batch = pairedBatch()
        _ = try method.trainingStep(batch, progress: progress(0))
        let afterStep = buffers()
        for path in branchPaths { #expect(afterStep[path] != before[path], "\(path) did not move") }
        _ = method.model(batch.target!.images, domain: .target)
        let afterTarget = buffers()
        for path in branchPaths {
            let isTarget = path.contains(".branches.1.")
            #expect((afterTarget[path] != afterStep[path]) == isTarget, "\(path)")
        }
        // Evaluation: target images through the target branch differ from the source branch's view.
        let images = batch.target!.images
        let asTarget = method.model.inferenceMode { method.model(images, domain: .target).codes }
        let asSource = method.model.inferenceMode { method.model(images, domain: .source).codes }
        #expect(asTarget.scalars != asSource.scalars)
        #expect(method.encode(images, domain: .target).scalars == asTarget.scalars)
    }

    @Test func dahWithoutTargetBatchesAndBadConfigurationsFailWithOneLine() throws {
        let method = try prototypeRegistry().make("dah", context: context(bits: 8, domains: 2))
        let (images, labels) = toyDigits(count: 6, seed: 1)
        let sourceOnly = TrainingBatch(source: DomainBatch(images: images, labels: labels, indices: Array(0..<6), domain: .source))
        let error = try #require(throws: TrainingError.self) { _ = try method.trainingStep(sourceOnly, progress: progress(0)) }
        #expect(!String(describing: error).contains("\n") && String(describing: error).contains("domain pair"))
        for (name, json, mention) in [
            ("dah", #"{"pseudoLabelThreshold": 1}"#, "pseudoLabelThreshold"),
            ("dah", #"{"centerWeight": -1}"#, "centerWeight"),
            ("dah", #"{"informationMaximizationWeight": -1}"#, "informationMaximizationWeight"),
            ("dah", #"{"pseudoLabelClassShare": [0, 1]}"#, "pseudoLabelClassShare"),
            ("dah", #"{"adaptationRamp": "cosine"}"#, "adaptationRamp"),
            ("semantic-hash", #"{"similarityScale": 0}"#, "similarityScale"),
            ("semantic-hash", #"{"objective": "triplet"}"#, "objective"),
        ] {
            let error = try #require(throws: RegistryError.self) {
                _ = try prototypeRegistry().make(name, configuration: Data(json.utf8), context: context(bits: 8))
            }
            #expect(error.description.contains(mention) && !error.description.contains("\n"), "\(error)")
        }
    }
}

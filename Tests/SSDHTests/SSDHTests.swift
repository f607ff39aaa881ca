import Foundation
import HashingCore
import MethodCatalog
import SSDH
import TensorCore
import TestSupport
import Testing

func ssdhContext(bits: Int, seed: UInt64 = 1) throws -> MethodContext {
    MethodContext(
        bitCount: bits, classCount: 3, inputShape: [1, 16, 16],
        backbone: try MethodCatalog.backbones().registration(named: "lenet"), seed: seed)
}

@Suite("SSDH")
struct SSDHTests {
    @Test func lossTermsMatchHandComputedValues() throws {
        let activations = Tensor(shape: [2, 2], scalars: [0.9, 0.1, 0.6, 0.7])
        let logits = Tensor(shape: [2, 3], scalars: [2, 0, 1, 0, 0, 0])
        let output = HashingOutput(codes: activations, logits: logits)
        // E2 = (1/N)(1/K) Σ (a − 0.5)² = (0.16 + 0.16 + 0.01 + 0.04) / 4; the term is −β·E2.
        expectClose(SSDHBinarizationLoss(weight: 2).terms(for: output, labels: [0, 2])[0].value.item, -2 * 0.0925)
        // E3 = (1/N) Σ (mean_k a − 0.5)² = (0² + 0.15²) / 2.
        expectClose(SSDHBalanceLoss(weight: 1).terms(for: output, labels: [0, 2])[0].value.item, 0.01125)
        // Softmax cross-entropy, mean over the batch.
        let first = -log(exp(2.0) / (exp(2.0) + 1 + exp(1.0)))
        let second = log(3.0)
        expectClose(try SSDHClassificationLoss().terms(for: output, labels: [0, 2])[0].value.item, Float((first + second) / 2))
        // Multi-label hinge: only (y=0, ŷ=0.3), (y=0, ŷ=0.4) and (y=1, ŷ=0.8) violate: ½(0.09 + 0.16 + 0.04) / N.
        let scores = Tensor(shape: [2, 3], scalars: [1.5, 0.3, -0.2, 0.4, -1, 0.8])
        let hinge = try SSDHClassificationLoss(kind: .multiLabelHinge).terms(for: HashingOutput(codes: activations, logits: scores), labels: [0, 2])
        expectClose(hinge[0].value.item, 0.0725)
    }

    @Test func theMultiLabelHingeTakesLabelSetsAndSoftmaxRefusesThem() throws {
        let activations = Tensor(shape: [2, 2], scalars: [0.9, 0.1, 0.6, 0.7])
        let scores = Tensor(shape: [2, 3], scalars: [1.5, 0.3, -0.2, 0.4, -1, 0.8])
        let output = HashingOutput(codes: activations, logits: scores)
        // Image 0 shows classes 0 and 2, image 1 class 1 (listed twice, counted once). Violations:
        // (0: y=0, ŷ=0.3), (0: y=1, ŷ=−0.2 → 1.2), (1: y=0, ŷ=0.4), (1: y=1, ŷ=−1 → 2), (1: y=0, ŷ=0.8).
        let labels = BatchLabels(sets: [[2, 0], [1, 1]])
        #expect(labels.sets == [[0, 2], [1]] && labels.classes == nil)
        let hinge = try SSDHClassificationLoss(kind: .multiLabelHinge).terms(for: output, labels: labels)
        expectClose(hinge[0].value.item, Float(0.5 * (0.09 + 1.44 + 0.16 + 4 + 0.64) / 2))
        #expect(throws: TrainingError.self) { try SSDHClassificationLoss().terms(for: output, labels: labels) }
        // An image with no label at all is a row of negatives.
        let none = try SSDHClassificationLoss(kind: .multiLabelHinge).terms(for: output, labels: BatchLabels(sets: [[], [1]]))
        expectClose(none[0].value.item, Float(0.5 * (2.25 + 0.09 + 0.16 + 4 + 0.64) / 2))
    }

    @Test func multiLabelHingeGradientMatchesFiniteDifferences() {
        let targets = Tensor(shape: [2, 3], scalars: [1, 0, 1, 0, 1, 0])
        checkGradients(at: [Tensor(shape: [2, 3], scalars: [1.5, 0.3, -0.2, 0.4, -1, 0.8])], step: 1e-3) {
            SSDHClassificationLoss.multiLabelHinge(scores: $0[0], targets: targets, exponent: 2)
        }
    }

    @Test func registryBuildsSSDHByNameAndListsIt() throws {
        let registry = MethodCatalog.registry()
        #expect(registry.names.contains("ssdh"))
        let method = try registry.make("ssdh", configuration: Data(#"{"beta": 0.5}"#.utf8), context: ssdhContext(bits: 12))
        let ssdh = try #require(method as? SSDHMethod)
        #expect(ssdh.configuration.beta == 0.5 && ssdh.configuration.gamma == 1)
        #expect(method.bitCount == 12)
    }

    @Test func badConfigurationsGiveClearErrors() throws {
        let registry = MethodCatalog.registry()
        #expect(throws: RegistryError.unknownMethod("sdh", available: registry.names)) {
            try registry.make("sdh", context: ssdhContext(bits: 12))
        }
        #expect(throws: RegistryError.self) { try registry.make("ssdh", configuration: Data(#"{"betta": 1}"#.utf8), context: ssdhContext(bits: 12)) }
        #expect(throws: RegistryError.self) { try registry.make("ssdh", configuration: Data(#"{"beta": -1}"#.utf8), context: ssdhContext(bits: 12)) }
        #expect(throws: RegistryError.self) { try registry.make("ssdh", configuration: Data(#"{"beta": "x"}"#.utf8), context: ssdhContext(bits: 12)) }
        #expect(throws: RegistryError.self) { try registry.make("ssdh", context: ssdhContext(bits: 0)) }
    }

    @Test(arguments: [12, 48])
    func trainingStepsGiveFiniteDecreasingLossAndCodesOfTheConfiguredWidth(bits: Int) throws {
        let method = try MethodCatalog.registry().make(
            "ssdh", configuration: Data(#"{"codeTermRampEpochs": 0}"#.utf8), context: ssdhContext(bits: bits))
        let (images, labels) = toyDigits(count: 24, seed: 3)
        let batch = TrainingBatch(source: DomainBatch(images: images, labels: labels, indices: Array(0..<24), domain: .source))
        var totals: [Float] = []
        for step in 0..<30 {
            let terms = try method.trainingStep(batch, progress: TrainingProgress(epoch: 0, epochCount: 1, step: step, stepsPerEpoch: 30))
            #expect(terms.map(\.name) == ["classification", "binarization", "balance"])
            #expect(terms.allSatisfy { $0.value.isFinite })
            totals.append(terms.map(\.value).reduce(0, +))
        }
        #expect(totals.suffix(5).reduce(0, +) < totals.prefix(5).reduce(0, +))
        let outputs = method.encode(images, domain: .source)
        #expect(outputs.shape == [24, bits])
        let codes = method.binarization.bits(outputs)
        #expect(codes.count == 24 && codes.allSatisfy { $0.count == bits })
    }

    @Test func codeTermsRampInOverTheConfiguredEpochs() throws {
        let method = try SSDHMethod(configuration: SSDHConfiguration(), context: ssdhContext(bits: 12))
        let start = method.losses(progress: TrainingProgress(epoch: 0, epochCount: 4, step: 0, stepsPerEpoch: 10))
        let half = method.losses(progress: TrainingProgress(epoch: 0, epochCount: 4, step: 5, stepsPerEpoch: 10))
        let later = method.losses(progress: TrainingProgress(epoch: 2, epochCount: 4, step: 0, stepsPerEpoch: 10))
        #expect((start[1] as! SSDHBinarizationLoss).weight == 0)
        #expect((half[1] as! SSDHBinarizationLoss).weight == 0.5)
        #expect((later[2] as! SSDHBalanceLoss).weight == 1)
    }

    @Test func nonFiniteLossIsReportedNotApplied() throws {
        let method = try SSDHMethod(configuration: SSDHConfiguration(), context: ssdhContext(bits: 12))
        let before = method.network.stateDictionary()
        var (images, labels) = toyDigits(count: 6, seed: 4)
        images = images * Float.nan
        let batch = TrainingBatch(source: DomainBatch(images: images, labels: labels, indices: Array(0..<6), domain: .source))
        #expect(throws: TrainingError.self) {
            _ = try method.trainingStep(batch, progress: TrainingProgress(epoch: 0, epochCount: 1, step: 0, stepsPerEpoch: 1))
        }
        #expect(method.network.stateDictionary().mapValues(\.scalars) == before.mapValues(\.scalars))
    }
}

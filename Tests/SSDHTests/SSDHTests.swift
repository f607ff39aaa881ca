import Foundation
import HashingCore
import SSDH
import TensorCore
import TestSupport
import Testing

/// The registry of this target's method alone: SSDH is tested without the catalog.
func ssdhRegistry() -> MethodRegistry { try! MethodRegistry([SSDHMethod.registration]) }

func ssdhContext(bits: Int, seed: UInt64 = 1) throws -> MethodContext {
    MethodContext(
        bitCount: bits, classCount: 3, inputShape: [1, 16, 16],
        backbone: TestBackbones.conv, seed: seed)
}

@Suite("SSDH")
struct SSDHTests {
    /// A classification loss whose classifier is the identity on 3-bit codes: its logits are the codes.
    func identityClassifier(kind: ClassificationLoss.Kind = .softmax) -> ClassificationLoss {
        var generator = SeededGenerator(seed: 1)
        let loss = ClassificationLoss(bitCount: 3, classCount: 3, kind: kind, generator: &generator)
        loss.classifier.weight.value = Tensor(shape: [3, 3], scalars: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        loss.classifier.bias?.value = Tensor.zeros([3])
        return loss
    }

    @Test func lossTermsMatchHandComputedValues() throws {
        let activations = testStepOutputs(codes: Tensor(shape: [2, 2], scalars: [0.9, 0.1, 0.6, 0.7]), labels: [0, 2])
        // E2 = (1/N)(1/K) Σ (a − 0.5)² = (0.16 + 0.16 + 0.01 + 0.04) / 4; the term is −β·E2.
        expectClose(BinarizationLoss().terms(activations, weight: 2, progress: testProgress())[0].value.item, -2 * 0.0925)
        // E3 = (1/N) Σ (mean_k a − 0.5)² = (0² + 0.15²) / 2.
        expectClose(BalanceLoss().terms(activations, weight: 1, progress: testProgress())[0].value.item, 0.01125)
        // Softmax cross-entropy, mean over the batch.
        let first = -log(exp(2.0) / (exp(2.0) + 1 + exp(1.0)))
        let second = log(3.0)
        let logits = testStepOutputs(codes: Tensor(shape: [2, 3], scalars: [2, 0, 1, 0, 0, 0]), labels: [0, 2])
        expectClose(try identityClassifier().terms(logits, weight: 1, progress: testProgress())[0].value.item, Float((first + second) / 2))
        // Multi-label hinge: only (y=0, ŷ=0.3), (y=0, ŷ=0.4) and (y=1, ŷ=0.8) violate: ½(0.09 + 0.16 + 0.04) / N.
        let scores = testStepOutputs(codes: Tensor(shape: [2, 3], scalars: [1.5, 0.3, -0.2, 0.4, -1, 0.8]), labels: [0, 2])
        let hinge = try identityClassifier(kind: .multiLabelHinge).terms(scores, weight: 1, progress: testProgress())
        expectClose(hinge[0].value.item, 0.0725)
    }

    @Test func theMultiLabelHingeTakesLabelSetsAndSoftmaxRefusesThem() throws {
        let scores = Tensor(shape: [2, 3], scalars: [1.5, 0.3, -0.2, 0.4, -1, 0.8])
        // Image 0 shows classes 0 and 2, image 1 class 1 (listed twice, counted once). Violations:
        // (0: y=0, ŷ=0.3), (0: y=1, ŷ=−0.2 → 1.2), (1: y=0, ŷ=0.4), (1: y=1, ŷ=−1 → 2), (1: y=0, ŷ=0.8).
        let labels = BatchLabels(sets: [[2, 0], [1, 1]])
        #expect(labels.sets == [[0, 2], [1]] && labels.classes == nil)
        let output = testStepOutputs(codes: scores, labels: labels)
        let hinge = try identityClassifier(kind: .multiLabelHinge).terms(output, weight: 1, progress: testProgress())
        expectClose(hinge[0].value.item, Float(0.5 * (0.09 + 1.44 + 0.16 + 4 + 0.64) / 2))
        #expect(throws: TrainingError.self) { try identityClassifier().terms(output, weight: 1, progress: testProgress()) }
        // An image with no label at all is a row of negatives.
        let none = try identityClassifier(kind: .multiLabelHinge).terms(
            testStepOutputs(codes: scores, labels: BatchLabels(sets: [[], [1]])), weight: 1, progress: testProgress())
        expectClose(none[0].value.item, Float(0.5 * (2.25 + 0.09 + 0.16 + 4 + 0.64) / 2))
    }

    @Test func multiLabelHingeGradientMatchesFiniteDifferences() {
        let targets = Tensor(shape: [2, 3], scalars: [1, 0, 1, 0, 1, 0])
        checkGradients(at: [Tensor(shape: [2, 3], scalars: [1.5, 0.3, -0.2, 0.4, -1, 0.8])], step: 1e-3) {
            multiLabelHinge(scores: $0[0], targets: targets, exponent: 2)
        }
    }

    @Test func ssdhIsTheCompositionOfItsPaperParts() throws {
        let method = try SSDHMethod(configuration: SSDHConfiguration(), context: ssdhContext(bits: 12))
        #expect(method.configuration.hashLayer.name == "sigmoid" && method.binarization == .greaterThanHalf)
        #expect(method.losses.map(\.specification.name) == ["classification", "binarization", "balance"])
        let paths = Set(method.network.namedParameters().map(\.path))
        #expect(paths.contains("hash.linear.weight") && paths.contains("losses.classification.classifier.weight"))
    }

    @Test func registryBuildsSSDHByNameAndListsIt() throws {
        let registry = ssdhRegistry()
        #expect(registry.names.contains("ssdh"))
        let method = try registry.make("ssdh", configuration: Data(#"{"beta": 0.5}"#.utf8), context: ssdhContext(bits: 12))
        let ssdh = try #require(method as? SSDHMethod)
        #expect(ssdh.ssdhConfiguration.beta == 0.5 && ssdh.ssdhConfiguration.gamma == 1)
        #expect(method.bitCount == 12)
    }

    @Test func badConfigurationsGiveClearErrors() throws {
        let registry = ssdhRegistry()
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
        let method = try ssdhRegistry().make(
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
        let weights = { (progress: TrainingProgress) in method.losses.map { $0.specification.weight(at: progress) } }
        #expect(weights(TrainingProgress(epoch: 0, epochCount: 4, step: 0, stepsPerEpoch: 10)) == [1, 0, 0])
        #expect(weights(TrainingProgress(epoch: 0, epochCount: 4, step: 5, stepsPerEpoch: 10)) == [1, 0.5, 0.5])
        #expect(weights(TrainingProgress(epoch: 2, epochCount: 4, step: 0, stepsPerEpoch: 10)) == [1, 1, 1])
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

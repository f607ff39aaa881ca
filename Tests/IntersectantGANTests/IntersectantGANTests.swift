import Foundation
import HashingCore
import NeuralNet
import TensorCore
import TestSupport
import Testing

@testable import IntersectantGAN

/// The registry of this target's method alone: it is tested without the catalog.
func ganRegistry() -> MethodRegistry { try! MethodRegistry([IntersectantGANMethod.registration]) }

/// A 3-class context on 16×16 toy images with a small convolutional encoder (TestSupport's).
func context(bits: Int = 8, batchNorm: Bool = false) throws -> MethodContext {
    MethodContext(
        bitCount: bits, classCount: 3, inputShape: [1, 16, 16], backbone: TestBackbones.registration(batchNorm: batchNorm),
        domainCount: 2, seed: 4)
}

/// Progress in an adversarial stage (every optimizer steps) or in pre-training (the encoder alone).
func progress(_ step: Int, pretraining: Bool = false) -> TrainingProgress {
    TrainingProgress(
        epoch: 0, epochCount: 1, step: step, stepsPerEpoch: 40, stageName: pretraining ? "pretrain" : "adversarial-1",
        activeOptimizers: pretraining ? ["encoder"] : nil)
}

func pairedBatch() -> TrainingBatch { toyDomainPair(count: 12) }

func makeMethod(_ json: String = "{}", bits: Int = 8) throws -> IntersectantGANMethod {
    let method = try ganRegistry().make("intersectant-gan", configuration: Data(json.utf8), context: context(bits: bits))
    return try #require(method as? IntersectantGANMethod)
}

@Suite("Intersectant-GAN")
struct IntersectantGANTests {
    // MARK: - Losses on hand-computed cases

    @Test func pairwiseHashLossMatchesHandComputedValue() {
        // u₁ = u₂ = (1, 0) share label 0, u₃ = (0, 1) has label 1; d = 2.
        // uᵢᵀuⱼ/d is ½ on the five same-label pairs (s = 1: (½ − 1)² = ¼) and 0 on the four
        // cross pairs (s = −1: 1): ½ · (5·¼ + 4) / 9.
        let codes = Tensor(shape: [3, 2], scalars: [1, 0, 1, 0, 0, 1])
        #expect(abs(pairwiseHashLoss(codes: codes, labels: [0, 0, 1]).item - 0.5 * 5.25 / 9) < 1e-6)
    }

    @Test func quantizationLossMatchesHandComputedValue() {
        // sign(0.5, −0.2, 0, −1) = (1, −1, 1, −1): ½ · (0.25 + 0.64 + 1 + 0) / 4.
        let codes = Tensor(shape: [2, 2], scalars: [0.5, -0.2, 0, -1])
        // The term is ½ · HashingCore's per-bit mean (the method applies the ½ in its weight).
        let term: Float = 0.5 * quantizationLoss(codes, normalization: .perBit).item
        #expect(abs(term - 0.5 * 1.89 / 4) < 1e-6)
    }

    @Test func discriminatorTargetsAreTheClassForRealImagesAndIndexNForGeneratedOnes() {
        // N = 2 classes: logits have 3 columns, the fake class is index 2.
        let real = Tensor(shape: [3, 3], scalars: [2, 0, 1, 0, 3, -1, 1, 1, 1])
        let fake = Tensor(shape: [2, 3], scalars: [0, 1, 4, 2, 0, 0])
        func logSoftmax(_ row: [Double], _ column: Int) -> Double { row[column] - Foundation.log(row.map(Foundation.exp).reduce(0, +)) }
        let (realTerm, fakeTerm) = discriminatorLosses(realLogits: real, realLabels: [0, 1, nil], fakeLogits: fake)
        // The unlabelled third row takes no part; the mean is over the two labelled rows.
        let expectedReal = -(logSoftmax([2, 0, 1], 0) + logSoftmax([0, 3, -1], 1)) / 2
        let expectedFake = -(logSoftmax([0, 1, 4], 2) + logSoftmax([2, 0, 0], 2)) / 2
        #expect(abs(Double(realTerm.item) - expectedReal) < 1e-5)
        #expect(abs(Double(fakeTerm.item) - expectedFake) < 1e-5)
        // The generator side asks for the class the image came from, not for "real".
        let fooling = crossEntropy(logits: fake, partialLabels: [1, nil])
        #expect(abs(Double(fooling.item) + logSoftmax([0, 1, 4], 1)) < 1e-5)
        // No labelled row: the term is 0, not NaN.
        #expect(crossEntropy(logits: fake, partialLabels: [nil, nil]).item == 0)
    }

    @Test func lossGradientsMatchFiniteDifferences() {
        let codes = randomTensor([5, 6], seed: 1).tanh()
        let labels = [0, 2, 1, 1, 0]
        checkGradients(at: [codes], "pairs") { pairwiseHashLoss(codes: $0[0], labels: labels) }
        let awayFromZero = randomTensor([4, 5], seed: 3, low: 0.1, high: 0.9) * Tensor(shape: [5], scalars: [1, -1, 1, -1, 1])
        checkGradients(at: [awayFromZero], step: 1e-3, "quantization") { quantizationLoss($0[0], normalization: .perBit) * 0.5 }
        let real = randomTensor([4, 4], seed: 7)
        let fake = randomTensor([3, 4], seed: 8)
        checkGradients(at: [real, fake], "discriminator") {
            let (r, f) = discriminatorLosses(realLogits: $0[0], realLabels: [2, nil, 0, 1], fakeLogits: $0[1])
            return r + f
        }
        checkGradients(at: [fake], "generator side") { crossEntropy(logits: $0[0], partialLabels: [1, nil, 2]) }
    }

    @Test(arguments: [GeneratorArchitecture.lenet, .digits])
    func generatorGradientsMatchFiniteDifferencesThroughTheNetwork(architecture: GeneratorArchitecture) throws {
        var generator = SeededGenerator(seed: 3)
        let side = architecture == .digits ? 28 : 8
        // LeakyReLU slope 1 keeps the function smooth: with a kink, a finite-difference step crosses
        // it for a few of the hundreds of pre-activations (LeakyReLU itself is checked in
        // TensorCoreTests). Batch norm runs in training mode, on batch statistics.
        let network = try ImageGenerator(
            codeLength: 4, imageShape: [1, side, side], architecture: architecture, width: 3, slope: 1, generator: &generator)
        let codes = randomTensor([6, 4], seed: 11).tanh()
        let images = randomTensor([6, 1, side, side], seed: 12, low: 0, high: 1)
        #expect(network(codes).shape == [6, 1, side, side])
        // The L1 reconstruction and the generated pixels, differentiated with respect to the codes.
        // Centred on ½ (the sigmoid's value at 0), so the float sum the finite difference takes
        // over thousands of pixels stays small and precise.
        checkGradients(at: [codes], "pixels") { network($0[0]).addingScalar(-0.5) }
        checkGradients(at: [codes], "reconstruction") { l1Loss(network($0[0]), images) }
        // And with respect to a transposed convolution's weights.
        let weight = network.deconvolutions[0].weight
        let original = weight.value
        checkGradients(at: [original], "weights") {
            weight.value = $0[0]
            defer { weight.value = original }
            return l1Loss(network(codes), images)
        }
    }

    @Test func generatorsProduceImagesOfTheirDomainShapeInTheUnitInterval() throws {
        let method = try makeMethod()
        let batch = pairedBatch()
        let (_, forward) = method.encoderAndGeneratorTerms(
            source: batch.source, labels: batch.source.labels!, target: batch.target!, progress: progress(0))
        let images = try #require(forward.images)
        for picture in [images.sourceReconstruction, images.sourceToTarget, images.targetReconstruction, images.targetToSource] {
            #expect(picture.shape == [12, 1, 16, 16])
            #expect(picture.scalars.allSatisfy { $0 > 0 && $0 < 1 })
        }
    }

    // MARK: - Pseudo-labels

    @Test func pseudoLabelsAreTheConfidentTargetPredictionsOfTheSameForwardPass() throws {
        let batch = pairedBatch()
        // The untrained network's class probabilities on the target batch (the same seed builds
        // the same network), and a threshold between the least and the most confident image.
        let probabilities = try makeMethod().inference(batch.target!.images, domain: .target).logits!.softmax(alongAxis: 1)
        let rows = (0..<12).map { row in (0..<3).map { probabilities.scalars[row * 3 + $0] } }
        let confidences = rows.map { $0.max()! }.sorted()
        let threshold = (confidences[5] + confidences[6]) / 2
        let method = try makeMethod(#"{"pseudoLabelThreshold": \#(threshold)}"#)
        let (_, forward) = method.encoderAndGeneratorTerms(
            source: batch.source, labels: batch.source.labels!, target: batch.target!, progress: progress(0))
        var expected: [Int: Int] = [:]
        for (row, p) in rows.enumerated() {
            let best = p.indices.max { p[$0] < p[$1] }!
            if p[best] > threshold { expected[100 + row] = best }
        }
        #expect(forward.selection.labels == expected)
        #expect(forward.selection.scoredIndices == Set(100..<112))
        #expect(!expected.isEmpty && expected.count < 12)
    }

    // MARK: - Training through the registry

    @Test func stepsThroughTheRegistryGiveFiniteLossesAndCodesOfTheConfiguredWidth() throws {
        let method = try makeMethod(#"{"encoderLearningRate": 0.001}"#, bits: 10)
        #expect(method.adaptsToTarget)
        #expect(method.optimizers.map(\.name) == ["encoder", "generators", "discriminators"])
        let batch = pairedBatch()
        var pretraining: [Float] = []
        for step in 0..<30 {
            let values = try method.trainingStep(batch, progress: progress(step, pretraining: true))
            #expect(values.map(\.name) == ["classification"])
            pretraining.append(values[0].value)
        }
        let (first, last): (Float, Float) = (pretraining.prefix(5).reduce(0, +), pretraining.suffix(5).reduce(0, +))
        #expect(last < first * 0.5)
        try method.prepareEpoch(progress(0), data: EpochData { _ in nil })
        for step in 0..<5 {
            let values = try method.trainingStep(batch, progress: progress(step))
            #expect(values.allSatisfy { $0.value.isFinite })
            #expect(
                values.map(\.name) == [
                    "classification", "target-classification", "hash-pairs", "hash-quantization", "centroid-alignment", "reconstruction",
                    "adversarial-generators", "discriminator-real", "discriminator-fake",
                ])
        }
        #expect(method.pseudoLabels?.scoredIndices == Set(100..<112))
        let codes = method.binarization.bits(method.encode(batch.target!.images, domain: .target))
        #expect(codes.count == 12 && codes.allSatisfy { $0.count == 10 })
    }

    @Test func aDigitsEncoderGetsTheFourDeconvolutionGenerator() throws {
        let context = MethodContext(
            bitCount: 16, classCount: 3, inputShape: [3, 28, 28], backbone: TestBackbones.convBN, domainCount: 2, seed: 1)
        let method = try #require(
            try ganRegistry().make("intersectant-gan", configuration: Data(#"{"generator": "digits"}"#.utf8), context: context)
                as? IntersectantGANMethod)
        #expect(method.model.sourceGenerator.deconvolutions.count == 4)
        #expect(method.model.sourceGenerator.fc == nil)
        #expect(method.model.sourceGenerator(randomTensor([2, 16], seed: 1)).shape == [2, 3, 28, 28])
    }

    // MARK: - Switches

    /// The gradient of every encoder and generator parameter with respect to the given terms.
    func gradients(_ method: IntersectantGANMethod, keeping keep: (String) -> Bool) -> [Tensor] {
        let batch = pairedBatch()
        let parameters = method.model.encoderParameters + method.model.generatorParameters
        return valueAndGradient(of: parameters) {
            let terms = method.encoderAndGeneratorTerms(
                source: batch.source, labels: batch.source.labels!, target: batch.target!, progress: progress(0)
            ).terms
            return terms.filter { keep($0.name) }.reduce(Tensor(0)) { $0 + $1.value }
        }.1
    }

    @Test(arguments: [
        ("useReconstruction", ["reconstruction"]), ("useAdversarial", ["adversarial-generators"]),
        ("useCentroidAlignment", ["centroid-alignment"]), ("useHashLoss", ["hash-pairs", "hash-quantization"]),
        ("useTargetClassification", ["target-classification"]),
    ])
    func aSwitchedOffLossContributesNothingToAnyGradient(switchName: String, terms: [String]) throws {
        let on = try makeMethod(#"{"pseudoLabelThreshold": 0.3}"#)
        let off = try makeMethod(#"{"pseudoLabelThreshold": 0.3, "\#(switchName)": false}"#)
        let batch = pairedBatch()
        let offTerms = off.encoderAndGeneratorTerms(source: batch.source, labels: batch.source.labels!, target: batch.target!, progress: progress(0))
            .terms
        #expect(Set(offTerms.map(\.name)).isDisjoint(with: terms))
        // The term mattered when on …
        let all = gradients(on) { _ in true }
        let without = gradients(on) { !terms.contains($0) }
        #expect(zip(all, without).contains { pair in zip(pair.0.scalars, pair.1.scalars).contains { abs($0 - $1) > 1e-6 } })
        // … and off, every gradient is that of the other terms.
        let switchedOff = gradients(off) { _ in true }
        for (expected, actual) in zip(without, switchedOff) {
            #expect(zip(expected.scalars, actual.scalars).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($0)) })
        }
    }

    @Test func withoutTheAdversarialLossTheDiscriminatorsNeverStep() throws {
        let method = try makeMethod(#"{"useAdversarial": false}"#)
        let before = method.model.discriminatorParameters.map(\.value.scalars)
        let values = try method.trainingStep(pairedBatch(), progress: progress(0))
        #expect(!values.contains { $0.name.hasPrefix("discriminator") || $0.name.hasPrefix("adversarial") })
        #expect(method.model.discriminatorParameters.map(\.value.scalars) == before)
        let classifierOnly = try makeMethod(#"{"useAdversarial": false, "useReconstruction": false}"#)
        let generatorsBefore = classifierOnly.model.generatorParameters.map(\.value.scalars)
        _ = try classifierOnly.trainingStep(pairedBatch(), progress: progress(0))
        #expect(classifierOnly.model.generatorParameters.map(\.value.scalars) == generatorsBefore)
        #expect(classifierOnly.trainingStages(epochs: 4).allSatisfy { $0.reinitialize.isEmpty })
    }

    @Test func theSourceOnlyBaselineNeverReadsATargetImage() throws {
        let json = #"{"useTargetClassification": false, "useCentroidAlignment": false, "useAdversarial": false, "useReconstruction": false}"#
        let (a, b) = (try makeMethod(json), try makeMethod(json))
        #expect(!a.configuration.readsTarget)
        var other = pairedBatch()
        other.target!.images = randomTensor(other.target!.images.shape, seed: 77)
        for step in 0..<3 {
            let values = try a.trainingStep(pairedBatch(), progress: progress(step))
            #expect(values.map(\.name) == ["classification", "hash-pairs", "hash-quantization"])
            _ = try b.trainingStep(other, progress: progress(step))
        }
        #expect(a.model.encoderParameters.map(\.value.scalars) == b.model.encoderParameters.map(\.value.scalars))
        try a.prepareEpoch(progress(0), data: EpochData { _ in nil })
        #expect(a.pseudoLabels == nil)
        // Without a target batch it trains all the same.
        _ = try a.trainingStep(TrainingBatch(source: pairedBatch().source), progress: progress(3))
        #expect(try makeMethod(#"{"useAdversarial": false, "useReconstruction": false}"#).configuration.readsTarget)
    }

    @Test func picturesShowTheRealReconstructedAndTranslatedImagesOfBothDomains() throws {
        let method = try makeMethod()
        let batch = pairedBatch()
        let source = batch.source.images.slice(axis: 0, range: 0..<4)
        let target = batch.target!.images.slice(axis: 0, range: 0..<4)
        let rows = method.pictureRows(source: source, target: target)
        #expect(
            rows.map(\.name) == [
                "source", "Gs(us) reconstruction", "Gt(us) source to target", "target", "Gt(ut) reconstruction", "Gs(ut) target to source",
            ])
        #expect(rows.allSatisfy { $0.images.shape == [4, 1, 16, 16] })
        #expect(rows[0].images.scalars == source.scalars && rows[3].images.scalars == target.scalars)
        let translated = method.model.targetGenerator(method.model.codes(source))
        #expect(rows[2].images.scalars == translated.scalars)
        #expect(try makeMethod(#"{"useAdversarial": false, "useReconstruction": false}"#).pictureRows(source: source, target: target).isEmpty)
    }

    // MARK: - Stages and errors

    @Test func stagesArePretrainingThenAdversarialStagesThatRedrawTheOtherNetworks() throws {
        let method = try makeMethod(#"{"pretrainEpochs": 2, "stages": 2}"#)
        let stages = method.trainingStages(epochs: 7)
        #expect(stages.map(\.name) == ["pretrain", "adversarial-1", "adversarial-2"])
        #expect(stages.map(\.epochs) == [2, 3, 2])
        #expect(stages[0].optimizers == ["encoder"])
        #expect(stages[0].schedule.factor(epoch: 0) == 5)
        for stage in stages.dropFirst() {
            #expect(stage.optimizers == nil)
            #expect(stage.reinitialize == IntersectantGANNetwork.adversarialParts)
            #expect(stage.resetOptimizers == ["encoder", "generators", "discriminators"])
        }
        // Too few epochs: pre-training gives way to one adversarial epoch.
        #expect(method.trainingStages(epochs: 1).map(\.name) == ["adversarial-1"])
        #expect(method.trainingStages(epochs: 2).map(\.epochs) == [1, 1])
        for path in IntersectantGANNetwork.adversarialParts { _ = try method.network.submodule(at: path) }
    }

    // MARK: - Issue 30's switches

    @Test func batchMeansAndUnlabelledRealTargetsMatchHandComputedValues() {
        // N = 2 classes: logits have 3 columns, the fake class is index 2.
        let real = Tensor(shape: [3, 3], scalars: [2, 0, 1, 0, 3, -1, 1, 1, 1])
        let fake = Tensor(shape: [2, 3], scalars: [0, 1, 4, 2, 0, 0])
        func logSoftmax(_ row: [Double], _ column: Int) -> Double { row[column] - Foundation.log(row.map(Foundation.exp).reduce(0, +)) }
        let labelled = -(logSoftmax([2, 0, 1], 0) + logSoftmax([0, 3, -1], 1))
        // Over the batch: the two labelled rows' sum over 3 rows.
        expectClose(partialCrossEntropy(logits: real, labels: [0, 1, nil], mean: .batch).item, Float(labelled / 3), atol: 1e-5)
        expectClose(partialCrossEntropy(logits: real, labels: [0, 1, nil], mean: .selected).item, Float(labelled / 2), atol: 1e-5)
        // The third row (1, 1, 1) is fake with probability 1/3: "real" costs −log(2/3).
        expectClose(realImageLosses(logits: real).scalars[2], Float(-Foundation.log(2.0 / 3)), atol: 1e-5)
        // A row sure to be fake costs a lot, and stays finite.
        let sure = realImageLosses(logits: Tensor(shape: [1, 3], scalars: [0, 0, 60])).item
        #expect(sure.isFinite && sure > 55)
        let (realTerm, fakeTerm) = discriminatorLosses(
            realLogits: real, realLabels: [0, 1, nil], fakeLogits: fake, mean: .batch, unlabelledAreReal: true)
        expectClose(realTerm.item, Float((labelled - Foundation.log(2.0 / 3)) / 3), atol: 1e-5)
        expectClose(fakeTerm.item, Float(-(logSoftmax([0, 1, 4], 2) + logSoftmax([2, 0, 0], 2)) / 2), atol: 1e-5)
        // The paper's choices give the paper's function.
        let paper = discriminatorLosses(realLogits: real, realLabels: [0, 1, nil], fakeLogits: fake, mean: .selected, unlabelledAreReal: false)
        expectClose(paper.real.item, Float(labelled / 2), atol: 1e-5)
        checkGradients(at: [randomTensor([4, 4], seed: 9, low: -2, high: 2)], "real images") { realImageLosses(logits: $0[0]).sum() }
        checkGradients(at: [randomTensor([4, 4], seed: 7), randomTensor([3, 4], seed: 8)], "discriminator, unlabelled real") {
            let (r, f) = discriminatorLosses(
                realLogits: $0[0], realLabels: [2, nil, 0, nil], fakeLogits: $0[1], mean: .batch, unlabelledAreReal: true)
            return r + f
        }
    }

    @Test func pseudoLabelsWaitForTheWarmUpAndTheAgreementCheckKeepsOnlyLabelsTheTranslationConfirms() throws {
        let batch = pairedBatch()
        let later = TrainingProgress(epoch: 1, epochCount: 2, step: 0, stepsPerEpoch: 40, stageName: "adversarial-1", activeOptimizers: nil)
        let waiting = try makeMethod(#"{"pseudoLabelThreshold": 0, "pseudoLabelWarmupEpochs": 1}"#)
        let early = waiting.encoderAndGeneratorTerms(source: batch.source, labels: batch.source.labels!, target: batch.target!, progress: progress(0))
        #expect(early.forward.selection.selectedCount == 0 && early.forward.selection.scoredIndices.count == 12)
        let after = waiting.encoderAndGeneratorTerms(source: batch.source, labels: batch.source.labels!, target: batch.target!, progress: later)
        #expect(after.forward.selection.selectedCount == 12)

        let checked = try makeMethod(#"{"pseudoLabelThreshold": 0, "agreementCheck": true}"#)
        // A few steps of source pre-training, so that the classifier tells the classes apart, and
        // a target batch of source images (so that its predictions differ too).
        for step in 0..<100 { _ = try checked.trainingStep(batch, progress: progress(step, pretraining: true)) }
        let same = TrainingBatch(
            source: batch.source, target: DomainBatch(images: batch.source.images, labels: nil, indices: Array(100..<112), domain: .target))
        // What the check asks, computed here: the classifier's class for the target image and for
        // Gˢ(uᵗ) (the target rows of Gˢ on both domains' codes), the encoder in evaluation mode.
        let codes = checked.model.codes(Tensor.concatenate([same.source.images, same.target!.images], axis: 0))
        let predicted = checked.model.classifier(codes.slice(axis: 0, range: 12..<24)).argmax(alongAxis: 1)
        let translated = checked.model.sourceGenerator(codes).slice(axis: 0, range: 12..<24)
        checked.model.encoder.train(false)
        let agreeing = checked.model.classifier(checked.model.codes(translated)).argmax(alongAxis: 1)
        checked.model.encoder.train(true)
        let kept = checked.encoderAndGeneratorTerms(source: same.source, labels: same.source.labels!, target: same.target!, progress: progress(0))
            .forward.selection
        var expected: [Int: Int] = [:]
        for (row, index) in same.target!.indices.enumerated() where predicted[row] == agreeing[row] { expected[index] = agreeing[row] }
        #expect(kept.labels == expected && kept.scoredIndices == Set(same.target!.indices))
        #expect(kept.selectedCount < 12, "an untrained generator's translations should change some predictions")
    }

    @Test func rampsAndMeansScaleTheTermsThatReadPseudoLabels() throws {
        let batch = pairedBatch()
        func terms(_ json: String, _ progress: TrainingProgress) throws -> [String: Float] {
            let method = try makeMethod(json)
            let terms = method.encoderAndGeneratorTerms(source: batch.source, labels: batch.source.labels!, target: batch.target!, progress: progress)
            return Dictionary(uniqueKeysWithValues: terms.terms.map { ($0.name, $0.value.item) })
        }
        let paper = try terms(#"{"pseudoLabelThreshold": 0}"#, progress(0))
        // Ramped from 0: nothing at the start, the same terms once the ramp is over.
        let start = try terms(#"{"pseudoLabelThreshold": 0, "adaptationRampEpochs": 1, "adaptationRamp": "sigmoid"}"#, progress(0))
        #expect(start["target-classification"] == 0 && start["centroid-alignment"] == 0)
        #expect(start["classification"] == paper["classification"])
        let end = try terms(
            #"{"pseudoLabelThreshold": 0, "adaptationRampEpochs": 1}"#,
            TrainingProgress(epoch: 1, epochCount: 2, step: 0, stepsPerEpoch: 40, stageName: "adversarial-1", activeOptimizers: nil))
        #expect(end["centroid-alignment"]! > 0)
        // L_s as a mean: the sum over (classes in both domains) × bits. At T = 0 every target image
        // has a label, so the classes in both are those of the source batch that the target predicts.
        let mean = try terms(#"{"pseudoLabelThreshold": 0, "centroidReduction": "mean"}"#, progress(0))
        let predicted = Set(try makeMethod().inference(batch.target!.images, domain: .target).logits!.argmax(alongAxis: 1))
        let shared = Set(batch.source.labels!).intersection(predicted).count
        expectClose(mean["centroid-alignment"]!, paper["centroid-alignment"]! / Float(shared * 8), atol: 1e-6)
        // Batch means: at T = 0 every row is selected, so they equal the selected-row means.
        let batchMean = try terms(#"{"pseudoLabelThreshold": 0, "pseudoLabelMean": "batch"}"#, progress(0))
        expectClose(batchMean["target-classification"]!, paper["target-classification"]!, atol: 1e-6)
    }

    @Test func classBalancedSelectionUsesThresholdsFromAPassOverTheTarget() throws {
        let method = try makeMethod(#"{"pseudoLabelThreshold": 0, "pseudoLabelClassShare": [0.5]}"#)
        let batch = pairedBatch()
        let scores = try #require(method.inference(batch.target!.images, domain: .target).logits)
        let data = EpochData { domain in
            domain == .target ? DomainOutputs(codes: Tensor.zeros([12, 8]), logits: scores, labels: nil, indices: batch.target!.indices) : nil
        }
        // Pre-training reads no target.
        try method.prepareEpoch(progress(0, pretraining: true), data: data)
        #expect(method.classThresholds == nil)
        try method.prepareEpoch(progress(0), data: data)
        #expect(method.classThresholds == PseudoLabels.classThresholds(logits: scores, share: 0.5))
        let selection = method.encoderAndGeneratorTerms(
            source: batch.source, labels: batch.source.labels!, target: batch.target!, progress: progress(0)
        )
        .forward.selection
        #expect(selection.selectedCount > 0 && selection.selectedCount < 12)
        let missing = try #require(throws: TrainingError.self) { try method.prepareEpoch(progress(0), data: EpochData { _ in nil }) }
        #expect(missing.description.contains("class scores"))
    }

    @Test func badConfigurationsAndMissingTargetsFailWithOneLine() throws {
        for json in [
            #"{"pseudoLabelThreshold": 1}"#, #"{"reconstructionWeight": -1}"#, #"{"stages": 0}"#, #"{"generatorWidth": 0}"#,
            #"{"agreementCheck": true, "useAdversarial": false, "useReconstruction": false}"#, #"{"pseudoLabelClassShare": [2]}"#,
            #"{"centroidReduction": "median"}"#,
        ] {
            let error = try #require(throws: RegistryError.self) { _ = try makeMethod(json) }
            #expect(error.description.contains("intersectant-gan") && !error.description.contains("\n"))
        }
        let method = try makeMethod()
        let error = try #require(throws: TrainingError.self) {
            _ = try method.trainingStep(TrainingBatch(source: pairedBatch().source), progress: progress(0))
        }
        #expect(error.description.contains("domain pair"))
        // Pre-training needs no target batch.
        _ = try method.trainingStep(TrainingBatch(source: pairedBatch().source), progress: progress(0, pretraining: true))
    }

    @Test func aNonFiniteLossStopsTrainingNamingTheTermAndTheNetwork() throws {
        let method = try makeMethod()
        var batch = pairedBatch()
        batch.target!.images = batch.target!.images.map { $0 > 0.8 ? .nan : $0 }
        let error = try #require(throws: TrainingError.self) { _ = try method.trainingStep(batch, progress: progress(0)) }
        guard case .nonFiniteLoss(_, _, let network, _, _) = error else {
            Issue.record("expected a non-finite loss, got \(error)")
            return
        }
        #expect(network == "encoder+generators")
        #expect(!error.description.contains("\n"))
    }
}

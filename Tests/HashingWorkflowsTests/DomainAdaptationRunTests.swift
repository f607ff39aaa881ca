import Datasets
import Evaluation
import Foundation
import HashingCore
import HashingWorkflows
import TensorCore
import Testing

/// The domain-adaptive methods (DAH, Intersectant-GAN) run end to end on a real, embedded pair.
@Suite("Domain-adaptive runs", .serialized)
struct DomainAdaptationRunTests {
    /// Compositions that cover every standard adapter, by a test name.
    static let compositions = [
        // DSBN, the center loss on the prototypes and DANN.
        "composed-dann":
            #"{"losses": ["prototype", {"name": "quantization", "weight": 0.1}], "adapters": ["center", {"name": "dann", "hiddenWidth": 64}], "#
            + #""domainSpecificBatchNorm": true, "pseudoLabelThreshold": 0.5}"#,
        // SSDH's objective with CORAL, MMD and the centroid alignment.
        "composed-coral":
            #"{"hashLayer": "sigmoid", "losses": ["classification", "binarization", "balance"], "#
            + #""adapters": ["coral", "mmd", "centroid-alignment"], "pseudoLabelThreshold": 0.1}"#,
    ]

    /// The paper methods with issue 30's switches on, by a test name: (method, configuration).
    static let switched = [
        "dah-hygiene": (
            "dah",
            #"{"pseudoLabelThreshold": 0.3, "pseudoLabelClassShare": [0.5, 0.9], "adaptationRampEpochs": 1, "adaptationRamp": "sigmoid", "#
                + #""informationMaximizationWeight": 1}"#
        ),
        "intersectant-gan-switched": (
            "intersectant-gan",
            #"{"pseudoLabelThreshold": 0.5, "pretrainEpochs": 1, "pseudoLabelClassShare": [0.5], "agreementCheck": true, "#
                + #""adaptationRampEpochs": 2, "centroidReduction": "mean", "pseudoLabelMean": "batch", "unlabelledTargetsAreReal": true}"#
        ),
    ]

    func specification(output: URL, epochs: Int = 2, method: String = "dah") -> RunSpecification {
        var specification = RunSpecification()
        specification.method = Self.compositions[method] == nil ? Self.switched[method]?.0 ?? method : "composed"
        specification.backbone = ["dah", "dah-hygiene", "composed-dann"].contains(method) ? "lenet-bn" : "lenet"
        specification.dataset = "optdigits-to-mfeat"
        specification.bits = 16
        specification.batchSize = 100
        specification.trainingLimit = 300
        specification.validationDatabaseLimit = 200
        specification.methodConfiguration =
            Self.compositions[method] ?? Self.switched[method]?.1
            ?? (method == "intersectant-gan" ? #"{"pseudoLabelThreshold": 0.5, "pretrainEpochs": 1}"# : #"{"pseudoLabelThreshold": 0.5}"#)
        // The generators' images are in [0, 1]: Intersectant-GAN trains on unstandardised pixels.
        if specification.method == "intersectant-gan" { specification.inputNormalization = InputNormalization.none }
        specification.trainer.epochs = epochs
        specification.trainer.learningRateMilestones = [1]
        specification.trainer.progress = .quiet
        specification.trainer.outputDirectory = output.path
        specification.evaluation = RetrievalOptions(topK: 100)
        return specification
    }

    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("hashing-da-\(UUID().uuidString)", isDirectory: true)
    }

    func state(_ experiment: Experiment) -> [String: [Float]] {
        var state: [String: [Float]] = [:]
        for (path, parameter) in experiment.method.network.namedParameters() { state[path] = parameter.value.scalars }
        for (path, buffer) in experiment.method.network.namedBuffers() { state[path] = buffer.value.scalars }
        return state
    }

    @Test(arguments: ["dah", "intersectant-gan", "composed-dann", "composed-coral", "dah-hygiene", "intersectant-gan-switched"])
    func permutingTheTargetLabelsLeavesTheTrainedWeightsBitIdentical(method: String) throws {
        let (first, second) = (temporaryDirectory(), temporaryDirectory())
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        let pair = try DataCatalog.domainPair("optdigits-to-mfeat", seed: RunSpecification().seed)
        var permuted = pair
        var generator = SeededGenerator(seed: 77)
        permuted.target.labels.shuffle(using: &generator)
        #expect(permuted.target.labels != pair.target.labels)

        // Intersectant-GAN pre-trains for one epoch: two epochs reach its adversarial stage.
        let epochs = method.hasPrefix("intersectant-gan") ? 2 : 1
        let reference = try Experiment(specification(output: first, epochs: epochs, method: method), domainPair: pair)
        #expect(reference.trainsOnTarget)
        let referenceSummary = try reference.train(resume: false)
        let shuffled = try Experiment(specification(output: second, epochs: epochs, method: method), domainPair: permuted)
        let shuffledSummary = try shuffled.train(resume: false)
        #expect(state(reference) == state(shuffled))
        #expect(referenceSummary.validationMAPByEpoch == shuffledSummary.validationMAPByEpoch)
        // The labels did reach the log, where only the pseudo-labels' accuracy is measured with them.
        #expect(referenceSummary.history.last.map { $0.pseudoLabelFraction != nil && $0.pseudoLabelAccuracy != nil } == true)
        #expect(referenceSummary.history.map(\.pseudoLabelAccuracy) != shuffledSummary.history.map(\.pseudoLabelAccuracy))
        // So did the target accuracy of the training curves, measured after every epoch.
        #expect(referenceSummary.history.allSatisfy { $0.targetAccuracy != nil })
        #expect(referenceSummary.history.map(\.targetAccuracy) != shuffledSummary.history.map(\.targetAccuracy))
    }

    /// DAH is interrupted after its first epoch; Intersectant-GAN (pre-training, then one
    /// adversarial stage of two epochs) in the middle of its adversarial stage.
    @Test(arguments: [("dah", 2, 1), ("intersectant-gan", 3, 2), ("composed-dann", 2, 1), ("composed-coral", 2, 1)])
    func interruptedThenResumedEqualsUninterrupted(method: String, epochs: Int, stopAfter: Int) throws {
        let (straight, interrupted) = (temporaryDirectory(), temporaryDirectory())
        defer {
            try? FileManager.default.removeItem(at: straight)
            try? FileManager.default.removeItem(at: interrupted)
        }
        let reference = try Experiment(specification(output: straight, epochs: epochs, method: method))
        _ = try reference.train(resume: false)
        let referenceCodes = try reference.encode(.query, domain: .target).codes

        let first = try Experiment(specification(output: interrupted, epochs: epochs, method: method))
        try FileManager.default.createDirectory(at: interrupted, withIntermediateDirectories: true)
        _ = try first.makeTrainer().run(resume: false, stoppingAfterEpoch: stopAfter)
        let second = try Experiment(specification(output: interrupted, epochs: epochs, method: method))
        let summary = try second.train(resume: true)
        #expect(summary.epochsCompleted == epochs)
        #expect(try second.encode(.query, domain: .target).codes == referenceCodes)
        #expect(state(second) == state(reference))
        if method == "intersectant-gan" { try expectStagePictures(reference) }
    }

    /// One PNG per stage, six rows (source, Gˢ(uˢ), Gᵗ(uˢ), target, Gᵗ(uᵗ), Gˢ(uᵗ)) of eight images.
    func expectStagePictures(_ experiment: Experiment) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: experiment.picturesDirectory.path).sorted()
        #expect(files == ["stage-1-pretrain.png", "stage-2-adversarial-1.png"])
        let shape = experiment.dataset.imageShape
        let picture = try PNGDecoder().decode(contentsOf: experiment.picturesDirectory.appendingPathComponent(files[1]))
        #expect(picture.channels == shape[0])
        #expect(picture.width == 8 * shape[2] + 9 * 2)
        #expect(picture.height == 6 * shape[1] + 7 * 2)
        // The generated rows are not blank: their pixels vary.
        let generatedRow = picture.pixels[((2 + shape[1] + 2) * picture.width * picture.channels)...].prefix(shape[1] * picture.width)
        #expect(Set(generatedRow).count > 10)
    }

    @Test func aDomainAdaptiveMethodOnOneDataSetIsOneClearLine() throws {
        var options = specification(output: temporaryDirectory())
        options.dataset = "embedded-digits"
        let error = try #require(throws: WorkflowError.self) { _ = try Experiment(options) }
        #expect(error.description.contains("dah adapts to an unlabelled target domain") && !error.description.contains("\n"))
    }

    @Test func aTargetTrainingLimitIsASeededSampleOfTheTargetTrainingImages() throws {
        var options = specification(output: temporaryDirectory())
        let whole = try Experiment(options)
        let pool = try #require(whole.target).split.train
        #expect(whole.targetTrainingIndices == pool)
        options.targetTrainingLimit = 50
        let capped = try Experiment(options).targetTrainingIndices
        #expect(capped.count == 50)
        #expect(Set(capped).isSubset(of: Set(pool)))
        #expect(capped == capped.sorted())
        #expect(try Experiment(options).targetTrainingIndices == capped)
        options.seed = 2
        let otherSeed = try Experiment(options).targetTrainingIndices
        #expect(otherSeed != capped)
        options.seed = 1
        options.targetTrainingLimit = pool.count + 10
        let beyondThePool = try Experiment(options).targetTrainingIndices
        #expect(beyondThePool == pool)
    }

    /// The target-label diagnostic does feed the true labels (permuting them now changes the
    /// weights), and refuses runs that have no pseudo-labels to replace.
    @Test func theTargetLabelDiagnosticFeedsTheTrueLabelsAndOnlyWhereThereArePseudoLabels() throws {
        let (first, second, third) = (temporaryDirectory(), temporaryDirectory(), temporaryDirectory())
        defer { for directory in [first, second, third] { try? FileManager.default.removeItem(at: directory) } }
        let pair = try DataCatalog.domainPair("optdigits-to-mfeat", seed: RunSpecification().seed)
        var permuted = pair
        var generator = SeededGenerator(seed: 77)
        permuted.target.labels.shuffle(using: &generator)
        var diagnostic = specification(output: first, epochs: 1, method: "dah")
        diagnostic.diagnosticTargetPseudoLabels = true
        let reference = try Experiment(diagnostic, domainPair: pair)
        let summary = try reference.train(resume: false)
        // Every target image is labelled, and rightly (the log measures with the same labels).
        #expect(summary.history.last?.pseudoLabelFraction == 1 && summary.history.last?.pseudoLabelAccuracy == 1)
        diagnostic.trainer.outputDirectory = second.path
        let shuffled = try Experiment(diagnostic, domainPair: permuted)
        _ = try shuffled.train(resume: false)
        #expect(state(reference) != state(shuffled))
        // A composition that reads no pseudo-label (DANN alone) has nothing to replace.
        var dann = specification(output: third, epochs: 1, method: "composed-coral")
        dann.methodConfiguration = #"{"hashLayer": "tanh", "losses": ["classification"], "adapters": ["dann"]}"#
        dann.diagnosticTargetPseudoLabels = true
        let error = try #require(throws: WorkflowError.self) { _ = try Experiment(dann, domainPair: pair).train(resume: false) }
        #expect(error.description.contains("no target pseudo-labels to replace"))
    }

    @Test func intersectantGANOnStandardisedPixelsIsOneClearLine() throws {
        let output = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: output) }
        var standardised = specification(output: output, epochs: 1, method: "intersectant-gan")
        standardised.inputNormalization = .trainingStatistics
        let error = try #require(throws: WorkflowError.self) { _ = try Experiment(standardised).train(resume: false) }
        #expect(error.description.contains("inputNormalization none") && !error.description.contains("\n"))
        // Without the generators (the source-only switches) nothing is compared with the pixels.
        standardised.methodConfiguration =
            #"{"useAdversarial": false, "useReconstruction": false, "useCentroidAlignment": false, "useTargetClassification": false, "pretrainEpochs": 0}"#
        _ = try Experiment(standardised).train(resume: false)
    }
}

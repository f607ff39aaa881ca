import Foundation
import HashingCore
import HashingWorkflows
import NeuralNet
import Optimizers
import TensorCore
import Testing

/// A method defined outside the catalog: backbone → tanh hash layer → a nearest-class-mean
/// classifier trained by cross-entropy on `−‖h − μ_c‖²` with class means re-estimated each epoch.
final class NearestMeanHashing: HashingNetworkMethod {
    struct Configuration: MethodConfiguration, Equatable {
        var learningRate: Float = 0.05
        init() {}
        func validate() throws { try require(method: "nearest-mean", learningRate > 0, "learningRate must be positive") }
    }

    final class Network: Module, HashingNetwork {
        let backbone: any Backbone
        let hash: LinearHashLayer
        let means: Buffer

        init(context: MethodContext) throws {
            var generator = SeededGenerator(seed: context.seed)
            backbone = try context.makeBackbone(generator: &generator)
            hash = LinearHashLayer(featureCount: backbone.featureCount, bitCount: context.bitCount, activation: .tanh, generator: &generator)
            means = Buffer(randomVertices(count: context.classCount, bitCount: context.bitCount, generator: &generator))
        }

        func callAsFunction(_ images: Tensor, domain: Domain) -> HashingOutput {
            let codes = hash(backbone.features(images, domain: domain))
            return HashingOutput(codes: codes, logits: classwiseLogits(outputs: codes, centers: means.value, inverseVariance: 1))
        }
    }

    let model: Network
    let optimizers: [MethodOptimizer]
    var bitCount: Int { model.hash.bitCount }
    var binarization: Binarization { model.hash.binarization }
    private(set) var epochsPrepared = 0

    init(configuration: Configuration, context: MethodContext) throws {
        model = try Network(context: context)
        optimizers = [MethodOptimizer(name: "network", optimizer: SGD(model.trainableParameters(), learningRate: configuration.learningRate))]
    }

    func prepareEpoch(_ progress: TrainingProgress, data: EpochData) throws {
        epochsPrepared += 1
        guard progress.epoch > 0, let source = data.outputs(of: .source), let labels = source.labels else { return }
        model.means.value = classMeans(source.codes, labels: labels, classCount: model.means.value.shape[0], fallback: model.means.value)
    }

    func trainingStep(_ batch: TrainingBatch, progress: TrainingProgress) throws -> LossValues {
        guard let labels = batch.source.labels else { throw TrainingError.invalidData("nearest-mean needs labels") }
        return try optimizeJointly(progress: progress) {
            [LossTerm("nearest-mean", crossEntropy(logits: model(batch.source.images, domain: .source).logits!, labels: labels))]
        }
    }

    static let registration = MethodRegistration(
        name: "nearest-mean", summary: "a test's own method", configuration: Configuration.self
    ) { configuration, context in try NearestMeanHashing(configuration: configuration, context: context) }
}

/// The workflows take the registry they resolve names in, so a method defined elsewhere (here, in
/// the test) trains, resumes, encodes and evaluates as a built-in one does.
@Suite("A method of one's own through the workflows", .serialized)
struct OwnMethodTests {
    func specification(output: URL) -> RunSpecification {
        var specification = RunSpecification()
        specification.method = "nearest-mean"
        specification.dataset = "embedded-digits"
        specification.bits = 16
        specification.batchSize = 50
        specification.queryPerClass = 10
        specification.validationPerClass = 3
        specification.trainingPerClass = 40
        specification.validationDatabaseLimit = 200
        specification.trainer.epochs = 3
        specification.trainer.progress = .quiet
        specification.trainer.outputDirectory = output.path
        return specification
    }

    @Test func aMethodDefinedInTheTestTrainsAndEvaluatesThroughTheWorkflows() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("hashing-own-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: output) }
        // The standard catalog does not know it, and says so in one line.
        let unknown = try #require(throws: RegistryError.self) { _ = try Experiment(specification(output: output)) }
        #expect(unknown.description.hasPrefix("unknown method 'nearest-mean'; available: ssdh"))

        let registries = try Registries.standard(adding: [NearestMeanHashing.registration])
        let experiment = try Experiment(specification(output: output), registries: registries)
        let summary = try experiment.train(resume: false)
        #expect(summary.epochsCompleted == 3 && summary.history.allSatisfy { $0.meanLosses.allSatisfy { $0.value.isFinite } })
        let method = try #require(experiment.method as? NearestMeanHashing)
        #expect(method.epochsPrepared == 3)
        // Reloaded from its run directory with the same registries, it encodes and evaluates.
        let reloaded = try Experiment.load(runDirectory: output, registries: registries)
        try reloaded.loadCheckpoint()
        let (report, _) = try reloaded.evaluate()
        let map = report.retrieval[0].report.tieAwareMeanAveragePrecision
        #expect(map > 0.3, "tie-aware mAP \(map)")  // ten classes: a random ranking scores about 0.1
        #expect(try reloaded.encode(.query).codes.bitCount == 16)
    }
}

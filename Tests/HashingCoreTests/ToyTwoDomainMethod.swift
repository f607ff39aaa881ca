import Foundation
import HashingCore
import NeuralNet
import Optimizers
import TensorCore

/// A tiny two-domain network: linear → DSBN → ReLU → linear hash (tanh) and a classifier head.
final class ToyNetwork: Module, HashingNetwork {
    let encoder: Linear
    let norm: DomainSpecificBatchNorm
    let hash: LinearHashLayer
    let head: Linear

    init(generator: inout SeededGenerator) {
        encoder = Linear(inputFeatures: 4, outputFeatures: 6, generator: &generator)
        norm = DomainSpecificBatchNorm(featureCount: 6, expectedRank: 2, domainCount: 2)
        hash = LinearHashLayer(featureCount: 6, bitCount: 4, activation: .tanh, generator: &generator)
        head = Linear(inputFeatures: 4, outputFeatures: 2, generator: &generator)
    }

    func callAsFunction(_ images: Tensor, domain: Domain) -> HashingOutput {
        let flat = images.reshaped([images.shape[0], 4])
        let codes = hash(norm(encoder(flat), domain: domain).relu())
        return HashingOutput(codes: codes, logits: head(codes))
    }
}

/// A two-optimizer method that records what the trainer hands it: the batches' labels, the
/// learning rates and stages of each step, and the pseudo-labels it derives from target scores.
final class ToyTwoDomainMethod: HashingNetworkMethod {
    let model: ToyNetwork
    let optimizers: [MethodOptimizer]
    var bitCount: Int { 4 }
    var binarization: Binarization { .nonNegative }
    var adaptsToTarget: Bool { true }
    private(set) var pseudoLabels: PseudoLabels?

    var sawTargetLabels = false
    var targetBatches = 0
    var learningRates: [[String: Float]] = []
    var stagesSeen: [Int] = []
    var epochData: [DomainOutputs?] = []

    init(seed: UInt64 = 3) {
        var generator = SeededGenerator(seed: seed)
        model = ToyNetwork(generator: &generator)
        let headParameters = model.head.trainableParameters()
        let encoderParameters = model.trainableParameters().filter { parameter in !headParameters.contains { $0 === parameter } }
        optimizers = [
            MethodOptimizer(name: "encoder", optimizer: SGD(encoderParameters, learningRate: 0.1, momentum: 0.9)),
            MethodOptimizer(name: "head", optimizer: SGD(headParameters, learningRate: 0.2, momentum: 0.9)),
        ]
    }

    func prepareEpoch(_ progress: TrainingProgress, data: EpochData) throws {
        let target = data.outputs(of: .target)
        epochData.append(target)
        if let target, let logits = target.logits {
            pseudoLabels = PseudoLabels.select(logits: logits, indices: target.indices, threshold: 0.6)
        }
    }

    func trainingStep(_ batch: TrainingBatch, progress: TrainingProgress) throws -> LossValues {
        if let target = batch.target {
            targetBatches += 1
            if target.labels != nil { sawTargetLabels = true }
        }
        learningRates.append(Dictionary(uniqueKeysWithValues: optimizers.map { ($0.name, $0.optimizer.learningRate) }))
        stagesSeen.append(progress.stage)
        let labels = batch.source.labels!
        var values = try optimize(optimizers[0], progress: progress) {
            let source = model(batch.source.images, domain: .source)
            var terms = [LossTerm("classification", crossEntropy(logits: source.logits!, labels: labels))]
            if let target = batch.target {
                let output = model(target.images, domain: .target)
                terms.append(LossTerm("target-quantization", (output.codes.squared() - 1).squared().mean() * 0.1))
            }
            return terms
        }
        values += try optimize(optimizers[1], progress: progress) {
            [LossTerm("head", crossEntropy(logits: model(batch.source.images, domain: .source).logits!, labels: labels))]
        }
        return values
    }
}

/// In-memory batches of two toy domains: source images centred at 0 with labels by the sign of
/// their first pixel, target images shifted by +3, unlabelled.
struct ToyTwoDomainData: TrainingBatches {
    let sourceImages: Tensor
    let sourceLabels: [Int]
    let targetImages: Tensor
    let batchSize = 4

    init(count: Int = 16, seed: UInt64 = 5) {
        var generator = SeededGenerator(seed: seed)
        sourceImages = Tensor.normal([count, 1, 2, 2], generator: &generator)
        sourceLabels = sourceImages.withUnsafeScalars { values in (0..<count).map { values[$0 * 4] >= 0 ? 1 : 0 } }
        targetImages = Tensor.normal([count, 1, 2, 2], generator: &generator) + 3
    }

    var stepsPerEpoch: Int { sourceLabels.count / batchSize }

    func batches(epoch: Int) -> AnySequence<TrainingBatch> {
        var generator = SeededGenerator(seed: 100 + UInt64(epoch))
        let order = Array(0..<sourceLabels.count).shuffled(using: &generator)
        return AnySequence(
            (0..<stepsPerEpoch).map { step in
                let rows = Array(order[(step * batchSize)..<((step + 1) * batchSize)])
                return TrainingBatch(
                    source: DomainBatch(images: Self.rows(sourceImages, rows), labels: rows.map { sourceLabels[$0] }, indices: rows, domain: .source),
                    target: DomainBatch(images: Self.rows(targetImages, rows), labels: nil, indices: rows, domain: .target))
            })
    }

    func trainingImages(of domain: Domain) -> ImageSource? {
        domain == .source
            ? InMemoryImages(images: sourceImages, labels: sourceLabels) : InMemoryImages(images: targetImages, labels: nil)
    }

    static func rows(_ tensor: Tensor, _ rows: [Int]) -> Tensor {
        Tensor.concatenate(rows.map { tensor.slice(axis: 0, range: $0..<($0 + 1)) }, axis: 0)
    }
}

struct InMemoryImages: ImageSource {
    let images: Tensor
    let labels: [Int]?
    var count: Int { images.shape[0] }
    var indices: [Int] { Array(0..<count) }
    func images(_ range: Range<Int>) -> Tensor { images.slice(axis: 0, range: range) }
}

func temporaryRunDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("hashing-core-\(UUID().uuidString)", isDirectory: true)
}

func quietConfiguration(epochs: Int, directory: URL) -> TrainerConfiguration {
    var configuration = TrainerConfiguration()
    configuration.epochs = epochs
    configuration.progress = .quiet
    configuration.outputDirectory = directory.path
    return configuration
}

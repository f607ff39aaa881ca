import HashingCore
import NeuralNet
import Optimizers
import TensorCore

/// The configuration of ``IDCWHMethod``.
public struct IDCWHConfiguration: SGDConfiguration, Equatable {
    /// `1/σ²` of the class-wise loss.
    public var inverseVariance: Float = 1
    /// The hash layer's activation: `tanh` or `identity` (as DCWH).
    public var outputActivation: HashActivation = .tanh
    /// Re-estimate the class centers as class means of the outputs (DCWH's centers, which the
    /// paper builds on) every this many epochs; the center-similarity loss moves them in between.
    public var centerUpdateInterval: Int = 2
    /// Where the centers start (as DCWH).
    public var centerInitialization: CenterInitialization = .vertices
    /// γ: weight of the center-similarity loss.
    public var gamma: Float = 0.1
    /// β: weight of the quantization loss `‖b − h‖²`.
    public var beta: Float = 0.01
    /// Weight of the DCWH reference code's bounded-output term (0 disables it; inert with `tanh`).
    public var boundedOutputWeight: Float = 0
    public var outputBound: Float = 1.1
    /// Learning rate of the network (paper: 1e-2).
    public var learningRate: Float = 0.01
    /// Learning rate of the learnable centers (paper: 5e-3).
    public var centerLearningRate: Float = 0.005
    public var momentum: Float = 0.9
    public var weightDecay: Float = 5e-4

    public init() {}

    public func validate() throws {
        try require(method: "idcwh", inverseVariance > 0, "inverseVariance must be positive")
        try requireClasswiseActivation(outputActivation, method: "idcwh")
        try require(method: "idcwh", centerUpdateInterval >= 1, "centerUpdateInterval must be at least 1")
        try require(method: "idcwh", gamma >= 0 && beta >= 0 && boundedOutputWeight >= 0, "gamma, beta and boundedOutputWeight must be ≥ 0")
        try require(method: "idcwh", outputBound > 0, "outputBound must be positive")
        try validateSGD(method: "idcwh")
        try require(method: "idcwh", centerLearningRate > 0 && centerLearningRate < 10, "centerLearningRate must be in (0, 10)")
    }
}

/// Improved Deep Class-Wise Hashing with centers similarity learning (Zhang & Yan, ICPR 2020).
///
/// Loss: `L_clw + γ·L_csl + β·L_quant (+ bounded-output term)`; codes `sgn(h)`. The class
/// centers μ are DCWH's: class means of the training outputs, re-estimated every
/// ``IDCWHConfiguration/centerUpdateInterval`` epochs. In between, `L_csl` moves them (their
/// own optimizer and learning rate) and only them: `L_clw` trains the network against the
/// centers as constants, and the batch binary centers of `L_csl` are constants too.
public final class IDCWHMethod: HashingNetworkMethod {
    public let configuration: IDCWHConfiguration
    public let model: ClasswiseNetwork
    public let optimizers: [MethodOptimizer]
    public var bitCount: Int { model.hash.bitCount }
    public var binarization: Binarization { .nonNegative }

    public init(configuration: IDCWHConfiguration, context: MethodContext) throws {
        try configuration.validate()
        self.configuration = configuration
        let network = try makeClasswiseNetwork(
            method: "idcwh", context: context, activation: configuration.outputActivation,
            centerInitialization: configuration.centerInitialization, learnableCenters: true,
            inverseVariance: configuration.inverseVariance)
        model = network
        let features = network.trainableParameters().filter { $0 !== network.centers }
        optimizers = [
            configuration.sgd("network", features),
            configuration.sgd("centers", [network.centers], learningRate: configuration.centerLearningRate),
        ]
    }

    /// Re-estimates the centers as class means every `centerUpdateInterval` epochs; the centers'
    /// optimizer then starts afresh, so no momentum of the replaced centers carries over.
    public func prepareEpoch(_ progress: TrainingProgress, data: EpochData) throws {
        if try model.updateCentersOnSchedule(progress, interval: configuration.centerUpdateInterval, data: data, method: "idcwh") {
            optimizers.first { $0.name == "centers" }?.optimizer.resetState()
        }
    }

    /// The named loss terms for a batch of outputs.
    public func lossTerms(outputs: Tensor, labels: [Int]) -> [LossTerm] {
        let centers = model.centers.value
        var terms = [
            LossTerm(
                "classwise",
                classwiseLoss(outputs: outputs, centers: centers.detached(), labels: labels, inverseVariance: configuration.inverseVariance))
        ]
        let binary = batchBinaryCenters(outputs: outputs, labels: labels)
        terms.append(
            LossTerm(
                "center-similarity",
                centerSimilarityLoss(binaryCenters: binary.centers, binaryLabels: binary.labels, centers: centers) * configuration.gamma))
        terms.append(LossTerm("quantization", quantizationLoss(outputs, normalization: .perImage) * configuration.beta))
        if configuration.boundedOutputWeight > 0 {
            terms.append(LossTerm("bounded", boundedOutputLoss(outputs, bound: configuration.outputBound) * configuration.boundedOutputWeight))
        }
        return terms
    }

    public func trainingStep(_ batch: TrainingBatch, progress: TrainingProgress) throws -> LossValues {
        guard let labels = batch.source.labels else { throw TrainingError.invalidData("idcwh needs labelled images") }
        return try optimizeJointly(progress: progress) {
            lossTerms(outputs: model(batch.source.images, domain: batch.source.domain).codes, labels: labels)
        }
    }

    /// The registry entry: `idcwh`.
    public static let registration = MethodRegistration(
        name: "idcwh",
        summary: "IDCWH (Zhang & Yan, ICPR 2020): DCWH + center-similarity learning on the class centers + quantization loss",
        configuration: IDCWHConfiguration.self
    ) { configuration, context in
        try IDCWHMethod(configuration: configuration, context: context)
    }
}

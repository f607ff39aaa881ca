import HashingCore
import NeuralNet
import Optimizers
import TensorCore

/// The configuration of ``DAHMethod``; see Methods/SemanticHash/README.md.
public struct DAHConfiguration: LabelPrototypeConfiguration, Equatable {
    public var objective: PrototypeObjective = .softmax
    public var similarityScale: Float = 10
    public var hingeMargin: Float = 1
    public var quantizationWeight: Float = 0.1
    /// λ: 1, the paper's best cross-domain value.
    public var centerWeight: Float = 1
    public var useLabelEmbeddings: Bool = true
    /// T: a target image takes part in the center loss when its largest class probability
    /// `softmax(scale · h·Pᵀ/K)` exceeds T.
    public var pseudoLabelThreshold: Float = 0.9
    public var learningRate: Float = 0.01
    public var momentum: Float = 0.9
    public var weightDecay: Float = 5e-4

    public init() {}

    public func validate() throws {
        try validatePrototypes(method: "dah")
        try require(
            method: "dah", pseudoLabelThreshold >= 0 && pseudoLabelThreshold < 1,
            "pseudoLabelThreshold must be in [0, 1), got \(pseudoLabelThreshold)")
    }
}

/// Domain Adapted deep image Hashing (Lu, Ma, Chang & Yeh, ISPACS 2021): SemanticHash with
/// domain-specific batch norm and a center loss on both domains.
///
/// Each step forwards the labelled source batch through the backbone's source branch and the
/// unlabelled target batch through its target branch (DSBN: a backbone built with two domains,
/// such as `lenet-bn`). Loss:
///
/// `L = objective(source) + w_q·(quantization(source) + quantization(target))
///      + λ/2 · (Σ_source ‖h − p_y‖² + Σ_confident target ‖h − p_ŷ‖²) / (n_source + n_confident)`
///
/// where `ŷ` is the target image's nearest prototype, kept when its probability exceeds T.
/// Pseudo-labels are recomputed at every step from the same forward pass (no extra pass over the
/// data); ``pseudoLabels`` holds the epoch's selections for the training log.
public final class DAHMethod: HashingNetworkMethod {
    public let configuration: DAHConfiguration
    public let model: LabelPrototypeNetwork
    public let optimizers: [MethodOptimizer]
    public var bitCount: Int { model.hash.bitCount }
    public var binarization: Binarization { .nonNegative }
    public var adaptsToTarget: Bool { true }
    /// The target images selected so far in the current epoch (the latest label of each).
    public private(set) var pseudoLabels: PseudoLabels?

    public init(configuration: DAHConfiguration, context: MethodContext) throws {
        try configuration.validate()
        try context.validate(method: "dah")
        self.configuration = configuration
        model = try LabelPrototypeNetwork(
            context: context, useLabelEmbeddings: configuration.useLabelEmbeddings, similarityScale: configuration.similarityScale)
        optimizers = [configuration.sgd("network", model.trainableParameters())]
    }

    public func prepareEpoch(_ progress: TrainingProgress, data: EpochData) throws {
        pseudoLabels = PseudoLabels(threshold: configuration.pseudoLabelThreshold)
    }

    /// The loss terms of one paired step, and the step's pseudo-label selection.
    public func lossTerms(source: DomainBatch, target: DomainBatch) throws -> (terms: [LossTerm], selection: PseudoLabels) {
        guard let labels = source.labels else { throw TrainingError.invalidData("dah needs labelled source images") }
        let prototypes = model.prototypes()
        let sourceCodes = model.codes(source.images, domain: source.domain)
        let targetCodes = model.codes(target.images, domain: target.domain)
        let targetLogits = prototypeLogits(codes: targetCodes.detached(), prototypes: prototypes.detached(), scale: configuration.similarityScale)
        let selection = PseudoLabels.select(logits: targetLogits, indices: target.indices, threshold: configuration.pseudoLabelThreshold)
        let (rows, pseudo) = selection.rows(of: target.indices)

        var terms = labelledTerms(configuration, codes: sourceCodes, prototypes: prototypes, labels: labels, centerCount: labels.count + rows.count)
        if configuration.quantizationWeight > 0 {
            terms.append(LossTerm("target-quantization", signQuantizationLoss(targetCodes) * configuration.quantizationWeight))
        }
        if configuration.centerWeight > 0 {
            let targetSum =
                rows.isEmpty
                ? Tensor(0) : prototypeCenterSum(codes: targetCodes.indexSelect(rows, axis: 0), prototypes: prototypes, labels: pseudo)
            terms.append(LossTerm("target-center", targetSum * (configuration.centerWeight / 2 / Float(labels.count + rows.count))))
        }
        return (terms, selection)
    }

    public func trainingStep(_ batch: TrainingBatch, progress: TrainingProgress) throws -> LossValues {
        guard let target = batch.target else {
            throw TrainingError.invalidData("dah adapts to a target domain: train it on a domain pair (hashing datasets lists them)")
        }
        var selection: PseudoLabels?
        let values = try optimizeJointly(progress: progress) {
            let (terms, chosen) = try lossTerms(source: batch.source, target: target)
            selection = chosen
            return terms
        }
        if let selection {
            if pseudoLabels == nil { pseudoLabels = PseudoLabels(threshold: configuration.pseudoLabelThreshold) }
            pseudoLabels?.merge(selection)
        }
        return values
    }

    /// The registry entry: `dah`.
    public static let registration = MethodRegistration(
        name: "dah",
        summary: "DAH (Lu et al., ISPACS 2021): SemanticHash + domain-specific batch norm + center loss with target pseudo-labels",
        adaptsToTarget: true,
        configuration: DAHConfiguration.self
    ) { configuration, context in
        try DAHMethod(configuration: configuration, context: context)
    }
}

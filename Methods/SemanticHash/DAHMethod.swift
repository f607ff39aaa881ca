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
/// domain-specific batch norm and a center loss on both domains, assembled from registered parts.
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
public final class DAHMethod: ComposedMethod {
    public let dahConfiguration: DAHConfiguration

    public init(configuration: DAHConfiguration, context: MethodContext) throws {
        try configuration.validate()
        dahConfiguration = configuration
        var composition = configuration.composition(adapting: true)
        composition.pseudoLabelThreshold = configuration.pseudoLabelThreshold
        composition.domainSpecificBatchNorm = true
        try super.init(configuration: composition, context: context, components: StandardComponents.registry(), name: "dah")
    }

    /// The prototype loss (its prototypes).
    public var prototypeLoss: PrototypeLoss { losses[0].loss as! PrototypeLoss }

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

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
    /// Not in the paper (issue 30's pseudo-label hygiene; 0 and [] are the paper's method):
    /// no target pseudo-label during the first this many epochs…
    public var pseudoLabelWarmupEpochs: Double = 0
    /// …and, when set, class-balanced selection: per predicted class, the most confident share of
    /// the target (`[k]`, or `[k0, k1]` ramped over the run), as well as above T.
    public var pseudoLabelClassShare: [Double] = []
    /// Not in the paper: the target terms' weights (λ, and information maximization's) grow
    /// from 0 over this many epochs (0: full weight from the first step)…
    public var adaptationRampEpochs: Double = 0
    /// …linearly or along DANN's `2/(1 + e^(−10p)) − 1`.
    public var adaptationRamp: RampShape = .linear
    /// Not in the paper: weight of information maximization on the target's prototype scores
    /// (the `information-maximization` adapter; 0 leaves it out), which keeps the DSBN target
    /// branch from mapping every target image to one prototype.
    public var informationMaximizationWeight: Float = 0
    public var learningRate: Float = 0.01
    public var momentum: Float = 0.9
    public var weightDecay: Float = 5e-4

    public init() {}

    public func validate() throws {
        try validatePrototypes(method: "dah")
        try require(
            method: "dah", pseudoLabelThreshold >= 0 && pseudoLabelThreshold < 1,
            "pseudoLabelThreshold must be in [0, 1), got \(pseudoLabelThreshold)")
        try require(method: "dah", informationMaximizationWeight >= 0, "informationMaximizationWeight must be ≥ 0")
        try require(method: "dah", adaptationRampEpochs >= 0, "adaptationRampEpochs must be ≥ 0")
        try composition().validate()
    }

    /// The paper's parts (``LabelPrototypeConfiguration/composition(adapting:)``, DSBN, T) with
    /// the hygiene switches above.
    func composition() -> CompositionConfiguration {
        var composition = composition(adapting: true)
        composition.pseudoLabelThreshold = pseudoLabelThreshold
        composition.pseudoLabelWarmupEpochs = pseudoLabelWarmupEpochs
        composition.pseudoLabelClassShare = pseudoLabelClassShare
        composition.domainSpecificBatchNorm = true
        if informationMaximizationWeight > 0 {
            composition.adapters.append(ComponentSpecification("information-maximization", weight: informationMaximizationWeight))
        }
        for index in composition.adapters.indices {
            composition.adapters[index].rampEpochs = adaptationRampEpochs
            composition.adapters[index].rampShape = adaptationRamp
        }
        return composition
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
        try super.init(configuration: configuration.composition(), context: context, components: StandardComponents.registry(), name: "dah")
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

import HashingCore
import NeuralNet
import Optimizers
import TensorCore

/// What label-prototype methods share: the objective, the prototypes' source, the code terms and
/// the optimizer. ``SemanticHashConfiguration`` and ``DAHConfiguration`` differ in their defaults.
public protocol LabelPrototypeConfiguration: SGDConfiguration {
    var objective: PrototypeObjective { get }
    /// The softmax objective's scale on `h·p/K` (also the scale of the logits pseudo-labels and
    /// accuracy are read from; their argmax does not depend on it).
    var similarityScale: Float { get }
    /// The hinge objective's margin m.
    var hingeMargin: Float { get }
    /// Weight of the per-bit quantization term (``quantizationLoss(_:normalization:)``).
    var quantizationWeight: Float { get }
    /// λ of the center loss `λ/2 · mean‖h − p_y‖²` (0 disables it).
    var centerWeight: Float { get }
    /// Project the data set's label word embeddings to prototypes when they are known (`true`), or
    /// learn free class embeddings as AdaLabelHash does (`false`, and whenever none are known).
    var useLabelEmbeddings: Bool { get }
}

extension LabelPrototypeConfiguration {
    func validatePrototypes(method: String) throws {
        try require(method: method, similarityScale > 0, "similarityScale must be positive, got \(similarityScale)")
        try require(method: method, hingeMargin >= 0, "hingeMargin must be ≥ 0, got \(hingeMargin)")
        try require(method: method, quantizationWeight >= 0, "quantizationWeight must be ≥ 0, got \(quantizationWeight)")
        try require(method: method, centerWeight >= 0, "centerWeight must be ≥ 0, got \(centerWeight)")
        try validateSGD(method: method)
    }

    /// The composition's parts: the `tanh` hash layer, the `prototype` loss and the per-bit
    /// `quantization` term (when weighted), and the `center` adapter (when λ > 0, or when the
    /// method adapts).
    func composition(adapting: Bool) -> CompositionConfiguration {
        var prototype = PrototypeLoss.Configuration()
        prototype.objective = objective
        prototype.similarityScale = similarityScale
        prototype.hingeMargin = hingeMargin
        prototype.useLabelEmbeddings = useLabelEmbeddings
        var losses = [ComponentSpecification("prototype", settings: prototype)]
        if quantizationWeight > 0 { losses.append(ComponentSpecification("quantization", weight: quantizationWeight)) }
        let adapters = centerWeight > 0 || adapting ? [ComponentSpecification("center", weight: centerWeight)] : []
        var composition = CompositionConfiguration(hashLayer: ComponentSpecification("tanh"), losses: losses, adapters: adapters, optimizer: self)
        composition.sourceOnly = !adapting
        return composition
    }
}

/// The configuration of ``SemanticHashMethod``; see Methods/SemanticHash/README.md.
public struct SemanticHashConfiguration: LabelPrototypeConfiguration, Equatable {
    public var objective: PrototypeObjective = .softmax
    public var similarityScale: Float = 10
    public var hingeMargin: Float = 1
    public var quantizationWeight: Float = 0.1
    /// 0: SemanticHash has no center loss; a positive λ gives DAH's loss on the source alone
    /// (DAH's source-only baseline).
    public var centerWeight: Float = 0
    public var useLabelEmbeddings: Bool = true
    public var learningRate: Float = 0.01
    public var momentum: Float = 0.9
    public var weightDecay: Float = 5e-4

    public init() {}

    public func validate() throws { try validatePrototypes(method: "semantic-hash") }
}

/// SemanticHash (Tu, Yang, Yang, Yeh & Chen, IEEE TAI 2021): image codes aligned with label
/// prototypes projected from the class names' word embeddings, assembled from registered parts.
///
/// Loss: the prototype objective (softmax or hinge) + `w_q ·` quantization (+ `λ/2 ·` center loss
/// when ``SemanticHashConfiguration/centerWeight`` > 0); codes `sgn(h)`. Trained on labelled
/// images only: on a domain pair it is the source-only baseline.
public final class SemanticHashMethod: ComposedMethod {
    public let semanticHashConfiguration: SemanticHashConfiguration

    public init(configuration: SemanticHashConfiguration, context: MethodContext) throws {
        try configuration.validate()
        semanticHashConfiguration = configuration
        try super.init(
            configuration: configuration.composition(adapting: false), context: context, components: StandardComponents.registry(),
            name: "semantic-hash")
    }

    /// The prototype loss (its prototypes).
    public var prototypeLoss: PrototypeLoss { losses[0].loss as! PrototypeLoss }

    /// The registry entry: `semantic-hash`.
    public static let registration = MethodRegistration(
        name: "semantic-hash",
        summary: "SemanticHash (Tu et al., IEEE TAI 2021): tanh codes aligned with label prototypes projected from class-name embeddings",
        configuration: SemanticHashConfiguration.self
    ) { configuration, context in
        try SemanticHashMethod(configuration: configuration, context: context)
    }
}

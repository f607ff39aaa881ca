import HashingCore
import NeuralNet
import Optimizers
import TensorCore

/// How image codes are made to agree with their class prototype and disagree with the others.
public enum PrototypeObjective: String, Codable, Sendable, CaseIterable {
    /// Softmax cross-entropy over `scale · h·p_c / K` (``prototypeSoftmaxLoss(codes:prototypes:labels:scale:)``).
    case softmax
    /// AdaLabelHash's hinge `max(0, m − s_pos + max_neg s_neg)` (``prototypeHingeLoss(codes:prototypes:labels:margin:)``).
    case hinge
}

/// What label-prototype methods share: the objective, the prototypes' source, the code terms and
/// the optimizer. ``SemanticHashConfiguration`` and ``DAHConfiguration`` differ in their defaults.
public protocol LabelPrototypeConfiguration: SGDConfiguration {
    var objective: PrototypeObjective { get }
    /// The softmax objective's scale on `h·p/K` (also the scale of the logits pseudo-labels and
    /// accuracy are read from; their argmax does not depend on it).
    var similarityScale: Float { get }
    /// The hinge objective's margin m.
    var hingeMargin: Float { get }
    /// Weight of ``signQuantizationLoss(_:)``.
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

    /// The objective on labelled codes, with its name.
    func objectiveTerm(codes: Tensor, prototypes: Tensor, labels: [Int]) -> LossTerm {
        switch objective {
        case .softmax:
            return LossTerm("prototype-softmax", prototypeSoftmaxLoss(codes: codes, prototypes: prototypes, labels: labels, scale: similarityScale))
        case .hinge:
            return LossTerm("prototype-hinge", prototypeHingeLoss(codes: codes, prototypes: prototypes, labels: labels, margin: hingeMargin))
        }
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

/// Class prototypes `p_c` in (−1, 1)^K: `tanh(W·e_c + b)` of fixed label word embeddings `e_c`
/// (SemanticHash's semantic hash function), or `tanh(z_c)` of free learned embeddings (AdaLabelHash).
public final class LabelPrototypes: Module {
    /// `[C, D]` word embeddings (frozen), or `[C, K]` free embeddings (trained).
    public let embeddings: Parameter
    /// `D → K`, present with word embeddings.
    public let projection: Linear?

    /// - Parameters:
    ///   - wordEmbeddings: `[C, D]`, or `nil` for free embeddings, drawn uniform in ±0.05 as Keras's
    ///     `Embedding` (AdaLabelHash).
    init(classCount: Int, bitCount: Int, wordEmbeddings: Tensor?, generator: inout SeededGenerator) {
        if let wordEmbeddings {
            embeddings = Parameter(Self.centred(wordEmbeddings), isTrainable: false)
            projection = Linear(inputFeatures: wordEmbeddings.shape[1], outputFeatures: bitCount, generator: &generator)
        } else {
            embeddings = Parameter(Tensor.uniform([classCount, bitCount], low: -0.05, high: 0.05, generator: &generator))
            projection = nil
        }
    }

    /// The word embeddings less their mean over the classes, each row then scaled to norm √D
    /// (unit mean square per entry), or left at zero when it equals the mean.
    ///
    /// Sentence embeddings of class names share a large common direction (the ten digit names'
    /// cosines are 0.4–0.8), so `tanh(W·e + b)` of the raw vectors starts with ten nearly equal
    /// prototypes and the codes can collapse onto them before the objective separates them.
    /// Removing the mean keeps every difference between classes; the scale puts `W·e` (PyTorch's
    /// default initialisation of W) in tanh's working range instead of near 0.
    ///
    /// **Shape**: `[C, D]` → `[C, D]`.
    public static func centred(_ embeddings: Tensor) -> Tensor {
        let (classCount, dimension) = (embeddings.shape[0], embeddings.shape[1])
        var values = embeddings.scalars
        for d in 0..<dimension {
            var mean: Float = 0
            for c in 0..<classCount { mean += values[c * dimension + d] }
            mean /= Float(classCount)
            for c in 0..<classCount { values[c * dimension + d] -= mean }
        }
        for c in 0..<classCount {
            let row = (c * dimension)..<((c + 1) * dimension)
            let norm = values[row].reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            guard norm > 1e-12 else { continue }
            let factor = Float(dimension).squareRoot() / norm
            for index in row { values[index] *= factor }
        }
        return Tensor(shape: [classCount, dimension], scalars: values)
    }

    /// Whether the prototypes come from word embeddings.
    public var usesWordEmbeddings: Bool { projection != nil }

    /// The prototypes `[C, K]`.
    public func callAsFunction() -> Tensor {
        guard let projection else { return embeddings.value.tanh() }
        return projection(embeddings.value).tanh()
    }
}

/// Backbone → linear → tanh (the visual hash function, `h` in (−1, 1)^K) and the class prototypes.
///
/// Its logits are `scale · h·p_c / K`: the predicted class is the nearest prototype.
public final class LabelPrototypeNetwork: Module, HashingNetwork {
    public let backbone: any Backbone
    public let hash: LinearHashLayer
    public let prototypes: LabelPrototypes
    public let similarityScale: Float

    init(context: MethodContext, useLabelEmbeddings: Bool, similarityScale: Float) throws {
        var generator = SeededGenerator(seed: context.seed)
        backbone = try context.makeBackbone(generator: &generator)
        hash = LinearHashLayer(featureCount: backbone.featureCount, bitCount: context.bitCount, activation: .tanh, generator: &generator)
        prototypes = LabelPrototypes(
            classCount: context.classCount, bitCount: context.bitCount,
            wordEmbeddings: useLabelEmbeddings ? context.labelEmbeddings : nil, generator: &generator)
        self.similarityScale = similarityScale
    }

    /// The relaxed codes `h` `[N, K]` alone (what the losses need; no logits).
    public func codes(_ images: Tensor, domain: Domain) -> Tensor {
        hash(backbone.features(images, domain: domain))
    }

    /// Codes `h` `[N, K]` and logits `[N, C]`.
    public func callAsFunction(_ images: Tensor, domain: Domain) -> HashingOutput {
        let codes = codes(images, domain: domain)
        return HashingOutput(codes: codes, logits: prototypeLogits(codes: codes, prototypes: prototypes(), scale: similarityScale))
    }
}

/// SemanticHash (Tu, Yang, Yang, Yeh & Chen, IEEE TAI 2021): image codes aligned with label
/// prototypes projected from the class names' word embeddings.
///
/// Loss: the prototype objective (softmax or hinge) + `w_q ·` quantization (+ `λ/2 ·` center loss
/// when ``SemanticHashConfiguration/centerWeight`` > 0); codes `sgn(h)`. Trained on labelled
/// images only: on a domain pair it is the source-only baseline.
public final class SemanticHashMethod: HashingNetworkMethod {
    public let configuration: SemanticHashConfiguration
    public let model: LabelPrototypeNetwork
    public let optimizers: [MethodOptimizer]
    public var bitCount: Int { model.hash.bitCount }
    public var binarization: Binarization { .nonNegative }

    public init(configuration: SemanticHashConfiguration, context: MethodContext) throws {
        try configuration.validate()
        try context.validate(method: "semantic-hash")
        self.configuration = configuration
        model = try LabelPrototypeNetwork(
            context: context, useLabelEmbeddings: configuration.useLabelEmbeddings, similarityScale: configuration.similarityScale)
        optimizers = [configuration.sgd("network", model.trainableParameters())]
    }

    public func trainingStep(_ batch: TrainingBatch, progress: TrainingProgress) throws -> LossValues {
        guard let labels = batch.source.labels else { throw TrainingError.invalidData("semantic-hash needs labelled images") }
        return try optimizeJointly(progress: progress) {
            let prototypes = model.prototypes()
            let codes = model.codes(batch.source.images, domain: batch.source.domain)
            return labelledTerms(configuration, codes: codes, prototypes: prototypes, labels: labels, centerCount: labels.count)
        }
    }

    /// The registry entry: `semantic-hash`.
    public static let registration = MethodRegistration(
        name: "semantic-hash",
        summary: "SemanticHash (Tu et al., IEEE TAI 2021): tanh codes aligned with label prototypes projected from class-name embeddings",
        configuration: SemanticHashConfiguration.self
    ) { configuration, context in
        try SemanticHashMethod(configuration: configuration, context: context)
    }
}

/// The terms on labelled codes: the objective, the quantization term and (λ > 0) the center sum
/// divided by `centerCount`, the number of images the center loss's mean runs over.
func labelledTerms(
    _ configuration: some LabelPrototypeConfiguration, codes: Tensor, prototypes: Tensor, labels: [Int], centerCount: Int
) -> [LossTerm] {
    var terms = [configuration.objectiveTerm(codes: codes, prototypes: prototypes, labels: labels)]
    if configuration.quantizationWeight > 0 {
        terms.append(LossTerm("quantization", signQuantizationLoss(codes) * configuration.quantizationWeight))
    }
    if configuration.centerWeight > 0 {
        let sum = prototypeCenterSum(codes: codes, prototypes: prototypes, labels: labels)
        terms.append(LossTerm("center", sum * (configuration.centerWeight / 2 / Float(centerCount))))
    }
    return terms
}

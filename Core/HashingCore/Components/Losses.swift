import Foundation
import NeuralNet
import TensorCore

// The registered losses. Each is a small class: its configuration, its state (if any) as a
// module, and its terms through the functions of LossFunctions.swift.

// MARK: - SSDH: classification, binarization, balance

/// SSDH's classification term E1 through a linear classifier on the codes: softmax
/// cross-entropy (one label per image), or the paper's multi-label hinge on label sets.
public final class ClassificationLoss: Module, HashingLoss {
    public struct Configuration: MethodConfiguration, Equatable {
        /// `softmax` (single-label) or `multi-label-hinge` (SSDH's multi-label loss).
        public var kind: Kind = .softmax
        /// The exponent p of the multi-label hinge.
        public var hingeExponent: Float = 2
        public init() {}
        public func validate() throws { try require(method: "loss 'classification'", hingeExponent >= 1, "hingeExponent must be ≥ 1") }
    }

    public enum Kind: String, Codable, Sendable, CaseIterable {
        case softmax
        case multiLabelHinge = "multi-label-hinge"
    }

    /// `bitCount → classCount`, PyTorch's default initialisation.
    public let classifier: Linear
    public let kind: Kind
    public let hingeExponent: Float

    public init(bitCount: Int, classCount: Int, kind: Kind = .softmax, hingeExponent: Float = 2, generator: inout SeededGenerator) {
        classifier = Linear(inputFeatures: bitCount, outputFeatures: classCount, generator: &generator)
        self.kind = kind
        self.hingeExponent = hingeExponent
    }

    public var acceptsLabelSets: Bool { kind == .multiLabelHinge }
    public var classifies: Bool { true }
    public func classScores(codes: Tensor) -> Tensor? { classifier(codes) }

    public func terms(_ outputs: StepOutputs, weight: Float, progress: TrainingProgress) throws -> [LossTerm] {
        guard let labels = outputs.labels else { throw TrainingError.invalidData("the classification loss needs labelled images") }
        let logits = classifier(outputs.codes)
        switch kind {
        case .softmax:
            guard let classes = labels.classes else {
                throw TrainingError.invalidData(
                    "softmax classification needs one label per image, and this batch has label sets; use \"kind\": \"multi-label-hinge\"")
            }
            return [LossTerm("classification", crossEntropy(logits: logits, labels: classes) * weight)]
        case .multiLabelHinge:
            let targets = labels.multiHot(classCount: logits.shape[1])
            return [LossTerm("classification", multiLabelHinge(scores: logits, targets: targets, exponent: hingeExponent) * weight)]
        }
    }

    public static let registration = LossRegistration(
        name: "classification",
        summary: "a linear classifier on the codes: softmax cross-entropy or SSDH's multi-label hinge (SSDH's E1)",
        configuration: Configuration.self
    ) { configuration, context, generator in
        ClassificationLoss(
            bitCount: context.bitCount, classCount: context.classCount, kind: configuration.kind, hingeExponent: configuration.hingeExponent,
            generator: &generator)
    }
}

/// A configuration with no settings.
public struct NoSettings: MethodConfiguration, Equatable {
    public init() {}
    public func validate() throws {}
}

/// SSDH's binarization term `−E2 = −(1/N)(1/K) Σₙ ‖aₙ − 0.5‖²`: its minimum pushes sigmoid
/// activations away from 0.5.
public final class BinarizationLoss: HashingLoss {
    public init() {}
    public var needsLabels: Bool { false }
    public func terms(_ outputs: StepOutputs, weight: Float, progress: TrainingProgress) -> [LossTerm] {
        [LossTerm("binarization", -binarizationSpread(outputs.codes) * weight)]
    }

    public static let registration = LossRegistration(
        name: "binarization", summary: "−mean (a − 0.5)²: sigmoid activations towards 0 or 1 (SSDH's E2)", configuration: NoSettings.self
    ) { _, _, _ in BinarizationLoss() }
}

/// SSDH's balance term `E3 = (1/N) Σₙ (mean_k aₙₖ − 0.5)²`.
public final class BalanceLoss: HashingLoss {
    public init() {}
    public var needsLabels: Bool { false }
    public func terms(_ outputs: StepOutputs, weight: Float, progress: TrainingProgress) -> [LossTerm] {
        [LossTerm("balance", bitBalanceLoss(outputs.codes) * weight)]
    }

    public static let registration = LossRegistration(
        name: "balance", summary: "mean (mean_k a − 0.5)²: each code fires half its bits (SSDH's E3; for sigmoid codes)",
        configuration: NoSettings.self
    ) { _, _, _ in BalanceLoss() }
}

// MARK: - Quantization and bounded outputs

/// The quantization term `‖h − sgn h‖²`, per bit or per image.
public final class QuantizationLoss: HashingLoss {
    public struct Configuration: MethodConfiguration, Equatable {
        /// `per-bit` (a mean over N·K) or `per-image` (a sum over bits, mean over images).
        public var normalization: QuantizationNormalization = .perBit
        public init() {}
        public func validate() throws {}
    }

    public let normalization: QuantizationNormalization
    public init(normalization: QuantizationNormalization = .perBit) { self.normalization = normalization }
    public var needsLabels: Bool { false }
    public func terms(_ outputs: StepOutputs, weight: Float, progress: TrainingProgress) -> [LossTerm] {
        [LossTerm("quantization", quantizationLoss(outputs.codes, normalization: normalization) * weight)]
    }

    public static let registration = LossRegistration(
        name: "quantization", summary: "‖h − sgn h‖², per bit or per image (for codes centred on 0: tanh, identity)",
        configuration: Configuration.self
    ) { configuration, _, _ in QuantizationLoss(normalization: configuration.normalization) }
}

/// The DCWH reference code's bounded-output term `(1/N) Σ relu(|h| − bound)`.
public final class BoundedOutputLoss: HashingLoss {
    public struct Configuration: MethodConfiguration, Equatable {
        public var bound: Float = 1.1
        public init() {}
        public func validate() throws { try require(method: "loss 'bounded-output'", bound > 0, "bound must be positive") }
    }

    public let bound: Float
    public init(bound: Float = 1.1) { self.bound = bound }
    public var needsLabels: Bool { false }
    public func terms(_ outputs: StepOutputs, weight: Float, progress: TrainingProgress) -> [LossTerm] {
        [LossTerm("bounded", boundedOutputLoss(outputs.codes, bound: bound) * weight)]
    }

    public static let registration = LossRegistration(
        name: "bounded-output", summary: "(1/N) Σ relu(|h| − bound): keeps unbounded outputs inside ±bound (DCWH's reference code)",
        configuration: Configuration.self
    ) { configuration, _, _ in BoundedOutputLoss(bound: configuration.bound) }
}

// MARK: - DCWH and IDCWH

/// DCWH's class-wise loss: a normalised-Gaussian softmax over distances to class centers, the
/// centers re-estimated as class means of the training codes every few epochs.
public final class ClasswiseLoss: Module, HashingLoss, ClassCenterProvider {
    public struct Configuration: MethodConfiguration, Equatable {
        /// `1/σ²` of the normalised Gaussian (the reference code effectively uses 1).
        public var inverseVariance: Float = 1
        /// Recompute the centers as class means every this many epochs (reference: 2).
        public var centerUpdateInterval: Int = 2
        /// Where the centers start: distinct random vertices of {−1, 1}ᴷ, or N(0, 1) samples.
        public var centerInitialization: CenterInitialization = .vertices
        public init() {}
        public func validate() throws {
            try require(method: "loss 'classwise'", inverseVariance > 0, "inverseVariance must be positive")
            try require(method: "loss 'classwise'", centerUpdateInterval >= 1, "centerUpdateInterval must be at least 1")
        }
    }

    /// Class centers `[C, K]`: fixed between re-estimations, or moved by center similarity when it
    /// makes them trainable (the class-wise term then sees them as constants).
    public let centers: Parameter
    public let inverseVariance: Float
    public let centerUpdateInterval: Int

    public init(
        classCount: Int, bitCount: Int, inverseVariance: Float = 1, centerUpdateInterval: Int = 2,
        centerInitialization: CenterInitialization = .vertices, generator: inout SeededGenerator
    ) {
        centers = Parameter(centerInitialization.centers(count: classCount, bitCount: bitCount, generator: &generator), isTrainable: false)
        self.inverseVariance = inverseVariance
        self.centerUpdateInterval = centerUpdateInterval
    }

    public var classifies: Bool { true }
    public var classCenters: Tensor { centers.value }
    public var classCenterParameter: Parameter? { centers }

    /// `−‖h − μ_c‖² / 2σ²`: the predicted class is the nearest center.
    public func classScores(codes: Tensor) -> Tensor? {
        classwiseLogits(outputs: codes, centers: centers.value, inverseVariance: inverseVariance)
    }

    public func terms(_ outputs: StepOutputs, weight: Float, progress: TrainingProgress) throws -> [LossTerm] {
        let labels = try outputs.singleLabels(for: "the classwise loss")
        let centers = self.centers.isTrainable ? self.centers.value.detached() : self.centers.value
        return [
            LossTerm("classwise", classwiseLoss(outputs: outputs.codes, centers: centers, labels: labels, inverseVariance: inverseVariance) * weight)
        ]
    }

    /// Recomputes the centers from the training codes every `centerUpdateInterval` epochs.
    public func prepareEpoch(_ progress: TrainingProgress, data: EpochData) throws {
        try reestimateClassCenters(centers, progress: progress, interval: centerUpdateInterval, data: data, owner: "the classwise loss")
    }

    public static let registration = LossRegistration(
        name: "classwise", summary: "DCWH's normalised-Gaussian softmax over distances to class-mean centers, re-estimated every few epochs",
        configuration: Configuration.self
    ) { configuration, context, generator in
        ClasswiseLoss(
            classCount: context.classCount, bitCount: context.bitCount, inverseVariance: configuration.inverseVariance,
            centerUpdateInterval: configuration.centerUpdateInterval, centerInitialization: configuration.centerInitialization,
            generator: &generator)
    }
}

/// IDCWH's center-similarity loss: a likelihood of the similarity between the batch's binary
/// class centers and the class-wise loss's centers, which it moves with their own optimizer.
public final class CenterSimilarityLoss: HashingLoss {
    public struct Configuration: MethodConfiguration, Equatable {
        /// The centers' learning rate (IDCWH: 5e-3).
        public var learningRate: Float = 0.005
        public init() {}
        public func validate() throws {
            try require(method: "loss 'center-similarity'", learningRate > 0 && learningRate < 10, "learningRate must be in (0, 10)")
        }
    }

    public let centers: Parameter
    public let learningRate: Float

    /// Makes `centers` trainable: this loss moves them.
    public init(centers: Parameter, learningRate: Float) {
        centers.isTrainable = true
        self.centers = centers
        self.learningRate = learningRate
    }

    public var parameterGroups: [ParameterGroup] { [ParameterGroup(name: "centers", parameters: [centers], learningRate: learningRate)] }

    public func terms(_ outputs: StepOutputs, weight: Float, progress: TrainingProgress) throws -> [LossTerm] {
        let labels = try outputs.singleLabels(for: "the center-similarity loss")
        let binary = batchBinaryCenters(outputs: outputs.codes, labels: labels)
        return [
            LossTerm(
                "center-similarity", centerSimilarityLoss(binaryCenters: binary.centers, binaryLabels: binary.labels, centers: centers.value) * weight
            )
        ]
    }

    public static let registration = LossRegistration(
        name: "center-similarity",
        summary: "IDCWH's likelihood of batch binary centers against the classwise loss's centers (list it after classwise)",
        configuration: Configuration.self
    ) { configuration, context, _ in
        guard let parameter = context.classCenters?.classCenterParameter else {
            throw RegistryError.invalidConfiguration(
                method: "loss 'center-similarity'", reason: "it moves the classwise loss's centers: list \"classwise\" before it")
        }
        return CenterSimilarityLoss(centers: parameter, learningRate: configuration.learningRate)
    }
}

// MARK: - SemanticHash

/// How image codes are made to agree with their class prototype and disagree with the others.
public enum PrototypeObjective: String, Codable, Sendable, CaseIterable {
    /// Softmax cross-entropy over `scale · h·p_c / K` (``prototypeSoftmaxLoss(codes:prototypes:labels:scale:)``).
    case softmax
    /// AdaLabelHash's hinge `max(0, m − s_pos + max_neg s_neg)` (``prototypeHingeLoss(codes:prototypes:labels:margin:)``).
    case hinge
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
    public init(classCount: Int, bitCount: Int, wordEmbeddings: Tensor?, generator: inout SeededGenerator) {
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

/// SemanticHash's objective: image codes agree with their class's label prototype (projected from
/// the class name's word embedding) and disagree with the others; prototypes and codes are
/// learned jointly.
public final class PrototypeLoss: Module, HashingLoss, ClassCenterProvider {
    public struct Configuration: MethodConfiguration, Equatable {
        public var objective: PrototypeObjective = .softmax
        /// The softmax objective's scale on `h·p/K` (also of the class scores).
        public var similarityScale: Float = 10
        /// The hinge objective's margin m.
        public var hingeMargin: Float = 1
        /// Project the data set's label word embeddings when known (`true`), or learn free class
        /// embeddings as AdaLabelHash does (`false`, and whenever none are known).
        public var useLabelEmbeddings: Bool = true
        public init() {}
        public func validate() throws {
            try require(method: "loss 'prototype'", similarityScale > 0, "similarityScale must be positive, got \(similarityScale)")
            try require(method: "loss 'prototype'", hingeMargin >= 0, "hingeMargin must be ≥ 0, got \(hingeMargin)")
        }
    }

    public let prototypes: LabelPrototypes
    public let objective: PrototypeObjective
    public let similarityScale: Float
    public let hingeMargin: Float

    public init(
        classCount: Int, bitCount: Int, wordEmbeddings: Tensor?, objective: PrototypeObjective = .softmax, similarityScale: Float = 10,
        hingeMargin: Float = 1, generator: inout SeededGenerator
    ) {
        prototypes = LabelPrototypes(classCount: classCount, bitCount: bitCount, wordEmbeddings: wordEmbeddings, generator: &generator)
        self.objective = objective
        self.similarityScale = similarityScale
        self.hingeMargin = hingeMargin
    }

    public var classifies: Bool { true }
    public var classCenters: Tensor { prototypes() }
    public var classCenterParameter: Parameter? { nil }

    /// `scale · h·p_c / K`: the predicted class is the nearest prototype.
    public func classScores(codes: Tensor) -> Tensor? { prototypeLogits(codes: codes, prototypes: prototypes(), scale: similarityScale) }

    public func terms(_ outputs: StepOutputs, weight: Float, progress: TrainingProgress) throws -> [LossTerm] {
        let labels = try outputs.singleLabels(for: "the prototype loss")
        let prototypes = prototypes()
        switch objective {
        case .softmax:
            return [
                LossTerm(
                    "prototype-softmax",
                    prototypeSoftmaxLoss(codes: outputs.codes, prototypes: prototypes, labels: labels, scale: similarityScale) * weight)
            ]
        case .hinge:
            return [
                LossTerm(
                    "prototype-hinge", prototypeHingeLoss(codes: outputs.codes, prototypes: prototypes, labels: labels, margin: hingeMargin) * weight)
            ]
        }
    }

    public static let registration = LossRegistration(
        name: "prototype",
        summary: "SemanticHash: codes agree with their class's prototype, tanh of projected class-name embeddings (softmax or hinge)",
        configuration: Configuration.self
    ) { configuration, context, generator in
        PrototypeLoss(
            classCount: context.classCount, bitCount: context.bitCount,
            wordEmbeddings: configuration.useLabelEmbeddings ? context.labelEmbeddings : nil, objective: configuration.objective,
            similarityScale: configuration.similarityScale, hingeMargin: configuration.hingeMargin, generator: &generator)
    }
}

// MARK: - Intersectant-GAN

/// Intersectant-GAN's pairwise hash loss (the pairwise part of `L_h`).
public final class PairwiseHashLoss: HashingLoss {
    public init() {}
    public func terms(_ outputs: StepOutputs, weight: Float, progress: TrainingProgress) throws -> [LossTerm] {
        let labels = try outputs.singleLabels(for: "the pairwise loss")
        return [LossTerm("hash-pairs", pairwiseHashLoss(codes: outputs.codes, labels: labels) * weight)]
    }

    public static let registration = LossRegistration(
        name: "pairwise", summary: "Intersectant-GAN's L_h: ½ mean (uᵢ·uⱼ/d − sᵢⱼ)², sᵢⱼ = ±1 for same or different labels",
        configuration: NoSettings.self
    ) { _, _, _ in PairwiseHashLoss() }
}

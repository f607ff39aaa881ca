import Foundation
import NeuralNet
import TensorCore

// The registered domain adapters: the center loss and the centroid alignment of the papers, and
// the standard baselines (DANN, Deep CORAL, MMD).

/// What an alignment adapter aligns: the backbone's features (the usual choice) or the codes.
public enum AlignedRepresentation: String, Codable, Sendable, CaseIterable {
    case features
    case codes

    func of(_ outputs: StepOutputs) -> Tensor { self == .features ? outputs.features : outputs.codes }
}

/// The center loss (Wen et al., ECCV 2016) on source labels and confident target pseudo-labels,
/// as DAH uses it: `λ/2 · (Σ_source ‖h − c_y‖² + Σ_confident target ‖h − c_ŷ‖²) / (K · (n_source + n_confident))`.
///
/// The centers are the class centers of an earlier loss when there is one (the label
/// prototypes: DAH's "labels as the center points"; the classwise loss's centers); otherwise the
/// adapter keeps its own, moved by Wen et al.'s rule `c_j ← c_j − α·Σᵢ[yᵢ = j](c_j − hᵢ)/(1 + Σᵢ[yᵢ = j])`
/// on the source codes. The centers are targets: no gradient reaches them through this term.
/// Without a target batch it is the center loss on the source alone.
public final class CenterLossAdapter: Module, DomainAdapter {
    public struct Configuration: MethodConfiguration, Equatable {
        /// α of Wen et al.'s center update, for centers of the adapter's own.
        public var centerRate: Float = 0.5
        public init() {}
        public func validate() throws {
            try require(method: "domain adapter 'center'", centerRate > 0 && centerRate <= 1, "centerRate must be in (0, 1]")
        }
    }

    /// The adapter's own centers `[C, K]`, when no earlier loss has class centers.
    public let ownCenters: Buffer?
    /// The provider's centers (a closure, so that the provider's module is not reflected as a
    /// child of this one).
    let providedCenters: (() -> Tensor)?
    public let centerRate: Float

    public init(classCount: Int, bitCount: Int, provider: (any ClassCenterProvider)?, centerRate: Float = 0.5) {
        self.providedCenters = provider.map { provider in { provider.classCenters } }
        self.ownCenters = provider == nil ? Buffer(Tensor.zeros([classCount, bitCount])) : nil
        self.centerRate = centerRate
    }

    public var module: Module? { ownCenters == nil ? nil : self }
    public var needsPseudoLabels: Bool { true }

    public func terms(source: StepOutputs, target: StepOutputs?, weight: Float, progress: TrainingProgress) throws -> [LossTerm] {
        let labels = try source.singleLabels(for: "the center loss")
        let centers = providedCenters?() ?? ownCenters!.value
        var rows: [Int] = []
        var pseudo: [Int] = []
        if let target, let targetLabels = target.pseudoLabels {
            for (row, label) in targetLabels.enumerated() {
                if let label {
                    rows.append(row)
                    pseudo.append(label)
                }
            }
        }
        let count = Float(labels.count + rows.count)
        var terms = [LossTerm("center", centerLossSum(codes: source.codes, centers: centers, labels: labels) * (weight / 2 / count))]
        if let target {
            let targetSum = rows.isEmpty ? Tensor(0) : centerLossSum(codes: target.codes.indexSelect(rows, axis: 0), centers: centers, labels: pseudo)
            terms.append(LossTerm("target-center", targetSum * (weight / 2 / count)))
        }
        if let ownCenters {
            ownCenters.value = Self.wenUpdate(centers: ownCenters.value, codes: source.codes.detached(), labels: labels, rate: centerRate)
        }
        return terms
    }

    /// Wen et al.'s center update: `c_j ← c_j − α·Σᵢ[yᵢ = j](c_j − hᵢ)/(1 + Σᵢ[yᵢ = j])`.
    ///
    /// **Shape**: centers `[C, K]`, codes `[N, K]` → `[C, K]`.
    public static func wenUpdate(centers: Tensor, codes: Tensor, labels: [Int], rate: Float) -> Tensor {
        let (classCount, width) = (centers.shape[0], centers.shape[1])
        var values = centers.scalars
        var differences = [Float](repeating: 0, count: classCount * width)
        var counts = [Int](repeating: 0, count: classCount)
        codes.withUnsafeScalars { h in
            for (row, label) in labels.enumerated() {
                counts[label] += 1
                for k in 0..<width { differences[label * width + k] += values[label * width + k] - h[row * width + k] }
            }
        }
        for j in 0..<classCount where counts[j] > 0 {
            for k in 0..<width { values[j * width + k] -= rate * differences[j * width + k] / Float(1 + counts[j]) }
        }
        return Tensor(shape: centers.shape, scalars: values)
    }

    public static let registration = AdapterRegistration(
        name: "center",
        summary: "DAH's center loss on source labels and confident target pseudo-labels (centers: the prototypes or classwise centers, else its own)",
        configuration: Configuration.self
    ) { configuration, context, _ in
        CenterLossAdapter(
            classCount: context.classCount, bitCount: context.bitCount, provider: context.classCenters, centerRate: configuration.centerRate)
    }
}

/// Intersectant-GAN's semantic-centroid alignment `L_s` on source labels and target pseudo-labels.
public final class CentroidAlignmentAdapter: DomainAdapter {
    public init() {}
    public var needsPseudoLabels: Bool { true }

    public func terms(source: StepOutputs, target: StepOutputs?, weight: Float, progress: TrainingProgress) throws -> [LossTerm] {
        guard let target, let pseudo = target.pseudoLabels else { return [] }
        let labels = try source.singleLabels(for: "the centroid alignment")
        return [
            LossTerm(
                "centroid-alignment",
                classCentroidAlignment(source: source.codes, sourceLabels: labels, target: target.codes, targetLabels: pseudo) * weight)
        ]
    }

    public static let registration = AdapterRegistration(
        name: "centroid-alignment",
        summary: "Intersectant-GAN's L_s: Σ_c ‖mean source code − mean pseudo-labelled target code‖² over classes in both",
        configuration: NoSettings.self
    ) { _, _, _ in CentroidAlignmentAdapter() }
}

/// DANN (Ganin & Lempitsky, ICML 2015): a domain discriminator on the features behind a
/// gradient-reversal layer. The discriminator learns to tell source (0) from target (1) by
/// binary cross-entropy; the reversed gradient trains the features to confuse it. The reversal's
/// coefficient ramps as `2/(1 + e^(−γp)) − 1` over the run's progress p.
public final class DANNAdapter: Module, DomainAdapter {
    public struct Configuration: MethodConfiguration, Equatable {
        /// What the discriminator sees: the backbone's `features` (DANN's choice) or the `codes`.
        public var input: AlignedRepresentation = .features
        /// The discriminator's hidden width (Linear → ReLU → Linear → ReLU → Linear(1)); 0 for
        /// a single linear layer.
        public var hiddenWidth: Int = 500
        /// γ of the coefficient's ramp (10 in the paper); 0 for a constant coefficient of 1.
        public var rampGamma: Double = 10
        public init() {}
        public func validate() throws {
            try require(method: "domain adapter 'dann'", hiddenWidth >= 0 && hiddenWidth <= 65536, "hiddenWidth must be in 0…65536")
            try require(method: "domain adapter 'dann'", rampGamma >= 0 && rampGamma.isFinite, "rampGamma must be ≥ 0")
        }
    }

    public let discriminator: Sequential
    public let input: AlignedRepresentation
    public let rampGamma: Double

    public init(
        inputWidth: Int, hiddenWidth: Int = 500, input: AlignedRepresentation = .features, rampGamma: Double = 10, generator: inout SeededGenerator
    ) {
        if hiddenWidth == 0 {
            discriminator = Sequential([Linear(inputFeatures: inputWidth, outputFeatures: 1, generator: &generator)])
        } else {
            discriminator = Sequential([
                Linear(inputFeatures: inputWidth, outputFeatures: hiddenWidth, generator: &generator), Lambda("relu") { $0.relu() },
                Linear(inputFeatures: hiddenWidth, outputFeatures: hiddenWidth, generator: &generator), Lambda("relu") { $0.relu() },
                Linear(inputFeatures: hiddenWidth, outputFeatures: 1, generator: &generator),
            ])
        }
        self.input = input
        self.rampGamma = rampGamma
    }

    /// The gradient-reversal coefficient at `progress`.
    public func coefficient(at progress: TrainingProgress) -> Float {
        rampGamma == 0 ? 1 : dannRamp(progress: progress.fractionCompleted, gamma: rampGamma)
    }

    /// The discriminator's loss on both domains, with the features' gradient reversed by
    /// `coefficient`: BCE against 0 for source rows and 1 for target rows, a mean over both.
    ///
    /// **Shape**: source `[Ns, D]`, target `[Nt, D]` → scalar.
    public func domainLoss(source: Tensor, target: Tensor, coefficient: Float) -> Tensor {
        let pooled = Tensor.concatenate([source, target], axis: 0).reversingGradient(scale: coefficient)
        let logits = discriminator(pooled)
        let labels = [Float](repeating: 0, count: source.shape[0]) + [Float](repeating: 1, count: target.shape[0])
        return binaryCrossEntropy(logits: logits, targets: Tensor(shape: logits.shape, scalars: labels))
    }

    public func terms(source: StepOutputs, target: StepOutputs?, weight: Float, progress: TrainingProgress) throws -> [LossTerm] {
        guard let target else { return [] }
        return [LossTerm("domain", domainLoss(source: input.of(source), target: input.of(target), coefficient: coefficient(at: progress)) * weight)]
    }

    public static let registration = AdapterRegistration(
        name: "dann",
        summary: "DANN (Ganin & Lempitsky 2015): domain discriminator behind gradient reversal, coefficient 2/(1+e^(−10p)) − 1",
        configuration: Configuration.self
    ) { configuration, context, generator in
        DANNAdapter(
            inputWidth: configuration.input == .features ? context.featureCount : context.bitCount, hiddenWidth: configuration.hiddenWidth,
            input: configuration.input, rampGamma: configuration.rampGamma, generator: &generator)
    }
}

/// Deep CORAL (Sun & Saenko, 2016): aligns the source and target feature covariances.
public final class CORALAdapter: DomainAdapter {
    public struct Configuration: MethodConfiguration, Equatable {
        public var input: AlignedRepresentation = .features
        public init() {}
        public func validate() throws {}
    }

    public let input: AlignedRepresentation
    public init(input: AlignedRepresentation = .features) { self.input = input }

    public func terms(source: StepOutputs, target: StepOutputs?, weight: Float, progress: TrainingProgress) throws -> [LossTerm] {
        guard let target, source.count >= 2, target.count >= 2 else { return [] }
        return [LossTerm("coral", coralLoss(source: input.of(source), target: input.of(target)) * weight)]
    }

    public static let registration = AdapterRegistration(
        name: "coral", summary: "Deep CORAL (Sun & Saenko 2016): ‖C_s − C_t‖²_F / 4d² between the domains' feature covariances",
        configuration: Configuration.self
    ) { configuration, _, _ in CORALAdapter(input: configuration.input) }
}

/// A multi-kernel Gaussian MMD between source and target features (DAN, Long et al. 2015).
public final class MMDAdapter: DomainAdapter {
    public struct Configuration: MethodConfiguration, Equatable {
        public var input: AlignedRepresentation = .features
        /// Kernel widths σ², as multiples of the batch's mean squared distance.
        public var bandwidths: [Float] = [0.25, 0.5, 1, 2, 4]
        public init() {}
        public func validate() throws {
            try require(
                method: "domain adapter 'mmd'", !bandwidths.isEmpty && bandwidths.allSatisfy { $0 > 0 && $0.isFinite },
                "bandwidths must be positive numbers")
        }
    }

    public let input: AlignedRepresentation
    public let bandwidths: [Float]
    public init(input: AlignedRepresentation = .features, bandwidths: [Float] = [0.25, 0.5, 1, 2, 4]) {
        self.input = input
        self.bandwidths = bandwidths
    }

    public func terms(source: StepOutputs, target: StepOutputs?, weight: Float, progress: TrainingProgress) throws -> [LossTerm] {
        guard let target else { return [] }
        return [LossTerm("mmd", gaussianMMD(source: input.of(source), target: input.of(target), bandwidths: bandwidths) * weight)]
    }

    public static let registration = AdapterRegistration(
        name: "mmd", summary: "multi-kernel Gaussian MMD (DAN, Long et al. 2015) between the domains' features",
        configuration: Configuration.self
    ) { configuration, _, _ in MMDAdapter(input: configuration.input, bandwidths: configuration.bandwidths) }
}

/// Information maximization on the target's class scores (Krause et al. 2010; SHOT, Liang et
/// al. 2020): confident predictions for each target image, spread over the classes across the
/// batch (``informationMaximizationLoss(scores:entropyWeight:diversityWeight:)``).
///
/// The scores are those of the composition's first classifying loss (a classifier, the
/// prototypes, the class-wise centers), on the target codes with their gradient. It reads no
/// label. With domain-specific batch norm it is what gives the target branch a reason not to
/// collapse: mapping every target image to one class minimises a center or quantization term,
/// but maximises this one. Without a target batch it contributes nothing.
public final class InformationMaximizationAdapter: DomainAdapter {
    public struct Configuration: MethodConfiguration, Equatable {
        /// Weight of the mean per-image entropy (minimised).
        public var entropyWeight: Float = 1
        /// Weight of the entropy of the batch's mean prediction (maximised).
        public var diversityWeight: Float = 1
        public init() {}
        public func validate() throws {
            try require(
                method: "domain adapter 'information-maximization'",
                entropyWeight >= 0 && entropyWeight.isFinite && diversityWeight >= 0 && diversityWeight.isFinite,
                "entropyWeight and diversityWeight must be finite numbers ≥ 0")
        }
    }

    /// The classifying loss's scores (a closure: the loss's module belongs to the losses).
    let scores: (Tensor) -> Tensor?
    public let entropyWeight: Float
    public let diversityWeight: Float

    public init(classifier: any HashingLoss, entropyWeight: Float = 1, diversityWeight: Float = 1) {
        precondition(classifier.classifies, "InformationMaximizationAdapter: the loss gives no class scores")
        self.scores = { classifier.classScores(codes: $0) }
        self.entropyWeight = entropyWeight
        self.diversityWeight = diversityWeight
    }

    public func terms(source: StepOutputs, target: StepOutputs?, weight: Float, progress: TrainingProgress) throws -> [LossTerm] {
        guard let target, let scores = scores(target.codes) else { return [] }
        return [
            LossTerm(
                "information-maximization",
                informationMaximizationLoss(scores: scores, entropyWeight: entropyWeight, diversityWeight: diversityWeight) * weight)
        ]
    }

    public static let registration = AdapterRegistration(
        name: "information-maximization",
        summary: "information maximization on the target's class scores (SHOT): confident per image, diverse over the batch",
        configuration: Configuration.self
    ) { configuration, context, _ in
        guard let classifier = context.losses.first(where: { $0.classifies }) else {
            throw RegistryError.invalidConfiguration(
                method: "domain adapter 'information-maximization'",
                reason: "it reads class scores, and no earlier loss classifies: add classification, classwise or prototype before it")
        }
        return InformationMaximizationAdapter(
            classifier: classifier, entropyWeight: configuration.entropyWeight, diversityWeight: configuration.diversityWeight)
    }
}

import Foundation
import NeuralNet
import Optimizers
import TensorCore

/// A hashing method assembled by name: a backbone (from the run), a hash layer, losses and domain
/// adapters, trained by SGD. `hashing train --hash-layer tanh --loss classwise --adapter dann`
/// builds one; SSDH, DCWH, SemanticHash and DAH are compositions with their papers' parts.
///
/// ```json
/// {"hashLayer": "sigmoid",
///  "losses": ["classification", {"name": "binarization", "rampEpochs": 1}, {"name": "balance", "rampEpochs": 1}],
///  "adapters": [{"name": "dann", "weight": 0.3}]}
/// ```
public struct CompositionConfiguration: SGDConfiguration, Equatable {
    /// The hash layer (`hashing components` lists them).
    public var hashLayer = ComponentSpecification("tanh")
    /// The losses, in the order their terms are computed; at least one.
    public var losses = [ComponentSpecification("classwise"), ComponentSpecification("quantization", weight: 0.01)]
    /// The domain adapters; with any, the method trains on the unlabelled target of a domain pair.
    public var adapters: [ComponentSpecification] = []
    /// A target image gets a pseudo-label (for adapters that read them) when its largest class
    /// probability, the softmax of the first classifying loss's scores, exceeds this.
    public var pseudoLabelThreshold: Float = 0.9
    /// No pseudo-labels during the first this many epochs (the adapters that read them see none):
    /// a warm-up on the source before the network's target predictions are trusted.
    public var pseudoLabelWarmupEpochs: Double = 0
    /// Class-balanced selection: before each epoch, a pass over the target training images keeps,
    /// per predicted class, only the most confident share (`[k]`, or `[k₀, k₁]` ramped linearly
    /// over the run, as CBST). Empty: the threshold alone.
    public var pseudoLabelClassShare: [Double] = []
    /// Losses that need no labels (quantization, balance, binarization) also apply to the
    /// target's codes when the method adapts (their terms are named `target-…`).
    public var codeTermsOnTarget = true
    /// Train on the source alone, the adapters included (they add what they can without a target,
    /// such as the center loss's source term): the source-only run of the same composition.
    public var sourceOnly = false
    /// With a domain pair, one set of batch-norm statistics and affine parameters per domain
    /// (DSBN, as DAH) instead of shared ones (as DANN).
    public var domainSpecificBatchNorm = false
    public var learningRate: Float = 0.01
    public var momentum: Float = 0.9
    public var weightDecay: Float = 5e-4

    public init() {}

    /// A composition of these parts, trained by SGD with `optimizer`'s settings (a paper
    /// method's configuration).
    public init(
        hashLayer: ComponentSpecification, losses: [ComponentSpecification], adapters: [ComponentSpecification] = [],
        optimizer: some SGDConfiguration
    ) {
        self.hashLayer = hashLayer
        self.losses = losses
        self.adapters = adapters
        learningRate = optimizer.learningRate
        momentum = optimizer.momentum
        weightDecay = optimizer.weightDecay
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case hashLayer, losses, adapters, pseudoLabelThreshold, pseudoLabelWarmupEpochs, pseudoLabelClassShare, codeTermsOnTarget, sourceOnly
        case domainSpecificBatchNorm, learningRate, momentum
        case weightDecay
    }

    /// Decodes with a default for every missing field.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = CompositionConfiguration()
        hashLayer = try container.decodeIfPresent(ComponentSpecification.self, forKey: .hashLayer) ?? defaults.hashLayer
        losses = try container.decodeIfPresent([ComponentSpecification].self, forKey: .losses) ?? defaults.losses
        adapters = try container.decodeIfPresent([ComponentSpecification].self, forKey: .adapters) ?? defaults.adapters
        pseudoLabelThreshold = try container.decodeIfPresent(Float.self, forKey: .pseudoLabelThreshold) ?? defaults.pseudoLabelThreshold
        pseudoLabelWarmupEpochs =
            try container.decodeIfPresent(Double.self, forKey: .pseudoLabelWarmupEpochs) ?? defaults.pseudoLabelWarmupEpochs
        pseudoLabelClassShare = try container.decodeIfPresent([Double].self, forKey: .pseudoLabelClassShare) ?? defaults.pseudoLabelClassShare
        codeTermsOnTarget = try container.decodeIfPresent(Bool.self, forKey: .codeTermsOnTarget) ?? defaults.codeTermsOnTarget
        sourceOnly = try container.decodeIfPresent(Bool.self, forKey: .sourceOnly) ?? defaults.sourceOnly
        domainSpecificBatchNorm = try container.decodeIfPresent(Bool.self, forKey: .domainSpecificBatchNorm) ?? defaults.domainSpecificBatchNorm
        learningRate = try container.decodeIfPresent(Float.self, forKey: .learningRate) ?? defaults.learningRate
        momentum = try container.decodeIfPresent(Float.self, forKey: .momentum) ?? defaults.momentum
        weightDecay = try container.decodeIfPresent(Float.self, forKey: .weightDecay) ?? defaults.weightDecay
    }

    public func validate() throws {
        try require(method: "composed", !losses.isEmpty, "a composition needs at least one loss")
        try require(
            method: "composed", pseudoLabelThreshold >= 0 && pseudoLabelThreshold < 1,
            "pseudoLabelThreshold must be in [0, 1), got \(pseudoLabelThreshold)")
        try require(method: "composed", pseudoLabelWarmupEpochs >= 0, "pseudoLabelWarmupEpochs must be ≥ 0, got \(pseudoLabelWarmupEpochs)")
        try PseudoLabels.validateClassShares(pseudoLabelClassShare, method: "composed")
        try validateSGD(method: "composed")
    }

    /// Whether it trains on a target domain.
    public var adaptsToTarget: Bool { !adapters.isEmpty && !sourceOnly }
}

/// A network assembled from parts: backbone → hash layer, with the losses' and adapters' own
/// modules (a classifier, class centers, prototypes, a domain discriminator) under their names.
///
/// Parameter paths: `backbone.…`, `hash.linear.…`, `losses.<name>.…`, `adapters.<name>.…`.
public final class ComposedNetwork: Module, HashingNetwork {
    public let backbone: any Backbone
    public let hash: any HashLayer
    public let losses: NamedModules
    public let adapters: NamedModules
    /// The class scores of the first classifying loss (a closure: the loss's module is already
    /// a child under ``losses``).
    let scores: ((Tensor) -> Tensor?)?

    init(backbone: any Backbone, hash: any HashLayer, losses: NamedModules, adapters: NamedModules, scores: ((Tensor) -> Tensor?)?) {
        self.backbone = backbone
        self.hash = hash
        self.losses = losses
        self.adapters = adapters
        self.scores = scores
    }

    /// Codes `[N, K]` and, when a loss classifies, its class scores `[N, C]`.
    public func callAsFunction(_ images: Tensor, domain: Domain) -> HashingOutput {
        let codes = hash(backbone.features(images, domain: domain))
        return HashingOutput(codes: codes, logits: scores?(codes))
    }
}

/// A method assembled from registered components; see ``CompositionConfiguration``.
open class ComposedMethod: HashingNetworkMethod, TargetLabelDiagnostic {
    public let configuration: CompositionConfiguration
    public let model: ComposedNetwork
    public let optimizers: [MethodOptimizer]
    /// The losses and adapters with their specifications, in objective order.
    public let losses: [(specification: ComponentSpecification, loss: any HashingLoss)]
    public let adapters: [(specification: ComponentSpecification, adapter: any DomainAdapter)]
    /// The loss whose class scores are the method's predictions and pseudo-labels.
    public let classifyingLoss: (any HashingLoss)?
    /// The name errors and logs use (`composed`, or the paper's method built on it).
    public let name: String
    /// The target images selected so far in the current epoch (the latest label of each).
    public private(set) var pseudoLabels: PseudoLabels?
    /// This epoch's per-class confidence thresholds (class-balanced selection), or `nil`.
    public private(set) var classThresholds: [Float]?
    /// The target-label diagnostic (``TargetLabelDiagnostic``); `nil` in every real run.
    public var diagnosticTargetLabels: ((Int) -> Int)?
    public var usesTargetPseudoLabels: Bool { adaptsToTarget && needsPseudoLabels }

    public var bitCount: Int { model.hash.bitCount }
    public var binarization: Binarization { model.hash.binarization }
    public var adaptsToTarget: Bool { configuration.adaptsToTarget }
    public var trainsOnLabelSets: Bool { losses.allSatisfy { $0.loss.acceptsLabelSets } }
    /// Whether any adapter reads pseudo-labels.
    public var needsPseudoLabels: Bool { adapters.contains { $0.adapter.needsPseudoLabels } }

    /// Builds the composition's parts in order — backbone, hash layer, losses, adapters — from
    /// one generator seeded by the context, so the same seed gives the same network.
    public init(configuration: CompositionConfiguration, context: MethodContext, components: ComponentRegistry, name: String = "composed") throws {
        try configuration.validate()
        try context.validate(method: name)
        self.configuration = configuration
        self.name = name
        var generator = SeededGenerator(seed: context.seed)
        let backbone = try context.makeBackbone(generator: &generator)
        var componentContext = ComponentContext(
            bitCount: context.bitCount, classCount: context.classCount, featureCount: backbone.featureCount,
            labelEmbeddings: context.labelEmbeddings)
        let hash = try components.hashLayers.registration(named: configuration.hashLayer.name).make(
            configuration: configuration.hashLayer.settingsData, context: componentContext, generator: &generator)
        precondition(hash.bitCount == context.bitCount, "\(configuration.hashLayer.name): built \(hash.bitCount) bits, not \(context.bitCount)")
        var losses: [(ComponentSpecification, any HashingLoss)] = []
        for specification in configuration.losses {
            let loss = try components.losses.registration(named: specification.name).make(
                configuration: specification.settingsData, context: componentContext, generator: &generator)
            losses.append((specification, loss))
            componentContext.losses.append(loss)
        }
        var adapters: [(ComponentSpecification, any DomainAdapter)] = []
        for specification in configuration.adapters {
            let adapter = try components.adapters.registration(named: specification.name).make(
                configuration: specification.settingsData, context: componentContext, generator: &generator)
            adapters.append((specification, adapter))
        }
        self.losses = losses
        self.adapters = adapters
        let classifying = losses.first { $0.1.classifies }?.1
        classifyingLoss = classifying
        if adapters.contains(where: { $0.1.needsPseudoLabels }) && classifying == nil {
            throw RegistryError.invalidConfiguration(
                method: name,
                reason: "an adapter reads target pseudo-labels, and no loss classifies: add classification, classwise or prototype")
        }
        model = ComposedNetwork(
            backbone: backbone, hash: hash,
            losses: NamedModules(Self.uniquelyNamed(losses.compactMap { spec, loss in loss.module.map { (spec.name, $0) } })),
            adapters: NamedModules(Self.uniquelyNamed(adapters.compactMap { spec, adapter in adapter.module.map { (spec.name, $0) } })),
            scores: classifying.map { loss in { loss.classScores(codes: $0) } })
        let groups = losses.flatMap { $0.1.parameterGroups } + adapters.flatMap { $0.1.parameterGroups }
        let grouped = Set(groups.flatMap { $0.parameters.map(ObjectIdentifier.init) })
        let shared = model.trainableParameters().filter { !grouped.contains(ObjectIdentifier($0)) }
        optimizers = [configuration.sgd("network", shared)] + groups.map { configuration.sgd($0.name, $0.parameters, learningRate: $0.learningRate) }
        let names = optimizers.map(\.name)
        if Set(names).count != names.count {
            throw RegistryError.invalidConfiguration(
                method: name, reason: "two parts ask for an optimizer of the same name (\(names.joined(separator: ", ")))")
        }
    }

    /// Names made distinct by a suffix (`quantization`, `quantization-2`).
    static func uniquelyNamed(_ entries: [(String, Module)]) -> [(name: String, module: Module)] {
        var counts: [String: Int] = [:]
        return entries.map { name, module in
            counts[name, default: 0] += 1
            return (counts[name]! == 1 ? name : "\(name)-\(counts[name]!)", module)
        }
    }

    public func prepareEpoch(_ progress: TrainingProgress, data: EpochData) throws {
        for (_, loss) in losses { try loss.prepareEpoch(progress, data: data) }
        for (_, adapter) in adapters { try adapter.prepareEpoch(progress, data: data) }
        pseudoLabels = adaptsToTarget && needsPseudoLabels ? PseudoLabels(threshold: configuration.pseudoLabelThreshold) : nil
        classThresholds = nil
        let shares = configuration.pseudoLabelClassShare
        if pseudoLabels != nil, !shares.isEmpty, progress.epochsCompleted >= configuration.pseudoLabelWarmupEpochs {
            classThresholds = try PseudoLabels.classThresholds(shares: shares, progress: progress, data: data, method: name)
        }
    }

    /// One domain's features, codes and (for pseudo-labels) detached class scores.
    func forward(_ batch: DomainBatch, labels: BatchLabels?) -> StepOutputs {
        let features = model.backbone.features(batch.images, domain: batch.domain)
        return StepOutputs(features: features, codes: model.hash(features), labels: labels, indices: batch.indices, domain: batch.domain)
    }

    /// The objective's terms for one step, and the step's pseudo-label selection.
    public func lossTerms(_ batch: TrainingBatch, progress: TrainingProgress) throws -> (terms: [LossTerm], selection: PseudoLabels?) {
        guard let labels = batch.source.batchLabels else { throw TrainingError.invalidData("\(name) needs labelled source images") }
        let source = forward(batch.source, labels: labels)
        var target: StepOutputs?
        var selection: PseudoLabels?
        if adaptsToTarget {
            guard let targetBatch = batch.target else {
                throw TrainingError.invalidData("\(name) adapts to a target domain: train it on a domain pair (hashing datasets lists them)")
            }
            var outputs = forward(targetBatch, labels: nil)
            if needsPseudoLabels, let classifyingLoss {
                let codes = outputs.codes.detached()
                let logits = withoutGradient { classifyingLoss.classScores(codes: codes)! }
                let selected =
                    diagnosticTargetLabels.map {
                        PseudoLabels.given(indices: targetBatch.indices, threshold: configuration.pseudoLabelThreshold, label: $0)
                    }
                    ?? (progress.epochsCompleted < configuration.pseudoLabelWarmupEpochs
                        ? PseudoLabels.unselected(indices: targetBatch.indices, threshold: configuration.pseudoLabelThreshold)
                        : PseudoLabels.select(
                            logits: logits, indices: targetBatch.indices, threshold: configuration.pseudoLabelThreshold,
                            classThresholds: classThresholds))
                outputs.pseudoLabels = selected.labels(of: targetBatch.indices)
                selection = selected
            }
            target = outputs
        }
        var terms: [LossTerm] = []
        for (specification, loss) in losses {
            terms += try loss.terms(source, weight: specification.weight(at: progress), progress: progress)
        }
        if let target, configuration.codeTermsOnTarget {
            for (specification, loss) in losses where !loss.needsLabels {
                terms += try loss.terms(target, weight: specification.weight(at: progress), progress: progress).map {
                    LossTerm("target-\($0.name)", $0.value)
                }
            }
        }
        for (specification, adapter) in adapters {
            terms += try adapter.terms(source: source, target: target, weight: specification.weight(at: progress), progress: progress)
        }
        return (terms, selection)
    }

    public func trainingStep(_ batch: TrainingBatch, progress: TrainingProgress) throws -> LossValues {
        var selection: PseudoLabels?
        let values = try optimizeJointly(progress: progress) {
            let step = try lossTerms(batch, progress: progress)
            selection = step.selection
            return step.terms
        }
        if let selection {
            if pseudoLabels == nil { pseudoLabels = PseudoLabels(threshold: configuration.pseudoLabelThreshold) }
            pseudoLabels?.merge(selection)
        }
        return values
    }

    /// The registry entry `composed`, building its parts from `components`.
    public static func registration(components: ComponentRegistry) -> MethodRegistration {
        MethodRegistration(
            name: "composed",
            summary:
                "any hash layer + losses + domain adapters by name (hashing components lists them) [with an adapter: adapts, needs a domain pair]",
            configuration: CompositionConfiguration.self,
            requirements: { configuration in
                // Unknown part names fail here, before any data is read.
                _ = try components.hashLayers.registration(named: configuration.hashLayer.name)
                for loss in configuration.losses { _ = try components.losses.registration(named: loss.name) }
                for adapter in configuration.adapters { _ = try components.adapters.registration(named: adapter.name) }
                return MethodRequirements(
                    adaptsToTarget: configuration.adaptsToTarget, domainSpecificBatchNorm: configuration.domainSpecificBatchNorm)
            }
        ) { configuration, context in
            try ComposedMethod(configuration: configuration, context: context, components: components)
        }
    }
}

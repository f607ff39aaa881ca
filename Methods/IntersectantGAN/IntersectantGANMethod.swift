import HashingCore
import NeuralNet
import Optimizers
import TensorCore

/// The configuration of ``IntersectantGANMethod``; see Methods/IntersectantGAN/README.md. The
/// paper gives none of these values but d = 64 and the batch size (10 × classes).
public struct IntersectantGANConfiguration: MethodConfiguration, Equatable {
    /// T: a target image gets a pseudo-label when its largest class probability exceeds T (eq. 4).
    public var pseudoLabelThreshold: Float = 0.95
    /// ε: weight of the cross-entropy on pseudo-labelled target images in `L_c` (eq. 5).
    public var targetClassificationWeight: Float = 0.5
    /// α: weight of `L_h` (eq. 11; eq. 12 swaps the names α and β).
    public var hashWeight: Float = 1
    /// v: weight of the relaxation term inside `L_h`.
    public var quantizationWeight: Float = 0.1
    /// β: weight of the semantic-centroid alignment `L_s`.
    public var centroidWeight: Float = 1
    /// Weight of the adversarial loss `L_a` (1 in eq. 11).
    public var adversarialWeight: Float = 1
    /// χ: weight of the L1 reconstruction loss `L_1`.
    public var reconstructionWeight: Float = 1
    /// The switches of the ablation (the paper's order: L_c, +L_s, +L_h, +L_a, +L_1). A switched-off
    /// term is not computed; with both `L_a` and `L_1` off the generators and discriminators are
    /// never run.
    public var useCentroidAlignment = true
    public var useHashLoss = true
    public var useAdversarial = true
    public var useReconstruction = true
    /// Also train the classifier on confident target images (the ε term of `L_c`).
    public var useTargetClassification = true
    public var generator: GeneratorArchitecture = .automatic
    /// w: channels of the generators' last hidden layer (the others are 2w and 4w).
    public var generatorWidth: Int = 32
    /// Adam for every network, as DupGAN: learning rate 2e-4, β = (0.5, 0.999).
    public var encoderLearningRate: Float = 2e-4
    public var generatorLearningRate: Float = 2e-4
    public var discriminatorLearningRate: Float = 2e-4
    public var beta1: Float = 0.5
    public var beta2: Float = 0.999
    /// Epochs of pre-training the encoder and classifier on the source (`L_c` on the source only),
    /// at `encoderLearningRate × pretrainLearningRateFactor` (DupGAN pre-trains at 1e-3).
    public var pretrainEpochs: Int = 2
    public var pretrainLearningRateFactor: Float = 5
    /// The adversarial epochs are split into this many stages; each starts from the previous
    /// stage's encoder with fresh generators, discriminators and optimizer states (the paper's
    /// staged training for digits).
    public var stages: Int = 1

    // Issue 30's changes to what the target's pseudo-labels drive; each is off by default (the
    // paper's method as first implemented), and Methods/IntersectantGAN/README.md gives what each
    // measured.
    /// No target pseudo-label during the first this many epochs of the run (pre-training counts).
    public var pseudoLabelWarmupEpochs: Double = 0
    /// Class-balanced selection: per predicted class, the most confident share of the target
    /// (`[k]`, or `[k0, k1]` ramped over the run), as well as above T; from a pass over the target
    /// before each epoch.
    public var pseudoLabelClassShare: [Double] = []
    /// DupGAN's agreement check: keep `ŷ = argmax C(uᵗ)` only where the classifier gives the same
    /// class to the image translated to the source domain, `argmax C(E(Gˢ(uᵗ)))` (the encoder in
    /// evaluation mode, no gradient). Needs the generators.
    public var agreementCheck = false
    /// ε and β, the weights of the terms that read pseudo-labels, grow from 0 over this many
    /// epochs of the run (0: full weight from the start)…
    public var adaptationRampEpochs: Double = 0
    /// …linearly or along DANN's `2/(1 + e^(−10p)) − 1`.
    public var adaptationRamp: RampShape = .linear
    /// `L_s` as the paper's sum over classes and bits, or as a mean.
    public var centroidReduction: CentroidReduction = .sum
    /// The pseudo-labelled target terms (ε's cross-entropy, the generators' Dˢ term, Dᵗ's real
    /// term) averaged over the selected rows, or over the batch.
    public var pseudoLabelMean: PartialLabelMean = .selected
    /// Dᵗ also learns that real target images without a pseudo-label are real (of some class).
    public var unlabelledTargetsAreReal = false

    public init() {}

    public func validate() throws {
        let name = "intersectant-gan"
        try require(
            method: name, pseudoLabelThreshold >= 0 && pseudoLabelThreshold < 1, "pseudoLabelThreshold must be in [0, 1), got \(pseudoLabelThreshold)"
        )
        let weights: [(String, Float)] = [
            ("targetClassificationWeight", targetClassificationWeight), ("hashWeight", hashWeight), ("quantizationWeight", quantizationWeight),
            ("centroidWeight", centroidWeight), ("adversarialWeight", adversarialWeight), ("reconstructionWeight", reconstructionWeight),
        ]
        for (field, value) in weights { try require(method: name, value >= 0 && value.isFinite, "\(field) must be ≥ 0, got \(value)") }
        let rates: [(String, Float)] = [
            ("encoderLearningRate", encoderLearningRate), ("generatorLearningRate", generatorLearningRate),
            ("discriminatorLearningRate", discriminatorLearningRate),
        ]
        for (field, value) in rates { try require(method: name, value > 0 && value < 1, "\(field) must be in (0, 1), got \(value)") }
        try require(method: name, (0..<1).contains(beta1) && (0..<1).contains(beta2), "beta1 and beta2 must be in [0, 1), got \(beta1), \(beta2)")
        try require(method: name, generatorWidth >= 1 && generatorWidth <= 1024, "generatorWidth must be in 1…1024, got \(generatorWidth)")
        try require(method: name, pretrainEpochs >= 0, "pretrainEpochs must be ≥ 0, got \(pretrainEpochs)")
        try require(method: name, pretrainLearningRateFactor > 0, "pretrainLearningRateFactor must be positive, got \(pretrainLearningRateFactor)")
        try require(method: name, stages >= 1, "stages must be ≥ 1, got \(stages)")
        try require(method: name, pseudoLabelWarmupEpochs >= 0, "pseudoLabelWarmupEpochs must be ≥ 0, got \(pseudoLabelWarmupEpochs)")
        try require(method: name, adaptationRampEpochs >= 0, "adaptationRampEpochs must be ≥ 0, got \(adaptationRampEpochs)")
        try PseudoLabels.validateClassShares(pseudoLabelClassShare, method: name)
        try require(
            method: name, !agreementCheck || usesGenerators, "agreementCheck needs the generators: switch useAdversarial or useReconstruction on")
    }

    /// Whether the generators run at all (they feed `L_a` and `L_1`).
    var usesGenerators: Bool { useAdversarial || useReconstruction }

    /// Whether any term reads target images. Without one (every target term switched off) the
    /// step encodes the source batch alone and the run is the source-only baseline: `L_c` and
    /// `L_h` on labelled source images.
    public var readsTarget: Bool {
        usesGenerators || useCentroidAlignment || (useTargetClassification && targetClassificationWeight > 0)
    }
}

/// Intersectant-GAN (He, Li, Gao, Zhang, Song, IJCAI 2019): a shared encoder whose common space
/// `u` is the code, two generators that each produce images of their own domain from `u` of
/// *both* domains, and two discriminators with N + 1 outputs.
///
/// A step (eq. 12–14) is two updates:
/// 1. the encoder (with the classifier) and the generators on
///    `L_c + w_a·L_a(generator side) + α·L_h + β·L_s + χ·L_1`; the generators' gradient is that of
///    `w_a·L_a + χ·L_1` alone, the only terms that depend on them, and the discriminators stay fixed;
/// 2. the discriminators on `w_a·L_a(discriminator side)`: real images as their (pseudo-)class,
///    the cross-generated images `x̃ˢᵗ = Gᵗ(uˢ)`, `x̃ᵗˢ = Gˢ(uᵗ)` of step 1 as fake.
///
/// Target pseudo-labels (eq. 4) come from the same forward pass: `argmax C(uᵗ)` when its
/// probability exceeds T. The training stages are a source pre-training of the encoder and
/// classifier, then ``IntersectantGANConfiguration/stages`` adversarial stages.
public final class IntersectantGANMethod: HashingNetworkMethod, ImageGeneratingMethod, TargetLabelDiagnostic {
    public let configuration: IntersectantGANConfiguration
    public let model: IntersectantGANNetwork
    public let optimizers: [MethodOptimizer]
    public var bitCount: Int { model.hash.bitCount }
    public var binarization: Binarization { .nonNegative }
    public var adaptsToTarget: Bool { true }
    /// The target images selected so far in the current epoch (the latest label of each).
    public private(set) var pseudoLabels: PseudoLabels?
    /// This epoch's per-class confidence thresholds (class-balanced selection), or `nil`.
    public private(set) var classThresholds: [Float]?
    /// The target-label diagnostic (``TargetLabelDiagnostic``); `nil` in every real run.
    public var diagnosticTargetLabels: ((Int) -> Int)?
    public var usesTargetPseudoLabels: Bool { configuration.readsTarget }
    /// `L_1` and `L_a` compare the generators' sigmoid outputs with the input images.
    public var comparesGeneratedWithInputs: Bool { configuration.usesGenerators }

    public static let encoderOptimizer = "encoder"
    public static let generatorOptimizer = "generators"
    public static let discriminatorOptimizer = "discriminators"

    public init(configuration: IntersectantGANConfiguration, context: MethodContext) throws {
        try configuration.validate()
        try context.validate(method: "intersectant-gan")
        self.configuration = configuration
        model = try IntersectantGANNetwork(context: context, architecture: configuration.generator, generatorWidth: configuration.generatorWidth)
        func adam(_ name: String, _ parameters: [Parameter], _ rate: Float) -> MethodOptimizer {
            MethodOptimizer(name: name, optimizer: Adam(parameters, learningRate: rate, beta1: configuration.beta1, beta2: configuration.beta2))
        }
        optimizers = [
            adam(Self.encoderOptimizer, model.encoderParameters, configuration.encoderLearningRate),
            adam(Self.generatorOptimizer, model.generatorParameters, configuration.generatorLearningRate),
            adam(Self.discriminatorOptimizer, model.discriminatorParameters, configuration.discriminatorLearningRate),
        ]
    }

    /// Pre-training, then the adversarial stages, over `epochs` epochs (pre-training is shortened
    /// to leave at least one adversarial epoch).
    public func trainingStages(epochs: Int) -> [TrainingStage] {
        let pretrain = min(configuration.pretrainEpochs, max(epochs - 1, 0))
        let remaining = epochs - pretrain
        var stages: [TrainingStage] = []
        if pretrain > 0 {
            stages.append(
                TrainingStage(
                    name: "pretrain", epochs: pretrain, optimizers: [Self.encoderOptimizer],
                    schedule: MilestoneSchedule(milestones: [0], gamma: configuration.pretrainLearningRateFactor)))
        }
        let count = min(configuration.stages, remaining)
        for stage in 0..<count {
            let length = remaining / count + (stage < remaining % count ? 1 : 0)
            stages.append(
                TrainingStage(
                    name: "adversarial-\(stage + 1)", epochs: length,
                    reinitialize: configuration.usesGenerators ? IntersectantGANNetwork.adversarialParts : [],
                    resetOptimizers: optimizers.map(\.name)))
        }
        return stages
    }

    public func prepareEpoch(_ progress: TrainingProgress, data: EpochData) throws {
        // The source-only baseline selects no pseudo-labels (the log shows none rather than 0 %).
        pseudoLabels = configuration.readsTarget ? PseudoLabels(threshold: configuration.pseudoLabelThreshold) : nil
        classThresholds = nil
        let shares = configuration.pseudoLabelClassShare
        if configuration.readsTarget, !shares.isEmpty, progress.epochsCompleted >= configuration.pseudoLabelWarmupEpochs, !isPretraining(progress) {
            classThresholds = try PseudoLabels.classThresholds(shares: shares, progress: progress, data: data, method: "intersectant-gan")
        }
    }

    /// Whether this step is source pre-training: only the encoder steps.
    func isPretraining(_ progress: TrainingProgress) -> Bool {
        !progress.steps(Self.generatorOptimizer) && !progress.steps(Self.discriminatorOptimizer)
    }

    public func trainingStep(_ batch: TrainingBatch, progress: TrainingProgress) throws -> LossValues {
        guard let labels = batch.source.labels else { throw TrainingError.invalidData("intersectant-gan needs labelled source images") }
        if isPretraining(progress) {
            return try optimizeTogether([optimizers[0]], progress: progress) {
                let output = model(batch.source.images, domain: .source)
                return [LossTerm("classification", crossEntropy(logits: output.logits!, labels: labels))]
            }
        }
        if !configuration.readsTarget {
            return try optimizeTogether([optimizers[0]], progress: progress) {
                sourceOnlyTerms(source: batch.source, labels: labels)
            }
        }
        guard let target = batch.target else {
            throw TrainingError.invalidData("intersectant-gan adapts to a target domain: train it on a domain pair (hashing datasets lists them)")
        }
        var forward: StepForward?
        let updated = configuration.usesGenerators ? Array(optimizers[0...1]) : [optimizers[0]]
        let values = try optimizeTogether(updated, progress: progress) {
            let step = encoderAndGeneratorTerms(source: batch.source, labels: labels, target: target, progress: progress)
            forward = step.forward
            return step.terms
        }
        guard let forward else { return values }
        let targetLabels = forward.selection.labels(of: target.indices)
        if pseudoLabels == nil { pseudoLabels = PseudoLabels(threshold: configuration.pseudoLabelThreshold) }
        pseudoLabels?.merge(forward.selection)
        var discriminatorValues: LossValues = []
        if configuration.useAdversarial, let images = forward.images {
            discriminatorValues = try optimize(optimizers[2], progress: progress) {
                discriminatorTerms(images: images, sourceLabels: labels, targetLabels: targetLabels)
            }
        }
        return values + discriminatorValues
    }

    /// What the first update computed that the second reuses.
    struct StepForward {
        var selection: PseudoLabels
        var images: GeneratedImages?
    }

    /// The source-only baseline's terms: `L_c` on the source and, when switched on, `L_h` on source
    /// codes (pairs and quantization).
    func sourceOnlyTerms(source: DomainBatch, labels: [Int]) -> [LossTerm] {
        let codes = model.codes(source.images)
        var terms = [LossTerm("classification", crossEntropy(logits: model.classifier(codes), labels: labels))]
        if configuration.useHashLoss { terms += hashTerms(sourceCodes: codes, labels: labels, allCodes: codes) }
        return terms
    }

    /// `α·L_h`: the pairwise term on source codes and the relaxation term on `allCodes`.
    func hashTerms(sourceCodes: Tensor, labels: [Int], allCodes: Tensor) -> [LossTerm] {
        let c = configuration
        var terms = [LossTerm("hash-pairs", pairwiseHashLoss(codes: sourceCodes, labels: labels) * c.hashWeight)]
        if c.quantizationWeight > 0 {
            // v · ½ · mean (u − sgn u)².
            terms.append(
                LossTerm("hash-quantization", quantizationLoss(allCodes, normalization: .perBit) * (0.5 * c.hashWeight * c.quantizationWeight)))
        }
        return terms
    }

    /// The terms of update 1 (encoder and generators), with the step's pseudo-labels and images.
    func encoderAndGeneratorTerms(
        source: DomainBatch, labels: [Int], target: DomainBatch, progress: TrainingProgress
    ) -> (terms: [LossTerm], forward: StepForward) {
        let c = configuration
        // One encoder pass over both domains (the encoder is shared).
        let codes = model.codes(Tensor.concatenate([source.images, target.images], axis: 0))
        let (sourceCodes, targetCodes) = Self.split(codes, at: source.count)
        let (sourceLogits, targetLogits) = Self.split(model.classifier(codes), at: source.count)
        // Gˢ on [uˢ; uᵗ] → [x̃ˢ; x̃ᵗˢ], Gᵗ on [uᵗ; uˢ] → [x̃ᵗ; x̃ˢᵗ]. The agreement check needs x̃ᵗˢ
        // before the selection; otherwise the generators run after the encoder's terms, as before
        // (the same order of operations, so the same bits).
        func generate() -> (sourceReconstruction: Tensor, targetToSource: Tensor, targetReconstruction: Tensor, sourceToTarget: Tensor) {
            let (sourceReconstruction, targetToSource) = Self.split(model.sourceGenerator(codes), at: source.count)
            let (targetReconstruction, sourceToTarget) = Self.split(
                model.targetGenerator(Tensor.concatenate([targetCodes, sourceCodes], axis: 0)), at: target.count)
            return (sourceReconstruction, targetToSource, targetReconstruction, sourceToTarget)
        }
        let early = c.agreementCheck ? generate() : nil
        let selection = selectPseudoLabels(targetLogits: targetLogits, target: target, translated: early?.targetToSource, progress: progress)
        let pseudo = selection.labels(of: target.indices)
        let ramp = c.adaptationRamp.factor(at: progress, over: c.adaptationRampEpochs)

        var terms = [LossTerm("classification", crossEntropy(logits: sourceLogits, labels: labels))]
        if c.useTargetClassification && c.targetClassificationWeight > 0 {
            let targetCE = partialCrossEntropy(logits: targetLogits, labels: pseudo, mean: c.pseudoLabelMean)
            terms.append(LossTerm("target-classification", targetCE * (c.targetClassificationWeight * ramp)))
        }
        if c.useHashLoss { terms += hashTerms(sourceCodes: sourceCodes, labels: labels, allCodes: codes) }  // relaxation on both domains
        if c.useCentroidAlignment {
            let alignment = classCentroidAlignment(
                source: sourceCodes, sourceLabels: labels, target: targetCodes, targetLabels: pseudo, reduction: c.centroidReduction)
            terms.append(LossTerm("centroid-alignment", alignment * (c.centroidWeight * ramp)))
        }
        guard c.usesGenerators else { return (terms, StepForward(selection: selection, images: nil)) }

        let (sourceReconstruction, targetToSource, targetReconstruction, sourceToTarget) = early ?? generate()
        let images = GeneratedImages(
            source: source.images, target: target.images, sourceReconstruction: sourceReconstruction, sourceToTarget: sourceToTarget,
            targetReconstruction: targetReconstruction, targetToSource: targetToSource)
        if c.useReconstruction {
            let l1 = l1Loss(images.sourceReconstruction, source.images) + l1Loss(images.targetReconstruction, target.images)
            terms.append(LossTerm("reconstruction", l1 * c.reconstructionWeight))
        }
        if c.useAdversarial {
            // The generator side asks Dᵗ(x̃ˢᵗ) for the source label and Dˢ(x̃ᵗˢ) for the pseudo-label.
            let fooling =
                crossEntropy(logits: model.targetDiscriminator(images.sourceToTarget), labels: labels)
                + partialCrossEntropy(logits: model.sourceDiscriminator(images.targetToSource), labels: pseudo, mean: c.pseudoLabelMean)
            terms.append(LossTerm("adversarial-generators", fooling * c.adversarialWeight))
        }
        return (terms, StepForward(selection: selection, images: images.detached()))
    }

    /// The step's target pseudo-labels (eq. 4): `argmax C(uᵗ)` where its probability exceeds T,
    /// none during the warm-up, per-class thresholds when class-balanced, and, with the agreement
    /// check, only where `C(E(x̃ᵗˢ))` agrees.
    func selectPseudoLabels(targetLogits: Tensor, target: DomainBatch, translated: Tensor?, progress: TrainingProgress) -> PseudoLabels {
        let c = configuration
        if let diagnosticTargetLabels {
            return PseudoLabels.given(indices: target.indices, threshold: c.pseudoLabelThreshold, label: diagnosticTargetLabels)
        }
        guard progress.epochsCompleted >= c.pseudoLabelWarmupEpochs else {
            return PseudoLabels.unselected(indices: target.indices, threshold: c.pseudoLabelThreshold)
        }
        let selection = PseudoLabels.select(
            logits: targetLogits.detached(), indices: target.indices, threshold: c.pseudoLabelThreshold, classThresholds: classThresholds)
        guard let translated else { return selection }
        let agreeing = withoutGradient { () -> [Int] in
            model.encoder.train(false)
            defer { model.encoder.train(true) }
            return model.classifier(model.codes(translated.detached())).argmax(alongAxis: 1)
        }
        let row = Dictionary(uniqueKeysWithValues: target.indices.enumerated().map { ($1, $0) })
        return selection.keeping { index, label in agreeing[row[index]!] == label }
    }

    /// The pictures: source images, Gˢ(uˢ), Gᵗ(uˢ), then target images, Gᵗ(uᵗ), Gˢ(uᵗ). Empty when
    /// neither `L_a` nor `L_1` is on (the generators are never trained).
    public func pictureRows(source: Tensor, target: Tensor) -> [PictureRow] {
        guard configuration.usesGenerators else { return [] }
        let sourceCodes = model.codes(source)
        let targetCodes = model.codes(target)
        return [
            PictureRow(name: "source", images: source),
            PictureRow(name: "Gs(us) reconstruction", images: model.sourceGenerator(sourceCodes).detached()),
            PictureRow(name: "Gt(us) source to target", images: model.targetGenerator(sourceCodes).detached()),
            PictureRow(name: "target", images: target),
            PictureRow(name: "Gt(ut) reconstruction", images: model.targetGenerator(targetCodes).detached()),
            PictureRow(name: "Gs(ut) target to source", images: model.sourceGenerator(targetCodes).detached()),
        ]
    }

    /// The first `count` rows of `tensor` and the rest.
    static func split(_ tensor: Tensor, at count: Int) -> (Tensor, Tensor) {
        (tensor.slice(axis: 0, range: 0..<count), tensor.slice(axis: 0, range: count..<tensor.shape[0]))
    }

    /// The terms of update 2 (discriminators) on the images of update 1.
    func discriminatorTerms(images: GeneratedImages, sourceLabels: [Int], targetLabels: [Int?]) -> [LossTerm] {
        let source = discriminatorLosses(
            realLogits: model.sourceDiscriminator(images.source), realLabels: sourceLabels.map(Optional.some),
            fakeLogits: model.sourceDiscriminator(images.targetToSource))
        let target = discriminatorLosses(
            realLogits: model.targetDiscriminator(images.target), realLabels: targetLabels,
            fakeLogits: model.targetDiscriminator(images.sourceToTarget), mean: configuration.pseudoLabelMean,
            unlabelledAreReal: configuration.unlabelledTargetsAreReal)
        let weight = configuration.adversarialWeight
        return [
            LossTerm("discriminator-real", (source.real + target.real) * weight),
            LossTerm("discriminator-fake", (source.fake + target.fake) * weight),
        ]
    }

    /// The registry entry: `intersectant-gan`.
    public static let registration = MethodRegistration(
        name: "intersectant-gan",
        summary: "Intersectant-GAN (He et al., IJCAI 2019): shared encoder, two cross-domain generators, two N+1 discriminators",
        adaptsToTarget: true,
        configuration: IntersectantGANConfiguration.self
    ) { configuration, context in
        try IntersectantGANMethod(configuration: configuration, context: context)
    }
}

/// The real, reconstructed and translated images of one step (what the pictures show).
///
/// **Shape**: every field `[N, C, H, W]`, source-sized or target-sized rows.
public struct GeneratedImages {
    public var source: Tensor
    public var target: Tensor
    /// `x̃ˢ = Gˢ(uˢ)` and `x̃ˢᵗ = Gᵗ(uˢ)`.
    public var sourceReconstruction: Tensor
    public var sourceToTarget: Tensor
    /// `x̃ᵗ = Gᵗ(uᵗ)` and `x̃ᵗˢ = Gˢ(uᵗ)`.
    public var targetReconstruction: Tensor
    public var targetToSource: Tensor

    func detached() -> GeneratedImages {
        GeneratedImages(
            source: source.detached(), target: target.detached(), sourceReconstruction: sourceReconstruction.detached(),
            sourceToTarget: sourceToTarget.detached(), targetReconstruction: targetReconstruction.detached(),
            targetToSource: targetToSource.detached())
    }
}

import Foundation
import HashingCore
import NeuralNet
import TensorCore
import TestSupport
import Testing

/// A small backbone for testing compositions without the Backbones target: flatten → linear → ReLU,
/// with batch norm per domain.
final class TinyBackbone: Module, Backbone {
    let linear: Linear
    let norm: DomainSpecificBatchNorm
    let inputShape: [Int]
    var featureCount: Int { linear.outputFeatures }

    init(inputShape: [Int], domainCount: Int, generator: inout SeededGenerator) {
        self.inputShape = inputShape
        linear = Linear(inputFeatures: inputShape.reduce(1, *), outputFeatures: 12, generator: &generator)
        norm = DomainSpecificBatchNorm(featureCount: 12, expectedRank: 2, domainCount: domainCount)
    }

    func features(_ images: Tensor, domain: Domain) -> Tensor {
        norm(linear(images.reshaped([images.shape[0], -1])), domain: domain).relu()
    }

    static let registration = BackboneRegistration(name: "tiny", summary: "test backbone") { shape, domains, generator in
        TinyBackbone(inputShape: shape, domainCount: domains, generator: &generator)
    }
}

func compositionContext(bits: Int = 8, domains: Int = 1, seed: UInt64 = 3) -> MethodContext {
    MethodContext(
        bitCount: bits, classCount: 3, inputShape: [1, 16, 16], backbone: TinyBackbone.registration, domainCount: domains, seed: seed,
        labelEmbeddings: randomTensor([3, 5], seed: 9))
}

func composition(_ json: String) throws -> CompositionConfiguration {
    try JSONDecoder().decode(CompositionConfiguration.self, from: Data(json.utf8))
}

func composed(_ json: String, bits: Int = 8, domains: Int = 1) throws -> any HashingMethod {
    try ComposedMethod.registration(components: StandardComponents.registry()).make(
        configuration: Data(json.utf8), context: compositionContext(bits: bits, domains: domains))
}

@Suite("Components and compositions")
struct CompositionTests {
    @Test func everyComponentIsRegisteredWithAKebabCaseNameASummaryAndDefaultsThatBuild() throws {
        let registry = StandardComponents.registry()
        #expect(registry.hashLayers.names == ["sigmoid", "tanh", "identity"])
        #expect(
            registry.losses.names == [
                "classification", "binarization", "balance", "classwise", "center-similarity", "quantization", "bounded-output", "prototype",
                "pairwise",
            ])
        #expect(registry.adapters.names == ["dann", "coral", "mmd", "center", "centroid-alignment", "information-maximization"])
        let kebab = { (name: String) in name.allSatisfy { $0.isLowercase || $0 == "-" } }
        var generator = SeededGenerator(seed: 1)
        let classwise = try registry.losses.registration(named: "classwise").make(
            context: ComponentContext(bitCount: 4, classCount: 3, featureCount: 6), generator: &generator)
        let context = ComponentContext(bitCount: 4, classCount: 3, featureCount: 6, losses: [classwise])
        for entry in registry.hashLayers.entries {
            #expect(kebab(entry.name) && !entry.summary.isEmpty && entry.defaultConfigurationJSON().hasPrefix("{"))
            #expect(try entry.make(context: context, generator: &generator).bitCount == 4)
        }
        for entry in registry.losses.entries {
            #expect(kebab(entry.name) && !entry.summary.isEmpty && entry.defaultConfigurationJSON().hasPrefix("{"))
            _ = try entry.make(context: context, generator: &generator)
        }
        for entry in registry.adapters.entries {
            #expect(kebab(entry.name) && !entry.summary.isEmpty && entry.defaultConfigurationJSON().hasPrefix("{"))
            _ = try entry.make(context: context, generator: &generator)
        }
    }

    @Test func codeTermsMatchHandComputedValuesAndFiniteDifferences() {
        let codes = Tensor(shape: [2, 3], scalars: [0.9, 0.2, 0.4, -1.5, 0.6, 1.2])
        // bounded: relu(|h| − 1.1) summed over bits, mean over images: (0.4 + 0.1) / 2.
        expectClose(boundedOutputLoss(codes, bound: 1.1).item, 0.25)
        // binarization spread: mean (a − 0.5)²; balance: mean over images of (mean_k a − 0.5)².
        expectClose(binarizationSpread(codes).item, (0.16 + 0.09 + 0.01 + 4 + 0.01 + 0.49) / 6)
        // Row means 0.5 and 0.1: (0² + 0.4²) / 2.
        expectClose(bitBalanceLoss(codes).item, 0.08, atol: 1e-6)
        let inside = randomTensor([4, 5], seed: 21, low: 0.05, high: 0.95)
        checkGradients(at: [inside], "binarization") { binarizationSpread($0[0]) }
        checkGradients(at: [inside], "balance") { bitBalanceLoss($0[0]) }
        let spread = randomTensor([4, 5], seed: 22, low: 1.2, high: 2) * Tensor(shape: [5], scalars: [1, -1, 1, -1, 0.2])
        checkGradients(at: [spread], step: 1e-3, "bounded") { boundedOutputLoss($0[0], bound: 1.1) }
        let awayFromZero = randomTensor([4, 5], seed: 23, low: 0.1, high: 0.9) * Tensor(shape: [5], scalars: [1, -1, 1, -1, 1])
        checkGradients(at: [awayFromZero], step: 1e-3, "per-image quantization") { quantizationLoss($0[0], normalization: .perImage) }
    }

    @Test func hashLayersOwnTheirBinarization() throws {
        let registry = StandardComponents.registry()
        var generator = SeededGenerator(seed: 1)
        let context = ComponentContext(bitCount: 4, classCount: 3, featureCount: 6)
        let sigmoid = try registry.hashLayers.registration(named: "sigmoid").make(context: context, generator: &generator)
        let tanh = try registry.hashLayers.registration(named: "tanh").make(context: context, generator: &generator)
        #expect(sigmoid.binarization == .greaterThanHalf && tanh.binarization == .nonNegative)
        let outputs = Tensor(shape: [1, 4], scalars: [0.2, 0.5, 0.7, 0])
        #expect(sigmoid.binarization.bits(outputs) == [[false, false, true, false]])
        #expect(tanh.binarization.bits(outputs) == [[true, true, true, true]])
        // SSDH's N(0, 0.01²) initialisation, bias 0.
        let normal = try registry.hashLayers.registration(named: "sigmoid").make(
            configuration: Data(#"{"initialization": "normal", "standardDeviation": 0.01}"#.utf8), context: context, generator: &generator)
        let layer = try #require(normal as? LinearHashLayer)
        #expect(layer.linear.bias!.value.scalars.allSatisfy { $0 == 0 } && layer.linear.weight.value.scalars.allSatisfy { abs($0) < 0.06 })
    }

    @Test func badNamesAndKeysGiveOneLineNamingTheChoices() throws {
        let registry = StandardComponents.registry()
        var generator = SeededGenerator(seed: 1)
        let context = ComponentContext(bitCount: 4, classCount: 3, featureCount: 6)
        let unknown = try #require(throws: RegistryError.self) { try registry.losses.registration(named: "classwize") }
        #expect(unknown.description == "unknown loss 'classwize'; available: \(registry.losses.names.joined(separator: ", "))")
        let adapter = try #require(throws: RegistryError.self) { try registry.adapters.registration(named: "dan") }
        #expect(adapter.description.hasPrefix("unknown domain adapter 'dan'; available: dann, coral"))
        let key = try #require(throws: RegistryError.self) {
            try registry.losses.registration(named: "quantization").make(
                configuration: Data(#"{"normalisation": "per-bit"}"#.utf8), context: context, generator: &generator)
        }
        #expect(key.description == "loss 'quantization' has no configuration field 'normalisation'; fields: normalization")
        let value = try #require(throws: RegistryError.self) {
            try registry.losses.registration(named: "classwise").make(
                configuration: Data(#"{"inverseVariance": -1}"#.utf8), context: context, generator: &generator)
        }
        #expect(value.description.contains("inverseVariance") && !value.description.contains("\n"))
        // Center similarity needs the classwise loss's centers.
        let order = try #require(throws: RegistryError.self) {
            try registry.losses.registration(named: "center-similarity").make(context: context, generator: &generator)
        }
        #expect(order.description.contains("classwise"))
        // A composition naming an unknown part fails when built, with the same line.
        let bad = try #require(throws: RegistryError.self) { try composed(#"{"losses": ["classwise", "quantisation"]}"#) }
        #expect(bad.description.hasPrefix("unknown loss 'quantisation'; available: classification"))
        let layer = try #require(throws: RegistryError.self) { try composed(#"{"hashLayer": "relu"}"#) }
        #expect(layer.description == "unknown hash layer 'relu'; available: sigmoid, tanh, identity")
        // An adapter that reads pseudo-labels needs a loss that classifies.
        let unscored = try #require(throws: RegistryError.self) { try composed(#"{"losses": ["pairwise"], "adapters": ["center"]}"#) }
        #expect(unscored.description.contains("no loss classifies"))
    }

    @Test func specificationsParseFromTheCommandLineAndFromJSON() throws {
        let plain = try ComponentSpecification.parse("dann")
        #expect(plain == ComponentSpecification("dann"))
        let weighted = try ComponentSpecification.parse(#"quantization={"weight": 0.01, "normalization": "per-image", "rampEpochs": 2}"#)
        #expect(weighted.name == "quantization" && weighted.weight == 0.01 && weighted.rampEpochs == 2)
        #expect(weighted.settings == #"{"normalization":"per-image"}"#)
        #expect(throws: RegistryError.self) { try ComponentSpecification.parse("quantization={weight}") }
        #expect(throws: RegistryError.self) { try ComponentSpecification.parse(#"quantization={"weight": -1}"#) }
        let ramped = try ComponentSpecification.parse(#"center={"weight": 2, "rampEpochs": 4, "ramp": "sigmoid"}"#)
        #expect(ramped.rampShape == .sigmoid && ramped.settings == "{}")
        let badRamp = try #require(throws: RegistryError.self) { try ComponentSpecification.parse(#"center={"ramp": "cosine"}"#) }
        #expect(badRamp.description.contains("\"linear\", \"sigmoid\""))
        let configuration = try composition(
            #"{"hashLayer": "sigmoid", "losses": ["classification", {"name": "binarization", "rampEpochs": 1}], "adapters": [{"name": "dann", "weight": 0.3, "hiddenWidth": 64}]}"#
        )
        #expect(configuration.losses.map(\.name) == ["classification", "binarization"] && configuration.adapters[0].weight == 0.3)
        #expect(configuration.adapters[0].settings == #"{"hiddenWidth":64}"#)
        #expect(try composition(#"{"adapters": [{"name": "center", "rampEpochs": 2, "ramp": "sigmoid"}]}"#).adapters[0].rampShape == .sigmoid)
        // Round trip.
        let encoded = try JSONEncoder().encode(configuration)
        #expect(try JSONDecoder().decode(CompositionConfiguration.self, from: encoded) == configuration)
    }

    @Test func rampsGrowTheWeightLinearlyOrAlongDANNsSchedule() {
        let linear = ComponentSpecification("center", weight: 2, rampEpochs: 4)
        let sigmoid = ComponentSpecification("center", weight: 2, rampEpochs: 4, rampShape: .sigmoid)
        for (epoch, fraction) in [(0.0, 0.0), (1.0, 0.25), (2.0, 0.5), (4.0, 1.0), (6.0, 1.0)] {
            let progress = testProgress(epoch: epoch, epochs: 8)
            expectClose(linear.weight(at: progress), 2 * Float(fraction))
            // 2/(1 + e^(−10p)) − 1 at p = fraction.
            expectClose(sigmoid.weight(at: progress), 2 * Float(2 / (1 + Foundation.exp(-10 * fraction)) - 1))
        }
        #expect(ComponentSpecification("center", weight: 2).weight(at: testProgress(epoch: 0)) == 2)
        // Round trip keeps the shape, and the default shape is not written.
        let encoded = String(decoding: try! JSONEncoder().encode(sigmoid), as: UTF8.self)
        #expect(encoded.contains(#""ramp":"sigmoid""#))
        #expect(!String(decoding: try! JSONEncoder().encode(linear), as: UTF8.self).contains(#""ramp""#))
        #expect(try! JSONDecoder().decode(ComponentSpecification.self, from: Data(encoded.utf8)) == sigmoid)
    }

    @Test(arguments: [
        #"{"hashLayer": "sigmoid", "losses": ["classification", "binarization", "balance"]}"#,
        #"{"hashLayer": "sigmoid", "losses": ["classwise"]}"#,
        #"{"losses": ["prototype", {"name": "quantization", "weight": 0.1}], "adapters": ["center"], "sourceOnly": true}"#,
        #"{"losses": ["classwise", "center-similarity", {"name": "quantization", "weight": 0.01, "normalization": "per-image"}]}"#,
        #"{"hashLayer": "identity", "losses": ["classification", "pairwise", {"name": "bounded-output", "weight": 10}]}"#,
    ])
    func supervisedCompositionsTrainToFiniteDecreasingLossesAndCodesOfTheConfiguredWidth(json: String) throws {
        let method = try composed(json, bits: 12)
        #expect(!method.adaptsToTarget)
        let (images, labels) = toyDigits(count: 24, seed: 3)
        let batch = TrainingBatch(source: DomainBatch(images: images, labels: labels, indices: Array(0..<24), domain: .source))
        let totals = try trainingTotals(method, on: batch, steps: 30)
        #expect(decreased(totals), "\(json): \(totals)")
        let codes = method.binarization.bits(method.encode(images, domain: .source))
        #expect(codes.count == 24 && codes.allSatisfy { $0.count == 12 })
        #expect(method.classify(images, domain: .source)?.shape == [24, 3])
    }

    @Test(arguments: [
        (#"{"losses": ["classwise", {"name": "quantization", "weight": 0.01}], "adapters": ["dann"]}"#, ["domain"]),
        (#"{"hashLayer": "sigmoid", "losses": ["classification", "balance"], "adapters": ["coral", "mmd"]}"#, ["target-balance", "coral", "mmd"]),
        (
            #"{"losses": ["prototype", "quantization"], "adapters": ["center", "centroid-alignment"], "pseudoLabelThreshold": 0.3, "domainSpecificBatchNorm": true}"#,
            ["target-quantization", "center", "target-center", "centroid-alignment"]
        ),
        (
            #"{"losses": ["prototype"], "adapters": ["center", "information-maximization"], "domainSpecificBatchNorm": true}"#,
            ["center", "target-center", "information-maximization"]
        ),
    ])
    func adaptiveCompositionsTrainOnBothDomains(json: String, adapterTerms: [String]) throws {
        let configuration = try composition(json)
        let method = try composed(json, bits: 12, domains: configuration.domainSpecificBatchNorm ? 2 : 1)
        #expect(method.adaptsToTarget)
        let batch = toyDomainPair(count: 24)
        try method.prepareEpoch(TrainingProgress(epoch: 0, epochCount: 2, step: 0, stepsPerEpoch: 20), data: EpochData { _ in nil })
        for step in 0..<20 {
            let terms = try method.trainingStep(batch, progress: TrainingProgress(epoch: 0, epochCount: 2, step: step, stepsPerEpoch: 20))
            #expect(terms.allSatisfy { $0.value.isFinite })
            #expect(adapterTerms.allSatisfy { name in terms.contains { $0.name == name } }, "\(terms.map(\.name))")
        }
        #expect(method.binarization.bits(method.encode(batch.target!.images, domain: .target)).allSatisfy { $0.count == 12 })
        let error = try #require(throws: TrainingError.self) {
            _ = try method.trainingStep(
                TrainingBatch(source: batch.source), progress: TrainingProgress(epoch: 0, epochCount: 1, step: 0, stepsPerEpoch: 1))
        }
        #expect(error.description.contains("domain pair"))
    }

    @Test func classBalancedThresholdsKeepTheMostConfidentShareOfEachPredictedClass() {
        // Rows 0–3 predict class 0 with confidences rising from row 0 to row 3; row 4 predicts class 1; class 2 none.
        let logits = Tensor(shape: [5, 3], scalars: [1, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0, 0, 5, 0])
        let thresholds = PseudoLabels.classThresholds(logits: logits, share: 0.5)
        let confidence = { (x: Float) in 1 / (1 + 2 * exp(-x)) }
        expectClose(thresholds[0], confidence(3))  // the top 2 of 4
        expectClose(thresholds[1], confidence(5))
        #expect(thresholds[2] == .infinity)
        let selected = PseudoLabels.select(logits: logits, indices: Array(10..<15), threshold: 0, classThresholds: thresholds)
        #expect(selected.labels == [12: 0, 13: 0, 14: 1] && selected.scoredIndices == Set(10..<15))
        #expect(PseudoLabels.select(logits: logits, indices: Array(10..<15), threshold: 0).selectedCount == 5)
    }

    @Test func pseudoLabelsWaitForTheWarmUpAndFollowTheClassShares() throws {
        let json =
            #"{"losses": ["prototype"], "adapters": ["center"], "pseudoLabelThreshold": 0, "pseudoLabelWarmupEpochs": 1, "#
            + #""pseudoLabelClassShare": [0.5]}"#
        let method = try #require(try composed(json) as? ComposedMethod)
        let batch = toyDomainPair(count: 12)
        let targetScores = try #require(method.classify(batch.target!.images, domain: .target))
        let data = EpochData { domain in
            domain == .target ? DomainOutputs(codes: Tensor.zeros([12, 8]), logits: targetScores, labels: nil, indices: batch.target!.indices) : nil
        }
        // Epoch 0: the warm-up; no pseudo-label, so the target center term is zero.
        let warmup = TrainingProgress(epoch: 0, epochCount: 2, step: 0, stepsPerEpoch: 1)
        try method.prepareEpoch(warmup, data: data)
        #expect(method.classThresholds == nil)
        let early = try method.lossTerms(batch, progress: warmup)
        #expect(early.selection?.selectedCount == 0 && early.selection?.scoredIndices.count == 12)
        #expect(early.terms.first { $0.name == "target-center" }?.value.item == 0)
        // Epoch 1: thresholds from the pass over the target; about half of each predicted class kept.
        let after = TrainingProgress(epoch: 1, epochCount: 2, step: 0, stepsPerEpoch: 1)
        try method.prepareEpoch(after, data: data)
        let thresholds = try #require(method.classThresholds)
        #expect(thresholds == PseudoLabels.classThresholds(logits: targetScores, share: 0.5))
        let later = try #require(try method.lossTerms(batch, progress: after).selection)
        #expect(later.selectedCount > 0 && later.selectedCount < 12)
        // A bad share is one line.
        let bad = try #require(throws: RegistryError.self) { try composed(#"{"losses": ["prototype"], "pseudoLabelClassShare": [0]}"#) }
        #expect(bad.description.contains("pseudoLabelClassShare"))
    }

    @Test func theTargetLabelDiagnosticLabelsEveryTargetImageWithItsTrueClass() throws {
        let json = #"{"losses": ["prototype"], "adapters": ["center"], "pseudoLabelThreshold": 0.999, "pseudoLabelWarmupEpochs": 5}"#
        let method = try #require(try composed(json) as? ComposedMethod)
        #expect(method.usesTargetPseudoLabels)
        let batch = toyDomainPair(count: 12)
        method.diagnosticTargetLabels = { ($0 * 7) % 3 }
        let selection = try #require(try method.lossTerms(batch, progress: testProgress()).selection)
        // Neither the threshold nor the warm-up applies: every image, its given label.
        #expect(selection.labels == Dictionary(uniqueKeysWithValues: batch.target!.indices.map { ($0, ($0 * 7) % 3) }))
        #expect(
            try #require(try composed(#"{"losses": ["classification"], "adapters": ["dann"]}"#) as? ComposedMethod).usesTargetPseudoLabels == false)
    }

    @Test func partsAreNamedByTheirComponentsAndCenterSimilarityHasItsOwnOptimizer() throws {
        let method = try #require(
            try composed(
                #"{"losses": ["classwise", {"name": "center-similarity", "learningRate": 0.02}, "quantization", "quantization"], "adapters": ["dann"]}"#
            )
                as? ComposedMethod)
        let paths = Set(method.network.namedParameters().map(\.path))
        #expect(paths.contains("hash.linear.weight") && paths.contains("losses.classwise.centers"))
        #expect(paths.contains("adapters.dann.discriminator.layers.0.weight"))
        #expect(method.optimizers.map(\.name) == ["network", "centers"])
        #expect(method.optimizers[1].baseLearningRate == 0.02)
        let centers = (method.losses[0].loss as! ClasswiseLoss).centers
        #expect(method.optimizers[1].optimizer.parameters.count == 1 && method.optimizers[1].optimizer.parameters[0] === centers)
        #expect(!method.optimizers[0].optimizer.parameters.contains { $0 === centers })
    }

    @Test func theSameSeedGivesTheSameNetworkAndTheSameSteps() throws {
        let json = #"{"hashLayer": "sigmoid", "losses": ["classification", "binarization"], "adapters": ["dann", "coral"]}"#
        let (first, second) = (try composed(json), try composed(json))
        let batch = toyDomainPair(count: 12)
        for method in [first, second] {
            for step in 0..<3 {
                _ = try method.trainingStep(batch, progress: TrainingProgress(epoch: 0, epochCount: 1, step: step, stepsPerEpoch: 3))
            }
        }
        #expect(first.network.stateDictionary().mapValues(\.scalars) == second.network.stateDictionary().mapValues(\.scalars))
    }
}

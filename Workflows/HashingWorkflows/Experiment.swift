import AtomicFiles
import Datasets
import Evaluation
import Foundation
import HashingCore
import MethodCatalog
import TensorCore

/// The methods and backbones a workflow resolves names in: the catalog's by default, or a
/// registry with methods of one's own (from another package, or a test).
public struct Registries {
    public var methods: MethodRegistry
    public var backbones: BackboneRegistry

    public init(methods: MethodRegistry, backbones: BackboneRegistry) {
        self.methods = methods
        self.backbones = backbones
    }

    /// The built-in methods and backbones (``MethodCatalog``).
    public static var standard: Registries { Registries(methods: MethodCatalog.registry(), backbones: MethodCatalog.backbones()) }

    /// The built-in ones and `methods` (their names must be new).
    public static func standard(adding methods: [MethodRegistration]) throws -> Registries {
        Registries(methods: try MethodRegistry(MethodCatalog.registrations + methods), backbones: MethodCatalog.backbones())
    }
}

/// One domain of a run: its images and how they are split.
public struct DomainData {
    public let dataset: DigitsDataset
    public let split: Split
}

/// A configured run: its data (one data set, or the two domains of a pair), method and trainer.
///
/// On a domain pair the method trains on the labelled source and — if it adapts
/// (``HashingMethod/adaptsToTarget``) — on the target's training images without their labels;
/// a method that does not adapt is the source-only baseline. Model selection uses the source's
/// validation split only. Evaluation searches the target queries in the target database and in
/// the labelled source database, and scores target classification.
public final class Experiment {
    public let specification: RunSpecification
    /// The labelled domain (the only one of a single data set).
    public let source: DomainData
    /// The target domain of a pair.
    public let target: DomainData?
    public let augmentation: Augmentation
    /// The class-name vectors handed to the method (a user's file, or the embedded ones).
    public let labelEmbeddings: LabelEmbeddings?
    public let method: any HashingMethod
    public let runDirectory: URL

    /// The source's data set and split (the run's only ones for a single data set).
    public var dataset: DigitsDataset { source.dataset }
    public var split: Split { source.split }

    public var runFile: URL { runDirectory.appendingPathComponent("run.json") }
    public var bestCheckpoint: URL { runDirectory.appendingPathComponent("best.safetensors") }
    public var lastCheckpoint: URL { runDirectory.appendingPathComponent("last.safetensors") }

    /// Loads the data, splits it and builds the method; nothing is trained yet.
    ///
    /// - Parameters:
    ///   - dataDirectory: Where fetched data sets are.
    ///   - domainPair: A pair built in-process to use instead of the catalog's pair of
    ///     `specification.dataset` (which must still name a domain pair).
    ///   - registries: Where the method and backbone names are looked up.
    public init(
        _ specification: RunSpecification, dataDirectory: URL = DataDirectory.resolved(), domainPair: DomainPair? = nil,
        registries: Registries = .standard
    ) throws {
        try specification.validate()
        // Resolve names first so typos fail before any data is read.
        let registration = try registries.methods.registration(named: specification.method)
        let backbone = try registries.backbones.registration(named: specification.backbone)
        let isPair = DataCatalog.domainPairNames.contains(specification.dataset)
        guard isPair || DataCatalog.names.contains(specification.dataset) else {
            throw WorkflowError.invalid(
                "unknown data set or domain pair '\(specification.dataset)'; data sets: \(DataCatalog.names.joined(separator: ", ")); domain pairs: \(DataCatalog.domainPairNames.joined(separator: ", "))"
            )
        }
        let configurationData = Data(specification.methodConfiguration.utf8)
        let requirements = try registration.requirements(configuration: configurationData)
        if requirements.adaptsToTarget && !isPair {
            throw WorkflowError.invalid(
                "\(specification.method) adapts to an unlabelled target domain: give a domain pair as --dataset (\(DataCatalog.domainPairNames.joined(separator: ", ")))"
            )
        }
        self.specification = specification
        self.runDirectory = URL(fileURLWithPath: specification.trainer.outputDirectory, isDirectory: true)
        if isPair {
            let pair = try domainPair ?? DataCatalog.domainPair(specification.dataset, dataDirectory: dataDirectory, seed: specification.seed)
            source = DomainData(dataset: pair.source, split: pair.sourceSplit)
            target = DomainData(dataset: pair.target, split: pair.targetSplit)
        } else {
            let entry = try DataCatalog.entry(named: specification.dataset)
            let dataset = try entry.load(dataDirectory: dataDirectory, seed: specification.seed)
            let split: Split
            if let testRange = entry.officialTestRange {
                split = try Split.official(
                    dataset, testRange: testRange, validationPerClass: specification.validationPerClass, seed: specification.seed)
            } else {
                let counts = PerClassProtocol(
                    queryPerClass: specification.queryPerClass, trainingPerClass: specification.trainingPerClass,
                    validationPerClass: specification.validationPerClass, databaseIncludesTraining: true)
                split = try Split.perClass(dataset, counts: counts, seed: specification.seed)
            }
            source = DomainData(dataset: dataset, split: split)
            target = nil
        }
        var augmentation = Augmentation()
        if let size = specification.imageSize { augmentation.resize = ImageSize(height: size, width: size) }
        if let channels = specification.channels, channels != source.dataset.imageShape[0] { augmentation.channelCount = channels }
        if specification.inputNormalization == .trainingStatistics {
            let statistics = try ChannelNormalization.estimated(from: source.dataset, indices: source.split[.train])
            let channels = augmentation.outputShape(for: source.dataset.imageShape)[0]
            augmentation.normalization =
                statistics.channelCount == channels
                ? statistics
                : try ChannelNormalization(
                    mean: Array(repeating: statistics.mean[0], count: channels),
                    standardDeviation: Array(repeating: statistics.standardDeviation[0], count: channels))
        }
        try augmentation.validate(for: source.dataset.imageShape, source: source.dataset.name)
        self.augmentation = augmentation
        let classCount = source.dataset.classCount
        let embeddings =
            try specification.labelEmbeddings.map { try LabelEmbeddings.load(npyAt: URL(fileURLWithPath: $0), classCount: classCount) }
            ?? LabelEmbeddings.builtIn(forDataset: specification.dataset)
        self.labelEmbeddings = embeddings
        let context = MethodContext(
            bitCount: specification.bits, classCount: source.dataset.classCount,
            inputShape: augmentation.outputShape(for: source.dataset.imageShape), backbone: backbone,
            domainCount: isPair && requirements.adaptsToTarget && requirements.domainSpecificBatchNorm ? 2 : 1, seed: specification.seed,
            labelEmbeddings: embeddings.map {
                Tensor(shape: [$0.classCount, $0.dimension], scalars: $0.vectors)
            })
        method = try registration.make(configuration: configurationData, context: context)
        precondition(
            method.adaptsToTarget == requirements.adaptsToTarget,
            "\(specification.method): the registration and the method disagree on adaptsToTarget")
    }

    /// Re-creates the experiment of an existing run directory from its `run.json`.
    public static func load(
        runDirectory: URL, dataDirectory: URL = DataDirectory.resolved(), registries: Registries = .standard
    ) throws -> Experiment {
        let file = runDirectory.appendingPathComponent("run.json")
        guard FileManager.default.fileExists(atPath: file.path) else { throw WorkflowError.missingRun(runDirectory.path) }
        var specification = try JSONDecoder().decode(RunSpecification.self, from: Data(contentsOf: file))
        specification.trainer.outputDirectory = runDirectory.path
        return try Experiment(specification, dataDirectory: dataDirectory, registries: registries)
    }

    /// The run's data in a line: set sizes per domain, and whether the method adapts.
    public var dataSummary: String {
        guard let target else { return "\(dataset.name): \(split.summary)" }
        let role = trainsOnTarget ? "adapts to the unlabelled target" : "trains on the source only (the source-only baseline)"
        return
            "source \(source.dataset.name) [\(source.split.summary)]; target \(target.dataset.name) [\(target.split.summary)]; \(specification.method) \(role)"
    }

    /// Whether the run has a target domain whose training images the method trains on.
    public var trainsOnTarget: Bool { target != nil && method.adaptsToTarget }

    /// Source training positions (optionally capped by a seeded sample).
    public var trainingIndices: [Int] {
        Self.seededSample(of: split.train, limit: specification.trainingLimit, seed: specification.seed ^ 0x7472_6169_6E69_6E67)
    }

    /// Target training positions the adaptation sees (optionally capped by a seeded sample).
    public var targetTrainingIndices: [Int] {
        guard let target else { return [] }
        return Self.seededSample(
            of: target.split.train, limit: specification.targetTrainingLimit ?? 0, seed: specification.seed ^ 0x7467_745F_6C69_6D69)
    }

    /// `limit` positions of `indices` drawn with `seed`, in ascending order; all of them when
    /// `limit` is 0 or not below their count.
    static func seededSample(of indices: [Int], limit: Int, seed: UInt64) -> [Int] {
        guard limit > 0, limit < indices.count else { return indices }
        var generator = SeededGenerator(seed: seed)
        var shuffled = indices
        shuffled.shuffle(using: &generator)
        return Array(shuffled.prefix(limit)).sorted()
    }

    /// The trainer for this run (writes into the run directory).
    public func makeTrainer() throws -> Trainer {
        let loader = try BatchLoader(
            dataset: dataset, indices: trainingIndices, batchSize: specification.batchSize, seed: specification.seed,
            shuffles: true, augmentation: augmentation)
        var targetLoader: BatchLoader?
        if let target, trainsOnTarget {
            targetLoader = try BatchLoader(
                dataset: target.dataset, indices: targetTrainingIndices, batchSize: specification.batchSize,
                seed: specification.seed ^ 0x7461_7267_6574, shuffles: true, augmentation: augmentation, providesLabels: false)
        }
        var sample = split.train
        var generator = SeededGenerator(seed: specification.seed ^ 0x7661_6C69_6461_7465)
        sample.shuffle(using: &generator)
        let validation =
            split.validation.isEmpty
            ? nil
            : ValidationSet(
                queries: DatasetImageSource(dataset: dataset, indices: split.validation, augmentation: augmentation),
                database: DatasetImageSource(
                    dataset: dataset, indices: Array(sample.prefix(specification.validationDatabaseLimit)), augmentation: augmentation))
        let trainer = try Trainer(
            method: method, data: try LoaderBatches(source: loader, target: targetLoader, stepsPerEpoch: specification.stepsPerEpoch),
            validation: validation,
            configuration: specification.trainer, seed: specification.seed,
            metadata: ["method": specification.method, "backbone": specification.backbone, "dataset": specification.dataset])
        if let target, trainsOnTarget {
            let labels = target.dataset.labels
            trainer.targetLabelsForEvaluation = { labels[$0] }
        }
        if let generating = method as? ImageGeneratingMethod, generating.comparesGeneratedWithInputs,
            specification.inputNormalization == .trainingStatistics
        {
            // Standardised inputs against generated images in [0, 1]: the reconstruction can never
            // match and a discriminator tells real from generated by their range alone.
            throw WorkflowError.invalid(
                "\(specification.method) compares its generated images, in [0, 1], with the input images: "
                    + "keep the inputs in [0, 1] with inputNormalization none (--input-normalization none, or the grid setting)")
        }
        if specification.diagnosticTargetPseudoLabels == true {
            guard let target, trainsOnTarget else {
                throw WorkflowError.invalid("diagnosticTargetPseudoLabels needs a method that adapts, on a domain pair")
            }
            guard let diagnostic = method as? TargetLabelDiagnostic, diagnostic.usesTargetPseudoLabels else {
                throw WorkflowError.invalid("diagnosticTargetPseudoLabels: \(specification.method) has no target pseudo-labels to replace")
            }
            let labels = target.dataset.labels
            diagnostic.diagnosticTargetLabels = { labels[$0] }
            if specification.trainer.progress != .quiet {
                print("DIAGNOSTIC RUN: the true target labels are the method's pseudo-labels (diagnosticTargetPseudoLabels); not a result")
            }
        }
        if target != nil {
            // Training curves: target query accuracy after each epoch, for the log only.
            let queries = try images(.query, domain: .target)
            if let truth = queries.labels, queries.labelSets == nil {
                let method = method
                trainer.targetAccuracyForEvaluation = {
                    guard
                        let predictions = inferenceOutputs(method: method, source: queries, domain: .target, chunkSize: Shard.batch).logits?
                            .argmax(alongAxis: 1), !truth.isEmpty
                    else { return nil }
                    return Double(zip(predictions, truth).filter { $0 == $1 }.count) / Double(truth.count)
                }
            }
        }
        let pictures = picturesDirectory
        let quiet = specification.trainer.progress == .quiet
        trainer.stageEnded = { end in
            guard !end.pictureRows.isEmpty else { return }
            let file = pictures.appendingPathComponent("stage-\(end.index + 1)-\(end.name).png")
            try writePictureGrid(end.pictureRows, to: file)
            if !quiet { print("pictures after epoch \(end.epoch) (\(end.pictureRows.map(\.name).joined(separator: " / "))): \(file.path)") }
        }
        return trainer
    }

    /// Where an image-generating method's pictures go: one PNG grid per training stage.
    public var picturesDirectory: URL { runDirectory.appendingPathComponent("pictures", isDirectory: true) }

    /// Trains (or resumes) and returns the summary; writes `run.json` first.
    public func train(resume: Bool) throws -> TrainingSummary {
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        if resume, FileManager.default.fileExists(atPath: runFile.path) {
            var saved = try JSONDecoder().decode(RunSpecification.self, from: Data(contentsOf: runFile))
            // Where the run is and how progress shows do not define it.
            saved.trainer.outputDirectory = specification.trainer.outputDirectory
            saved.trainer.progress = specification.trainer.progress
            guard saved == specification else {
                throw WorkflowError.invalid(
                    "cannot resume: the options differ from the run's run.json (\(runFile.path)); start a new --output or repeat the original options"
                )
            }
        }
        try AtomicFile.write(JSONEncoder.pretty.encode(specification), to: runFile)
        return try makeTrainer().run(resume: resume)
    }

    /// Loads a checkpoint (the best one by default) into the method.
    public func loadCheckpoint(_ url: URL? = nil) throws {
        let file = url ?? (FileManager.default.fileExists(atPath: bestCheckpoint.path) ? bestCheckpoint : lastCheckpoint)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw WorkflowError.invalid("no checkpoint in \(runDirectory.path): train first")
        }
        try Trainer.restore(method: method, from: SafeTensors.read(from: file), includeOptimizers: false)
    }

    /// The data of a domain of this run.
    public func domainData(_ domain: Domain) throws -> DomainData {
        switch domain {
        case .source: return source
        case .target:
            guard let target else { throw WorkflowError.invalid("\(specification.dataset) is a single data set: it has no target domain") }
            return target
        }
    }

    /// The images of a split role of a domain, with their labels (evaluation's view: target
    /// labels included).
    public func images(_ role: Split.Role, domain: Domain = .source) throws -> DatasetImageSource {
        let data = try domainData(domain)
        let indices = data.split[role]
        guard !indices.isEmpty else {
            let roles = Split.Role.allCases.filter { !data.split[$0].isEmpty }.map(\.rawValue)
            throw WorkflowError.invalid(
                "the \(domain) domain of \(specification.dataset) (\(data.dataset.name)) has no \(role.rawValue) images; roles with images: \(roles.joined(separator: ", "))"
            )
        }
        return DatasetImageSource(dataset: data.dataset, indices: indices, augmentation: augmentation)
    }

    /// Codes of a split role of a domain, with labels and data-set indices, in the role's stored
    /// order (sorted by index). Images go through their domain's batch-norm branches; a network
    /// built for one domain has one branch, which serves both.
    public func encode(_ role: Split.Role, domain: Domain = .source) throws -> EncodedSet {
        try encodeWithPredictions(role, domain: domain).set
    }

    /// Codes of user images: a `.npy` array `uint8 [N, H, W]` / `[N, C, H, W]` (0–255) or
    /// `float32` in [0, 1], brought to the run's input shape by its resize and channel steps, and
    /// encoded as images of `domain`.
    public func encode(imagesAt url: URL, domain: Domain = .source) throws -> PackedCodes {
        try encode(images: try NPYReader.read(contentsOf: url), source: url.path, domain: domain)
    }

    /// Codes of images given as an array (as ``encode(imagesAt:domain:)`` reads from a file);
    /// `source` names it in errors.
    public func encode(images array: NumpyArray, source: String, domain: Domain = .source) throws -> PackedCodes {
        _ = try domainData(domain)
        let url = URL(fileURLWithPath: source)
        var shape = array.shape
        if shape.count == 3 { shape.insert(1, at: 1) }
        guard shape.count == 4, shape[0] > 0 else {
            throw WorkflowError.invalid("\(url.path): images must be [N, H, W] or [N, C, H, W], got \(array.shape)")
        }
        let scale: Float = array.dataType == .uint8 ? 1 / 255 : 1
        guard array.dataType == .uint8 || array.dataType == .float32 else {
            throw WorkflowError.invalid("\(url.path): images must be uint8 (0–255) or float32 ([0, 1]), got \(array.dataType.descriptor)")
        }
        let pixels = Tensor(shape: shape, scalars: array.floatValues().map { $0 * scale })
        var generator = SeededGenerator(seed: 0)
        let expected = augmentation.outputShape(for: dataset.imageShape)
        let prepared = Augmentation(
            resize: ImageSize(height: expected[1], width: expected[2]), channelCount: expected[0] == shape[1] ? nil : expected[0],
            normalization: augmentation.normalization)
        try prepared.validate(for: Array(shape.dropFirst()), source: url.path)
        let images = prepared.apply(to: pixels, generator: &generator)
        var rows: [[Bool]] = []
        for start in stride(from: 0, to: shape[0], by: 500) {
            let chunk = images.slice(axis: 0, range: start..<min(start + 500, shape[0]))
            rows += method.binarization.bits(method.encode(chunk, domain: domain))
        }
        return PackedCodes(bits: rows, bitCount: method.bitCount)
    }
}

/// Codes of a set of images with their labels and their indices in the data set.
public struct EncodedSet: Equatable {
    public var codes: PackedCodes
    public var labels: [Int]
    public var indices: [Int]
    /// Each image's classes, for multi-label data; `nil` otherwise.
    public var labelSets: [[Int]]?

    public init(codes: PackedCodes, labels: [Int], indices: [Int], labelSets: [[Int]]? = nil) {
        self.codes = codes
        self.labels = labels
        self.indices = indices
        self.labelSets = labelSets
    }

    /// The rows in `order` (positions into this set).
    public func reordered(_ order: [Int]) -> EncodedSet {
        EncodedSet(
            codes: codes.rows(order), labels: order.map { labels[$0] }, indices: order.map { indices[$0] },
            labelSets: labelSets.map { sets in order.map { sets[$0] } })
    }

}

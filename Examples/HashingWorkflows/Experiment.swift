import AtomicFiles
import Datasets
import Evaluation
import Foundation
import HashingCore
import MethodCatalog

/// Everything that defines a training run; saved as `run.json` in the run directory so that
/// `encode`, `evaluate` and `--resume` rebuild exactly the same method and data.
public struct RunSpecification: Codable, Equatable {
    /// Registered method name (`hashing methods`).
    public var method = "ssdh"
    /// Registered backbone name.
    public var backbone = "lenet"
    /// Code length.
    public var bits = 48
    /// Data set name (`hashing datasets`).
    public var dataset = "mnist"
    /// Seed of the split, the initialisation, the batch order and every other random choice.
    public var seed: UInt64 = 1
    public var batchSize = 64
    /// Images are resized to `imageSize × imageSize` when set (bilinear).
    public var imageSize: Int?
    /// Grayscale images are replicated to this many channels when set (e.g. 3).
    public var channels: Int?
    /// Official protocol (data sets with an official test set): training images of each class
    /// held out for validation.
    public var validationPerClass = 500
    /// Per-class protocol (data sets without one): queries, validation and training images per
    /// class; the rest, plus the training images, form the database.
    public var queryPerClass = 100
    public var trainingPerClass = 500
    /// Validation mAP is measured against at most this many training images (a seeded sample).
    public var validationDatabaseLimit = 5000
    /// Training uses at most this many images (0 = all), for quick runs.
    public var trainingLimit = 0
    /// The method's configuration overrides, as a JSON object.
    public var methodConfiguration = "{}"
    public var trainer = TrainerConfiguration()
    /// Retrieval evaluation settings of the final report.
    public var evaluation = RetrievalOptions(topK: 1000)

    public init() {}
}

/// Errors of the workflow, one line each.
public enum WorkflowError: Error, CustomStringConvertible {
    case invalid(String)
    case missingRun(String)

    public var description: String {
        switch self {
        case .invalid(let message): return message
        case .missingRun(let path): return "no run at \(path): run.json is missing (train first, or check --run)"
        }
    }
}

/// A configured run: its data, split, method and trainer.
public final class Experiment {
    public let specification: RunSpecification
    public let dataset: DigitsDataset
    public let split: Split
    public let augmentation: Augmentation
    public let method: any HashingMethod
    public let runDirectory: URL

    public var runFile: URL { runDirectory.appendingPathComponent("run.json") }
    public var bestCheckpoint: URL { runDirectory.appendingPathComponent("best.safetensors") }
    public var lastCheckpoint: URL { runDirectory.appendingPathComponent("last.safetensors") }

    /// Loads the data, splits it and builds the method; nothing is trained yet.
    public init(_ specification: RunSpecification, dataDirectory: URL = DataDirectory.resolved()) throws {
        guard specification.bits >= 1 && specification.bits <= 1024 else {
            throw WorkflowError.invalid("--bits \(specification.bits) is out of range: use 1…1024 (the papers use 12–64)")
        }
        guard specification.batchSize >= 1 else { throw WorkflowError.invalid("--batch-size must be at least 1") }
        // Resolve names first so typos fail before any data is read.
        let registry = MethodCatalog.registry()
        let registration = try registry.registration(named: specification.method)
        let backbone = try MethodCatalog.backbones().registration(named: specification.backbone)
        let entry = try DataCatalog.entry(named: specification.dataset)
        self.specification = specification
        self.runDirectory = URL(fileURLWithPath: specification.trainer.outputDirectory, isDirectory: true)
        dataset = try entry.load(dataDirectory: dataDirectory, seed: specification.seed)
        if let testRange = entry.officialTestRange {
            split = try Split.official(dataset, testRange: testRange, validationPerClass: specification.validationPerClass, seed: specification.seed)
        } else {
            let counts = PerClassProtocol(
                queryPerClass: specification.queryPerClass, trainingPerClass: specification.trainingPerClass,
                validationPerClass: specification.validationPerClass, databaseIncludesTraining: true)
            split = try Split.perClass(dataset, counts: counts, seed: specification.seed)
        }
        var augmentation = Augmentation()
        if let size = specification.imageSize { augmentation.resize = ImageSize(height: size, width: size) }
        if let channels = specification.channels, channels != dataset.imageShape[0] { augmentation.channelCount = channels }
        try augmentation.validate(for: dataset.imageShape, source: dataset.name)
        self.augmentation = augmentation
        let context = MethodContext(
            bitCount: specification.bits, classCount: dataset.classCount, inputShape: augmentation.outputShape(for: dataset.imageShape),
            backbone: backbone, seed: specification.seed)
        method = try registration.make(configuration: Data(specification.methodConfiguration.utf8), context: context)
    }

    /// Re-creates the experiment of an existing run directory from its `run.json`.
    public static func load(runDirectory: URL, dataDirectory: URL = DataDirectory.resolved()) throws -> Experiment {
        let file = runDirectory.appendingPathComponent("run.json")
        guard FileManager.default.fileExists(atPath: file.path) else { throw WorkflowError.missingRun(runDirectory.path) }
        var specification = try JSONDecoder().decode(RunSpecification.self, from: Data(contentsOf: file))
        specification.trainer.outputDirectory = runDirectory.path
        return try Experiment(specification, dataDirectory: dataDirectory)
    }

    /// Training positions (optionally capped by a seeded sample).
    var trainingIndices: [Int] {
        guard specification.trainingLimit > 0, specification.trainingLimit < split.train.count else { return split.train }
        var generator = SeededGenerator(seed: specification.seed ^ 0x7472_6169_6E69_6E67)
        var indices = split.train
        indices.shuffle(using: &generator)
        return Array(indices.prefix(specification.trainingLimit)).sorted()
    }

    /// The trainer for this run (writes into the run directory).
    public func makeTrainer() throws -> Trainer {
        let loader = try BatchLoader(
            dataset: dataset, indices: trainingIndices, batchSize: specification.batchSize, seed: specification.seed,
            shuffles: true, augmentation: augmentation)
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
        return try Trainer(
            method: method, data: LoaderBatches(source: loader), validation: validation, configuration: specification.trainer,
            metadata: ["method": specification.method, "backbone": specification.backbone, "dataset": specification.dataset])
    }

    /// Trains (or resumes) and returns the summary; writes `run.json` first.
    public func train(resume: Bool) throws -> TrainingSummary {
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        if resume, FileManager.default.fileExists(atPath: runFile.path) {
            var saved = try JSONDecoder().decode(RunSpecification.self, from: Data(contentsOf: runFile))
            saved.trainer.outputDirectory = specification.trainer.outputDirectory
            guard saved == specification else {
                throw WorkflowError.invalid(
                    "cannot resume: the options differ from the run's run.json (\(runFile.path)); start a new --output or repeat the original options"
                )
            }
        }
        try writeAtomically(JSONEncoder.pretty.encode(specification), to: runFile)
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

    /// The images of a split role.
    public func images(_ role: Split.Role) -> DatasetImageSource {
        DatasetImageSource(dataset: dataset, indices: split[role], augmentation: augmentation)
    }

    /// Codes of user images: a `.npy` array `uint8 [N, H, W]` / `[N, C, H, W]` (0–255) or
    /// `float32` in [0, 1], brought to the run's input shape by its resize and channel steps.
    public func encode(imagesAt url: URL) throws -> PackedCodes {
        let array = try NPYReader.read(contentsOf: url)
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
            resize: ImageSize(height: expected[1], width: expected[2]), channelCount: expected[0] == shape[1] ? nil : expected[0])
        try prepared.validate(for: Array(shape.dropFirst()), source: url.path)
        let images = prepared.apply(to: pixels, generator: &generator)
        var rows: [[Bool]] = []
        for start in stride(from: 0, to: shape[0], by: 500) {
            let chunk = images.slice(axis: 0, range: start..<min(start + 500, shape[0]))
            rows += method.binarization.bits(method.encode(chunk, domain: .source))
        }
        return PackedCodes(bits: rows, bitCount: method.bitCount)
    }

    /// Codes of a split role, with labels.
    public func encode(_ role: Split.Role) -> (codes: PackedCodes, labels: [Int]) {
        let source = images(role)
        return (encodeCodes(method: method, source: source, domain: .source), source.labels ?? [])
    }

    /// Encodes queries and database, evaluates retrieval, and writes `report.json`,
    /// `precision-recall.svg`, `precision-at-k.svg` and `codes.npz` into the run directory.
    public func evaluate() throws -> (report: RetrievalReport, files: [URL]) {
        let queries = encode(.query)
        let database = encode(.database)
        let evaluator = try RetrievalEvaluator(
            queries: queries.codes, queryLabels: RelevanceLabels(classes: queries.labels),
            database: database.codes, databaseLabels: RelevanceLabels(classes: database.labels))
        let report = try evaluator.evaluate(options: specification.evaluation)
        let reportURL = runDirectory.appendingPathComponent("report.json")
        let prURL = runDirectory.appendingPathComponent("precision-recall.svg")
        let pkURL = runDirectory.appendingPathComponent("precision-at-k.svg")
        let codesURL = runDirectory.appendingPathComponent("codes.npz")
        try report.writeJSON(to: reportURL)
        try report.writePrecisionRecallSVG(
            to: prURL, title: "\(specification.method) \(specification.bits) bits on \(specification.dataset): precision–recall")
        try report.writePrecisionAtKSVG(
            to: pkURL, title: "\(specification.method) \(specification.bits) bits on \(specification.dataset): precision@K")
        try CodeFile.write(
            [("query", queries.codes, queries.labels), ("database", database.codes, database.labels)], to: codesURL)
        return (report, [reportURL, prURL, pkURL, codesURL])
    }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }
}

/// Writes `data` atomically (see ``AtomicFiles/AtomicFile``).
func writeAtomically(_ data: Data, to url: URL) throws {
    try AtomicFile.write(data, to: url)
}

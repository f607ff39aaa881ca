import ArgumentParser
import Datasets
import Evaluation
import Foundation
import HashingCore
import HashingWorkflows
import TensorCore

/// Options that define a run (they become the run's run.json).
struct RunOptions: ParsableArguments {
    @Option(help: "Method name (see `hashing methods`; default ssdh, or composed when parts are named).") var method: String?
    @Option(help: "Compose a method: the hash layer (see `hashing components`), e.g. tanh.") var hashLayer: String?
    @Option(help: "Compose a method: a loss, NAME or NAME={JSON settings}; repeat for several, in objective order.") var loss: [String] = []
    @Option(help: "Compose a method: a domain adapter, NAME or NAME={JSON settings}; repeatable.") var adapter: [String] = []
    @Option(help: "Backbone name.") var backbone = "lenet"
    @Option(help: "Code length in bits.") var bits = 48
    @Option(help: "Data set or domain pair name (see `hashing datasets`), e.g. mnist or mnist-to-mfeat.") var dataset = "mnist"
    @Option(help: "Training epochs.") var epochs = 10
    @Option(help: "Mini-batch size.") var batchSize = 64
    @Option(help: "A fixed number of steps per epoch, each domain's batches cycled (default: one pass over the larger training set).")
    var stepsPerEpoch: Int?
    @Option(help: "Seed for the split, initialisation and batch order.") var seed: UInt64 = 1
    @Option(help: "Epochs at which learning rates are multiplied by --lr-gamma (comma-separated).") var lrMilestones = ""
    @Option(help: "Learning-rate decay factor at each milestone.") var lrGamma: Float = 0.1
    @Option(help: "Epochs of linear learning-rate warm-up, step by step from the first (0 = none).") var warmupEpochs = 0
    @Option(help: "The method's configuration overrides as JSON, e.g. '{\"beta\": 0.5}'.") var methodConfig = "{}"
    @Option(help: "Class-name vectors for label-prototype methods: a .npy [classes, dimension] (default: the embedded word embeddings).")
    var labelEmbeddings: String?
    @Option(help: "Resize images to N×N.") var imageSize: Int?
    @Option(help: "Replicate grayscale images to this many channels.") var channels: Int?
    @Option(help: "Input pixels: training-statistics (standardise by the training images' mean and sd) or none (keep [0, 1]).")
    var inputNormalization: InputNormalization = .trainingStatistics
    @Option(help: "Validation images per class held out of training.") var validationPerClass = 500
    @Option(help: "Per-class protocol: queries per class.") var queryPerClass = 100
    @Option(help: "Per-class protocol: training images per class.") var trainingPerClass = 500
    @Option(help: "Validation mAP against at most this many training images (a seeded sample).") var validationDatabaseLimit = 5000
    @Option(help: "Use at most this many training images (0 = all).") var trainingLimit = 0
    @Option(help: "Domain pairs: adapt on at most this many unlabelled target training images (a seeded sample; default all).")
    var targetTrainingLimit: Int?
    @Option(help: "Validate every N epochs.") var validateEvery = 1
    @Option(help: "K of the validation mAP@K that selects the best epoch (0 = mAP@all).") var validationTopK = 0
    @Option(help: "Top K for the final mAP@K.") var topK = 1000
    @Option(help: "Hamming radius r of the final P@H≤r and R@H≤r.") var radius = 2
    @Option(
        help: ArgumentHelp(
            "Any run setting as NAME=JSON (repeatable), e.g. 'stages=[{\"epochs\": 2}]'; the names are a grid's \"settings\" (docs/components.md).",
            valueName: "name=json"))
    var setting: [String] = []

    /// The options as run settings (``RunSpecification/settings``): the one schema grids use too.
    /// Values are checked where the specification is (one line naming the setting).
    func settings() throws -> [String: JSONValue] {
        let milestones = try lrMilestones.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.map { text -> JSONValue in
            guard let value = Int(text) else { throw ValidationError("--lr-milestones must be comma-separated epochs, got '\(lrMilestones)'") }
            return .integer(value)
        }
        var values: [String: JSONValue] = [
            "epochs": .integer(epochs), "batchSize": .integer(batchSize), "stepsPerEpoch": stepsPerEpoch.map { .integer($0) } ?? .null,
            "learningRateMilestones": .array(milestones),
            "learningRateGamma": .number(Double(lrGamma)), "learningRateWarmupEpochs": .integer(warmupEpochs),
            "validateEvery": .integer(validateEvery), "validationTopK": .integer(validationTopK),
            "validationPerClass": .integer(validationPerClass), "queryPerClass": .integer(queryPerClass),
            "trainingPerClass": .integer(trainingPerClass), "validationDatabaseLimit": .integer(validationDatabaseLimit),
            "trainingLimit": .integer(trainingLimit), "targetTrainingLimit": targetTrainingLimit.map { .integer($0) } ?? .null,
            "imageSize": imageSize.map { .integer($0) } ?? .null, "channels": channels.map { .integer($0) } ?? .null,
            "inputNormalization": .string(inputNormalization.rawValue), "labelEmbeddings": labelEmbeddings.map { .string($0) } ?? .null,
            "topK": .integer(topK), "radius": .integer(radius),
        ]
        for entry in setting {
            guard let equals = entry.firstIndex(of: "=") else { throw ValidationError("--setting takes NAME=JSON, got '\(entry)'") }
            let name = String(entry[..<equals])
            let text = entry[entry.index(after: equals)...]
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
                throw ValidationError("--setting \(name): the value is not JSON, got '\(text)'")
            }
            values[name] = value
        }
        return values
    }

    /// Whether the options name parts of a composed method.
    var composes: Bool { hashLayer != nil || !loss.isEmpty || !adapter.isEmpty }

    /// The method's configuration: `--method-config`, with the named parts written into it.
    func methodConfiguration() throws -> String {
        guard composes else { return methodConfig }
        guard method == nil || method == "composed" else {
            throw ValidationError("--hash-layer, --loss and --adapter compose a method: use them without --method (or with --method composed)")
        }
        guard var object = (try? JSONSerialization.jsonObject(with: Data(methodConfig.utf8))) as? [String: Any] else {
            throw ValidationError("--method-config must be a JSON object, got '\(methodConfig)'")
        }
        func json(_ specification: ComponentSpecification) throws -> Any {
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(specification))
        }
        if let hashLayer { object["hashLayer"] = try json(ComponentSpecification.parse(hashLayer)) }
        if !loss.isEmpty { object["losses"] = try loss.map { try json(ComponentSpecification.parse($0)) } }
        if !adapter.isEmpty { object["adapters"] = try adapter.map { try json(ComponentSpecification.parse($0)) } }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    func specification(output: String, progress: TrainerConfiguration.ProgressStyle) throws -> RunSpecification {
        var specification = RunSpecification()
        specification.method = method ?? (composes ? "composed" : "ssdh")
        specification.backbone = backbone
        specification.bits = bits
        specification.dataset = dataset
        specification.seed = seed
        specification.methodConfiguration = try methodConfiguration()
        specification.trainer.outputDirectory = output
        specification.trainer.progress = progress
        try specification.apply(settings: settings())
        return specification
    }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a method on a data set, then evaluate it on the query set.",
        discussion: "Checkpoints go to --output after every epoch; --resume continues an interrupted run and ends with the same codes.")

    @OptionGroup var options: RunOptions
    @OptionGroup var data: DataOptions
    @Option(help: "Run directory (checkpoints, run.json, report).") var output = "runs/latest"
    @Flag(help: "Continue from the run directory's last checkpoint.") var resume = false
    @Option(help: "Threads (default: all cores, or $HASHING_THREADS).") var threads: Int?
    @Option(help: "Progress output.") var progress: TrainerConfiguration.ProgressStyle = .auto
    @Flag(help: "Skip the final evaluation on the query set.") var skipEvaluation = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        try Hashing.reportingErrors {
            if let threads { Engine.threadCount = threads }
            let specification = try options.specification(output: output, progress: progress)
            let experiment = try Experiment(specification, dataDirectory: data.url)
            print(
                "\(specification.method) · \(specification.backbone) · \(specification.bits) bits · \(specification.dataset); \(Engine.threadCount) threads"
            )
            print("  \(experiment.dataSummary)")
            let summary = try experiment.train(resume: resume)
            print(
                String(
                    format: "trained %d epochs in %.0f s; best validation mAP %@ at epoch %@", summary.epochsCompleted, summary.seconds,
                    summary.bestValidationMAP.map { String(format: "%.4f", $0) } ?? "-", summary.bestEpoch.map(String.init) ?? "-"))
            guard !skipEvaluation else { return }
            try experiment.loadCheckpoint()
            let (report, files) = try experiment.evaluate()
            printReport(report, files: files)
        }
    }
}

func printReport(_ report: RunReport, files: [URL]) {
    for entry in report.retrieval {
        let r = entry.report
        print(
            String(
                format: "%@: mAP@all %.4f (tie-aware %.4f)  mAP@%d %.4f  P@H≤%d %.4f  R@H≤%d %.4f  (%d queries, %d database, %d bits)",
                entry.name, r.meanAveragePrecision, r.tieAwareMeanAveragePrecision, r.topK, r.meanAveragePrecisionAtK, r.radius,
                r.precisionWithinRadius, r.radius, r.recallWithinRadius, r.queryCount, r.databaseCount, r.bitCount))
        if let relevance = entry.relevance, let chance = entry.randomRankingPrecision, relevance != "same class" {
            print(String(format: "  relevance: %@; a random ranking scores %.4f", relevance, chance))
        }
    }
    for entry in report.classification {
        print(
            String(
                format: "%@ accuracy %.2f%% (mean per class %.2f%%, %d images)", entry.name, 100 * entry.report.accuracy,
                100 * entry.report.meanPerClassAccuracy, entry.report.count))
    }
    for file in files { print("  wrote \(file.path)") }
}

import ArgumentParser
import Datasets
import Evaluation
import Foundation
import HashingCore
import HashingWorkflows

struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Encode a split of a run's data set into a codes file (.npz).")

    @Option(name: .customLong("run"), help: "Run directory made by `hashing train`.") var runDirectory: String
    @Option(help: "Which images of the run's data set: query, database, train or validation.") var role = "query"
    @Option(help: "Or your own images: a .npy of uint8 [N, H, W] / [N, C, H, W] or float32 in [0, 1] (labels are written as -1).") var images: String?
    @Option(help: "Output .npz file.") var output: String
    @Option(help: "Checkpoint to use (default: the run's best, else last).") var checkpoint: String?
    @OptionGroup var data: DataOptions

    func run() throws {
        try Hashing.reportingErrors {
            guard let role = Split.Role(rawValue: role) else {
                throw ValidationError("--role must be one of: \(Split.Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let experiment = try Experiment.load(runDirectory: URL(fileURLWithPath: runDirectory, isDirectory: true), dataDirectory: data.url)
            try experiment.loadCheckpoint(checkpoint.map { URL(fileURLWithPath: $0) })
            if let images {
                let codes = try experiment.encode(imagesAt: URL(fileURLWithPath: images))
                try CodeFile.write([("images", codes, [Int](repeating: -1, count: codes.count))], to: URL(fileURLWithPath: output))
                print("wrote \(codes.count) codes of \(codes.bitCount) bits (set 'images') to \(output)")
                return
            }
            let encoded = experiment.encode(role)
            try CodeFile.write([(role.rawValue, encoded.codes, encoded.labels)], to: URL(fileURLWithPath: output))
            print("wrote \(encoded.codes.count) codes of \(encoded.codes.bitCount) bits (set '\(role.rawValue)') to \(output)")
        }
    }
}

struct Index: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Build a Hamming index file from a codes file.")

    @Option(help: "Codes file (.npz) from `hashing encode` or `hashing train`.") var codes: String
    @Option(help: "Which set of the codes file to index.") var set = "database"
    @Option(help: "Output index file.") var output: String
    @Option(help: "Multi-index hashing with this many substrings (0 = flat scan index).") var substrings = 0

    func run() throws {
        try Hashing.reportingErrors {
            let (packed, _) = try CodeFile.read(set, from: URL(fileURLWithPath: codes))
            guard substrings >= 0 && substrings <= packed.bitCount else { throw ValidationError("--substrings must be in 0…\(packed.bitCount)") }
            let file = HammingIndexFile(kind: substrings == 0 ? .flat : .multiIndex, substringCount: substrings, codes: packed)
            try file.write(to: URL(fileURLWithPath: output))
            print(
                "indexed \(packed.count) codes of \(packed.bitCount) bits (\(substrings == 0 ? "flat" : "\(substrings)-substring multi-index")) into \(output)"
            )
        }
    }
}

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Search an index with query codes; print neighbours with distances and labels.")

    @Option(help: "Index file from `hashing index`.") var index: String
    @Option(help: "Codes file holding the queries (and the database labels).") var codes: String
    @Option(help: "Set of the codes file holding the queries.") var querySet = "query"
    @Option(help: "Set of the codes file holding the indexed items' labels.") var databaseSet = "database"
    @Option(help: "Neighbours per query.") var k = 10
    @Option(help: "Radius search instead of k-NN: all items within this distance.") var radius: Int?
    @Option(help: "How many queries to show.") var count = 5

    func run() throws {
        try Hashing.reportingErrors {
            let codesURL = URL(fileURLWithPath: codes)
            let queries = try CodeFile.read(querySet, from: codesURL)
            let database = try CodeFile.read(databaseSet, from: codesURL)
            let file: HammingIndexFile
            do {
                file = try HammingIndexFile.read(from: URL(fileURLWithPath: index), expectedBitCount: queries.codes.bitCount)
            } catch {
                throw WorkflowError.invalid("\(index): \(error)")
            }
            guard file.codes.count == database.codes.count else {
                throw WorkflowError.invalid(
                    "the index holds \(file.codes.count) codes but set '\(databaseSet)' of \(codes) has \(database.codes.count)")
            }
            guard k >= 1 else { throw ValidationError("--k must be at least 1") }
            let shown = min(count, queries.codes.count)
            let selected = queries.codes[0..<shown]
            let searcher: any HammingIndex =
                file.kind == .flat ? FlatHammingIndex(file.codes) : MultiIndexHashing(file.codes, substringCount: file.substringCount)
            let results = radius.map { searcher.search(selected, radius: $0) } ?? searcher.search(selected, k: k)
            for (query, neighbours) in results.enumerated() {
                let hits = neighbours.filter { database.labels[$0.index] == queries.labels[query] }.count
                print("query \(query) (label \(queries.labels[query])): \(neighbours.count) neighbours, \(hits) with the same label")
                for neighbour in neighbours.prefix(k) {
                    print("  #\(neighbour.index)  distance \(neighbour.distance)  label \(database.labels[neighbour.index])")
                }
            }
        }
    }
}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate retrieval: mAP@all (and tie-aware), mAP@K, P@K, P@H≤r, R@H≤r, PR curve → JSON report and SVG plots.")

    @Option(name: .customLong("run"), help: "Run directory: encode its query and database sets with its best checkpoint.") var runDirectory: String?
    @Option(help: "Or a codes file with 'query' and 'database' sets.") var codes: String?
    @Option(help: "Where to write report.json and the plots (default: the run directory, or beside the codes file).") var output: String?
    @Option(help: "K of mAP@K.") var topK = 1000
    @Option(help: "Hamming radius of P@H≤r and R@H≤r.") var radius = 2
    @OptionGroup var data: DataOptions

    func run() throws {
        try Hashing.reportingErrors {
            switch (runDirectory, codes) {
            case (let run?, nil):
                let experiment = try Experiment.load(runDirectory: URL(fileURLWithPath: run, isDirectory: true), dataDirectory: data.url)
                try experiment.loadCheckpoint()
                let (report, files) = try experiment.evaluate()
                printReport(report, files: files)
            case (nil, let codes?):
                let url = URL(fileURLWithPath: codes)
                let queries = try CodeFile.read("query", from: url)
                let database = try CodeFile.read("database", from: url)
                let evaluator = try RetrievalEvaluator(
                    queries: queries.codes, queryLabels: RelevanceLabels(classes: queries.labels),
                    database: database.codes, databaseLabels: RelevanceLabels(classes: database.labels))
                let report = try evaluator.evaluate(options: RetrievalOptions(topK: topK, radius: radius))
                let directory = URL(fileURLWithPath: output ?? url.deletingLastPathComponent().path, isDirectory: true)
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                let files = [
                    directory.appendingPathComponent("report.json"), directory.appendingPathComponent("precision-recall.svg"),
                    directory.appendingPathComponent("precision-at-k.svg"),
                ]
                try report.writeJSON(to: files[0])
                try report.writePrecisionRecallSVG(to: files[1])
                try report.writePrecisionAtKSVG(to: files[2])
                printReport(report, files: files)
            default:
                throw ValidationError("give either --run or --codes")
            }
        }
    }
}

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train SSDH on the embedded digits (optdigits + mfeat-pix, no download), evaluate, and print mAP and P@H≤2.")

    @Option(help: "Run directory.") var output = "runs/demo"
    @Option(help: "Code length.") var bits = 32
    @Option(help: "Training epochs.") var epochs = 30
    @Option(help: "Seed.") var seed: UInt64 = 1

    func run() throws {
        try Hashing.reportingErrors {
            var specification = RunSpecification()
            specification.method = "ssdh"
            specification.backbone = "lenet"
            specification.dataset = "embedded-digits"
            specification.bits = bits
            specification.seed = seed
            specification.batchSize = 64
            specification.queryPerClass = 50
            specification.validationPerClass = 30
            specification.trainingPerClass = 250
            specification.trainer.epochs = epochs
            specification.trainer.learningRateMilestones = [epochs * 2 / 3]
            specification.trainer.outputDirectory = output
            specification.trainer.progress = .lines
            specification.evaluation = RetrievalOptions(topK: 100)
            let start = Date()
            let experiment = try Experiment(specification)
            print("demo: SSDH, LeNet, \(bits) bits on the embedded digits (optdigits + mfeat-pix, 28×28): \(experiment.split.summary)")
            _ = try experiment.train(resume: false)
            try experiment.loadCheckpoint()
            let (report, files) = try experiment.evaluate()
            printReport(report, files: files)
            print(
                String(
                    format: "demo finished in %.0f s: mAP@all %.4f, P@H≤2 %.4f; report %@", Date().timeIntervalSince(start),
                    report.meanAveragePrecision, report.precisionWithinRadius, files[0].path))
        }
    }
}

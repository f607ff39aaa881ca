import ArgumentParser
import AtomicFiles
import Datasets
import Evaluation
import Foundation
import HashingCore
import HashingWorkflows

struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Encode a split of a run's data (or your own images) into a codes file (.npz).")

    @Option(name: .customLong("run"), help: "Run directory made by `hashing train`.") var runDirectory: String
    @Option(help: "Which images: query, database, train or validation.") var role: Split.Role = .query
    @Option(help: "Which domain of a domain-pair run the images come from (default: target for a pair, else source).") var domain: Domain?
    @Option(help: "Or your own images: a .npy of uint8 [N, H, W] / [N, C, H, W] or float32 in [0, 1] (labels are written as -1).") var images: String?
    @Option(help: "Output .npz file.") var output: String
    @Option(help: "Checkpoint to use (default: the run's best, else last).") var checkpoint: String?
    @Option(
        help:
            "Encode only slice i of n (i/n, i from 0) of the role's images, in whole batches of \(Shard.batch) (the encoder's chunk): n processes share the work; give the n files in order to `hashing index --codes`."
    )
    var shard: String?
    @Option(
        help:
            "Also write the role's raw images and the run's input standardisation to this .npz (pixels uint8 [N, C, H, W], mean, std, input_shape): what another framework needs to feed the same network (Scripts/check_torch_interop.py)."
    )
    var writeInputs: String?
    @OptionGroup var data: DataOptions

    func run() throws {
        try Hashing.reportingErrors {
            let shard = try self.shard.map { try Shard(parsing: $0) }
            let experiment = try Experiment.load(runDirectory: URL(fileURLWithPath: runDirectory, isDirectory: true), dataDirectory: data.url)
            try experiment.loadCheckpoint(checkpoint.map { URL(fileURLWithPath: $0) })
            let domain = self.domain ?? (experiment.target == nil ? .source : .target)
            if let shard {
                guard images == nil else { throw ValidationError("--shard splits a role's images; split your own .npy into files instead") }
                let encoded = try experiment.encode(role, domain: domain, shard: shard)
                try CodeFile.write([CodeFile.Set(name: role.rawValue, encoded)], to: URL(fileURLWithPath: output))
                let first = encoded.indices.first.map { "images from index \($0)" } ?? "no images"
                print(
                    "wrote \(encoded.codes.count) codes of \(encoded.codes.bitCount) bits (set '\(role.rawValue)', \(domain) domain, "
                        + "shard \(shard), \(first)) to \(output)")
                return
            }
            if let images {
                let codes = try experiment.encode(imagesAt: URL(fileURLWithPath: images), domain: domain)
                try CodeFile.write(
                    [CodeFile.Set(name: "images", codes: codes, labels: [Int](repeating: -1, count: codes.count))], to: URL(fileURLWithPath: output))
                print("wrote \(codes.count) codes of \(codes.bitCount) bits (set 'images', \(domain) domain) to \(output)")
                return
            }
            let encoded = try experiment.encode(role, domain: domain)
            try CodeFile.write([CodeFile.Set(name: role.rawValue, encoded)], to: URL(fileURLWithPath: output))
            if let writeInputs {
                let source = try experiment.images(role, domain: domain)
                let dataset = source.dataset
                let size = dataset.imageShape.reduce(1, *)
                let pixels = source.indices.flatMap { dataset.images[($0 * size)..<(($0 + 1) * size)] }
                let channels = dataset.imageShape[0]
                let normalization = experiment.augmentation.normalization
                try NPZWriter.write(
                    NPZArchive([
                        ("pixels", NumpyArray(shape: [source.count] + dataset.imageShape, values: pixels)),
                        ("mean", NumpyArray(normalization?.mean ?? [Float](repeating: 0, count: channels))),
                        ("std", NumpyArray(normalization?.standardDeviation ?? [Float](repeating: 1, count: channels))),
                        ("input_shape", NumpyArray(experiment.augmentation.outputShape(for: dataset.imageShape).map { Int64($0) })),
                        // 0 = source, 1 = target: which batch-norm branch (DSBN) the images go through, where there are two.
                        ("domain", NumpyArray([Int64(domain == .target ? 1 : 0)])),
                    ]), to: URL(fileURLWithPath: writeInputs))
            }
            print("wrote \(encoded.codes.count) codes of \(encoded.codes.bitCount) bits (set '\(role.rawValue)', \(domain) domain) to \(output)")
        }
    }
}

struct Index: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Build a Hamming index file from a codes file.")

    @Option(help: "Codes file (.npz) from `hashing encode` or `hashing train`; repeat it for the shards of `encode --shard`, in shard order.")
    var codes: [String]
    @Option(help: "Which set of the codes file to index.") var set = "database"
    @Option(help: "Output index file.") var output: String
    @Option(help: "Multi-index hashing with this many substrings (0 = flat scan index).") var substrings = 0

    func validate() throws {
        guard substrings >= 0 else { throw ValidationError("--substrings must be ≥ 0") }
    }

    func run() throws {
        try Hashing.reportingErrors {
            let file = try IndexTools.build(
                codesAt: codes.map { URL(fileURLWithPath: $0) }, set: set, substrings: substrings, output: URL(fileURLWithPath: output))
            let kind = substrings == 0 ? "flat" : "\(substrings)-substring multi-index"
            let from = codes.count == 1 ? "" : " from \(codes.count) codes files"
            print("indexed \(file.codes.count) codes of \(file.codes.bitCount) bits (\(kind))\(from) into \(output)")
        }
    }
}

extension CodeExport.Format: ExpressibleByArgument {}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a set of a codes file for other engines: a FAISS binary index, or packed uint8 .npy (numpy.packbits order).",
        discussion: """
            faiss: an IndexBinaryFlat file for faiss.read_index_binary (the code length must be a multiple of 8).
            packed-npy: uint8 [N, ceil(K/8)] in numpy.packbits bit order (a code's first bit is the most significant \
            bit of its first byte), what FAISS binary indexes and Milvus BINARY_VECTOR fields take, with \
            <stem>_labels.npy and <stem>_ids.npy (int64) beside it. Pack your queries with numpy.packbits(bits, axis=1).
            """)

    @Option(help: "Codes file (.npz) from `hashing encode` or `hashing train`.") var codes: String
    @Option(help: "Which set of the codes file to export.") var set = "database"
    @Option(help: "faiss or packed-npy.") var format: CodeExport.Format
    @Option(help: "Output file (.index for faiss, .npy for packed-npy).") var output: String

    func run() throws {
        try Hashing.reportingErrors {
            let codeSet = try CodeFile.read(set, from: URL(fileURLWithPath: codes))
            let written = try CodeExport.write(codeSet, format: format, to: URL(fileURLWithPath: output))
            print(
                "exported \(codeSet.codes.count) codes of \(codeSet.codes.bitCount) bits (set '\(set)') as \(format.rawValue): "
                    + written.map(\.path).joined(separator: ", "))
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
    @Option(help: "Also write the shown queries' neighbours as JSON: [{\"query\": i, \"ids\": [...], \"distances\": [...]}].")
    var json: String?

    func validate() throws {
        guard k >= 1 else { throw ValidationError("--k must be at least 1") }
        if let radius, radius < 0 { throw ValidationError("--radius must be ≥ 0") }
        guard count >= 0 else { throw ValidationError("--count must be ≥ 0") }
    }

    func run() throws {
        try Hashing.reportingErrors {
            let results = try IndexTools.search(
                index: URL(fileURLWithPath: index), codes: URL(fileURLWithPath: codes), querySet: querySet, databaseSet: databaseSet, k: k,
                radius: radius, count: count)
            for result in results {
                let multi = result.labelSet.count != 1 || result.neighbours.contains { $0.labelSet.count != 1 }
                func describe(_ label: Int, _ set: [Int]) -> String {
                    multi ? "labels {\(set.map(String.init).joined(separator: ", "))}" : "label \(label)"
                }
                print(
                    "query \(result.query) (\(describe(result.label, result.labelSet))): \(result.neighbours.count) neighbours, "
                        + "\(result.relevantCount) \(multi ? "sharing a label" : "with the same label")")
                for neighbour in result.neighbours.prefix(k) {
                    print("  #\(neighbour.index)  distance \(neighbour.distance)  \(describe(neighbour.label, neighbour.labelSet))")
                }
            }
            if let json {
                let rows: [[String: Any]] = results.map { result in
                    ["query": result.query, "ids": result.neighbours.map(\.index), "distances": result.neighbours.map(\.distance)]
                }
                let data = try JSONSerialization.data(withJSONObject: rows)
                do {
                    try AtomicFile.write([UInt8](data), to: URL(fileURLWithPath: json))
                } catch {
                    throw WorkflowError.invalid("could not write \(json): \(error)")
                }
            }
        }
    }
}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate retrieval: mAP@all (and tie-aware), mAP@K, P@K, P@H≤r, R@H≤r, PR curve, and classification → JSON report and SVG plots.",
        discussion:
            "With --run on a domain pair: target queries against the target database and against the labelled source database, and target accuracy.")

    @Option(name: .customLong("run"), help: "Run directory: encode its evaluation sets with its best checkpoint.") var runDirectory: String?
    @Option(help: "Or a codes file with 'query' and 'database' sets.") var codes: String?
    @Option(help: "Where to write report.json and the plots (default: the run directory, or beside the codes file).") var output: String?
    @Option(help: "K of mAP@K (codes files; a run uses its own settings).") var topK = 1000
    @Option(help: "Hamming radius of P@H≤r and R@H≤r (codes files).") var radius = 2
    @OptionGroup var data: DataOptions

    func validate() throws {
        guard (runDirectory == nil) != (codes == nil) else { throw ValidationError("give either --run or --codes") }
        if runDirectory != nil, output != nil { throw ValidationError("--output goes with --codes; a run writes into its directory") }
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1") }
        guard radius >= 0 else { throw ValidationError("--radius must be ≥ 0") }
    }

    func run() throws {
        try Hashing.reportingErrors {
            if let runDirectory {
                let experiment = try Experiment.load(runDirectory: URL(fileURLWithPath: runDirectory, isDirectory: true), dataDirectory: data.url)
                try experiment.loadCheckpoint()
                let (report, files) = try experiment.evaluate()
                printReport(report, files: files)
            } else if let codes {
                let url = URL(fileURLWithPath: codes)
                let directory = URL(fileURLWithPath: output ?? url.deletingLastPathComponent().path, isDirectory: true)
                let (report, files) = try RunReport.evaluateCodes(
                    at: url, options: RetrievalOptions(topK: topK, radius: radius), directory: directory)
                printReport(report, files: files)
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
                    report.primary.meanAveragePrecision, report.primary.precisionWithinRadius, files[0].path))
        }
    }
}

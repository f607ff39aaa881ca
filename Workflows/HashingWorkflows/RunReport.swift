import AtomicFiles
import Datasets
import Evaluation
import Foundation
import HashingCore
import TensorCore

/// The final evaluation of a run, as written to `report.json`: retrieval of each query set
/// against each database, and classification where the method classifies.
public struct RunReport: Codable, Equatable {
    public static let currentFormatVersion = 2

    /// One query set searched in one database.
    public struct Retrieval: Codable, Equatable {
        /// `query-to-database` (a single data set), `target-to-target`, `target-to-source`.
        public var name: String
        public var queries: String
        public var database: String
        public var report: RetrievalReport
        /// When a database item is relevant to a query: `same class`, or `shares a label` for
        /// multi-label data. Absent in reports written before it was recorded (same class).
        public var relevance: String?
        /// The precision of a random ranking (the mean fraction of the database relevant to a
        /// query), the level a method must beat; absent in older reports.
        public var randomRankingPrecision: Double?

        public init(
            name: String, queries: String, database: String, report: RetrievalReport, relevance: String? = nil,
            randomRankingPrecision: Double? = nil
        ) {
            self.name = name
            self.queries = queries
            self.database = database
            self.report = report
            self.relevance = relevance
            self.randomRankingPrecision = randomRankingPrecision
        }
    }

    /// Classification of one image set.
    public struct Classification: Codable, Equatable {
        /// `query` or `target-query`.
        public var name: String
        public var images: String
        public var report: ClassificationReport
    }

    public var formatVersion = RunReport.currentFormatVersion
    /// The method and backbone of the run (`nil` for a report on a codes file).
    public var method: String?
    public var backbone: String?
    public var bits: Int
    /// The data set or domain pair (or the codes file).
    public var dataset: String
    public var sourceDataset: String?
    public var targetDataset: String?
    /// The first entry is the headline (target→target on a domain pair).
    public var retrieval: [Retrieval]
    public var classification: [Classification]
    /// How ties among equal Hamming distances are broken (see ``RetrievalReport/conventions``).
    public var databaseOrder: String

    /// The headline retrieval report.
    public var primary: RetrievalReport { retrieval[0].report }

    /// Reads a report written by a run.
    public init(contentsOf url: URL) throws {
        self = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: url))
    }

    init(
        method: String?, backbone: String?, bits: Int, dataset: String, sourceDataset: String?, targetDataset: String?, retrieval: [Retrieval],
        classification: [Classification], databaseOrder: String
    ) {
        self.method = method
        self.backbone = backbone
        self.bits = bits
        self.dataset = dataset
        self.sourceDataset = sourceDataset
        self.targetDataset = targetDataset
        self.retrieval = retrieval
        self.classification = classification
        self.databaseOrder = databaseOrder
    }

    /// Writes the report, a precision–recall and a precision@K plot of every retrieval entry
    /// into `directory`, atomically; returns the files.
    public func write(to directory: URL, title: String) throws -> [URL] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let reportURL = directory.appendingPathComponent("report.json")
        let prURL = directory.appendingPathComponent("precision-recall.svg")
        let pkURL = directory.appendingPathComponent("precision-at-k.svg")
        try AtomicFile.write(JSONEncoder.pretty.encode(self), to: reportURL)
        let series = retrieval.map { (name: retrieval.count > 1 ? $0.name : "", report: $0.report) }
        try SVGLineChart.precisionRecall(series, title: "\(title): precision–recall").write(to: prURL)
        try SVGLineChart.precisionAtK(series, title: "\(title): precision@K").write(to: pkURL)
        return [reportURL, prURL, pkURL]
    }
}

extension Experiment {
    /// The seeded order databases are ranked in, so ties among equal distances are broken by a
    /// shuffle of the seed rather than by data-set index (which, for data stored sorted by class
    /// such as mfeat, would hand collapsed codes free precision).
    func databaseOrder(count: Int, salt: UInt64) -> [Int] {
        var generator = SeededGenerator(seed: specification.seed ^ 0x6461_7461_6261_7365 ^ salt)
        var order = Array(0..<count)
        order.shuffle(using: &generator)
        return order
    }

    /// Codes, labels and indices of a role of a domain, and the method's predicted classes when
    /// it classifies.
    func encodeWithPredictions(_ role: Split.Role, domain: Domain) throws -> (set: EncodedSet, predictions: [Int]?) {
        encodeWithPredictions(try images(role, domain: domain), domain: domain)
    }

    /// Codes (with labels and indices) and class predictions of a set of data-set images, encoded in
    /// batches of ``Shard/batch``.
    func encodeWithPredictions(_ images: DatasetImageSource, domain: Domain) -> (set: EncodedSet, predictions: [Int]?) {
        let output = inferenceOutputs(method: method, source: images, domain: domain, chunkSize: Shard.batch)
        let codes = PackedCodes(bits: method.binarization.bits(output.codes), bitCount: method.bitCount)
        return (
            EncodedSet(codes: codes, labels: images.labels ?? [], indices: images.indices, labelSets: images.labelSets),
            output.logits?.argmax(alongAxis: 1)
        )
    }

    /// Encodes the evaluation sets, evaluates retrieval (and classification), and writes
    /// `report.json`, `precision-recall.svg`, `precision-at-k.svg` and `codes.npz` into the run
    /// directory.
    ///
    /// A single data set: its queries against its database. A domain pair: the target queries
    /// against the target database (`target-to-target`, the headline) and against the labelled
    /// source training images (`target-to-source`), and target query classification.
    public func evaluate() throws -> (report: RunReport, files: [URL]) {
        let queryDomain: Domain = target == nil ? .source : .target
        let (queries, predictions) = try encodeWithPredictions(.query, domain: queryDomain)
        var databases: [(name: String, description: String, set: EncodedSet, codeSet: String)] = []
        let database = try encode(.database, domain: queryDomain)
        if let target {
            databases.append(
                (
                    "target-to-target", "target \(target.dataset.name) database",
                    database.reordered(databaseOrder(count: database.codes.count, salt: 1)),
                    "database"
                ))
            let sourceDatabase = try encode(.train, domain: .source)
            databases.append(
                (
                    "target-to-source", "labelled source \(source.dataset.name) training images",
                    sourceDatabase.reordered(databaseOrder(count: sourceDatabase.codes.count, salt: 2)), "source_database"
                ))
        } else {
            databases.append(
                (
                    "query-to-database", "\(source.dataset.name) database", database.reordered(databaseOrder(count: database.codes.count, salt: 1)),
                    "database"
                ))
        }
        let queryName = target.map { "target \($0.dataset.name) queries" } ?? "\(source.dataset.name) queries"
        var retrieval: [RunReport.Retrieval] = []
        for entry in databases {
            let queryLabels = try RelevanceLabels(classes: queries.labels, labelSets: queries.labelSets)
            let databaseLabels = try RelevanceLabels(classes: entry.set.labels, labelSets: entry.set.labelSets)
            let evaluator = try RetrievalEvaluator(
                queries: queries.codes, queryLabels: queryLabels, database: entry.set.codes, databaseLabels: databaseLabels)
            retrieval.append(
                .init(
                    name: entry.name, queries: queryName, database: entry.description,
                    report: try evaluator.evaluate(options: specification.evaluation),
                    relevance: queryLabels.relevanceRule,
                    randomRankingPrecision: try databaseLabels.meanRelevantFraction(toQueries: queryLabels)))
        }
        var classification: [RunReport.Classification] = []
        // One predicted class per image is no classification of multi-label images: none is reported.
        if let predictions, queries.labelSets == nil {
            classification.append(
                .init(
                    name: target == nil ? "query" : "target-query", images: queryName,
                    report: try ClassificationReport(predictions: predictions, labels: queries.labels, classCount: dataset.classCount)))
        }
        let report = RunReport(
            method: specification.method, backbone: specification.backbone, bits: specification.bits, dataset: specification.dataset,
            sourceDataset: source.dataset.name, targetDataset: target?.dataset.name, retrieval: retrieval, classification: classification,
            databaseOrder: "each database is ranked in a seeded random order (seed \(specification.seed)); ties are broken in that order")
        var files = try report.write(
            to: runDirectory, title: "\(specification.method) \(specification.bits) bits on \(specification.dataset)")
        let codesURL = runDirectory.appendingPathComponent("codes.npz")
        try CodeFile.write([CodeFile.Set(name: "query", queries)] + databases.map { CodeFile.Set(name: $0.codeSet, $0.set) }, to: codesURL)
        files.append(codesURL)
        return (report, files)
    }
}

extension RunReport {
    /// Evaluates the `query` set of a codes file against its `database` set and writes the
    /// report and plots into `directory`.
    public static func evaluateCodes(at url: URL, options: RetrievalOptions, directory: URL) throws -> (report: RunReport, files: [URL]) {
        let queries = try CodeFile.read("query", from: url)
        let database = try CodeFile.read("database", from: url)
        let queryLabels = try RelevanceLabels(classes: queries.labels, labelSets: queries.labelSets)
        let databaseLabels = try RelevanceLabels(classes: database.labels, labelSets: database.labelSets)
        let evaluator = try RetrievalEvaluator(
            queries: queries.codes, queryLabels: queryLabels, database: database.codes, databaseLabels: databaseLabels)
        let report = RunReport(
            method: nil, backbone: nil, bits: queries.codes.bitCount, dataset: url.path, sourceDataset: nil, targetDataset: nil,
            retrieval: [
                .init(
                    name: "query-to-database", queries: "query", database: "database", report: try evaluator.evaluate(options: options),
                    relevance: queryLabels.relevanceRule,
                    randomRankingPrecision: try? databaseLabels.meanRelevantFraction(toQueries: queryLabels))
            ],
            classification: [], databaseOrder: "the codes file's order; ties are broken by it")
        return (report, try report.write(to: directory, title: url.lastPathComponent))
    }
}

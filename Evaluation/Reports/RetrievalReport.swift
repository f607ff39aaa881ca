import Foundation

/// Precision@K at one cut-off K.
public struct PrecisionAtK: Codable, Equatable, Sendable {
    /// The cut-off K.
    public var k: Int
    /// Mean over queries of (relevant items in the top K) / K.
    public var precision: Double

    public init(k: Int, precision: Double) {
        self.k = k
        self.precision = precision
    }
}

/// Mean precision and recall of the items within one Hamming radius.
public struct PrecisionRecallPoint: Codable, Equatable, Sendable {
    /// The radius r: items at distance ≤ r are retrieved.
    public var radius: Int
    /// Mean over queries of relevant retrieved / retrieved (0 for a query retrieving nothing).
    public var precision: Double
    /// Mean over queries of relevant retrieved / relevant (0 for a query with no relevant item).
    public var recall: Double

    public init(radius: Int, precision: Double, recall: Double) {
        self.radius = radius
        self.precision = precision
        self.recall = recall
    }
}

/// The retrieval metrics of one set of query codes against one database, averaged over queries,
/// as written to `report.json` and plotted by ``SVGLineChart``.
///
/// All means are over every query (``queryCount``), including the ``queriesWithoutRelevantItems``,
/// which score AP 0 and recall 0. See ``RetrievalEvaluator`` for the definitions and ``conventions``
/// for the same rules in words, stored in the file.
///
/// **Shape**: `precisionAtK [cutoffCount]`, `precisionRecallCurve [bitCount + 1]` (radii `0…bitCount`).
public struct RetrievalReport: Codable, Equatable, Sendable {
    /// The version of this JSON layout.
    public static let currentFormatVersion = 1

    /// The conventions behind every number, stored with them.
    public static let standardConventions = [
        "ranking: Hamming distance ascending, ties broken by ascending database index (stable)",
        "relevance: equal class (single-label) or at least one shared label (multi-label)",
        "mAP@all: AP normalised by all relevant items in the database",
        "mAP@K: AP normalised by the relevant items retrieved in the top K (DeepHash-pytorch CalcTopMap)",
        "tie-aware mAP: expected AP@all over random orders within tied distances (McSherry & Najork 2008)",
        "P@K: relevant items in the top K divided by K, also when K exceeds the database size",
        "radius r: distance <= r (inclusive); precision 0 when nothing is retrieved",
        "means are over all queries; a query without relevant items has AP 0 and recall 0",
    ]

    /// The version of the layout this report was written with.
    public var formatVersion: Int
    /// The number of queries averaged over.
    public var queryCount: Int
    /// The number of database codes ranked for each query.
    public var databaseCount: Int
    /// Bits per code.
    public var bitCount: Int
    /// Queries with no relevant item in the database (included in every mean, with AP 0).
    public var queriesWithoutRelevantItems: Int
    /// mAP@all, ties broken by database index.
    public var meanAveragePrecision: Double
    /// The mean tie-aware (expected) AP@all.
    public var tieAwareMeanAveragePrecision: Double
    /// The cut-off K of ``meanAveragePrecisionAtK``.
    public var topK: Int
    /// mAP@K, each AP normalised by the relevant items retrieved in the top K.
    public var meanAveragePrecisionAtK: Double
    /// The precision@K curve.
    public var precisionAtK: [PrecisionAtK]
    /// The radius of ``precisionWithinRadius`` and ``recallWithinRadius`` (usually 2).
    public var radius: Int
    /// Mean precision within Hamming radius ``radius`` (P@H≤r).
    public var precisionWithinRadius: Double
    /// Mean recall within Hamming radius ``radius`` (R@H≤r).
    public var recallWithinRadius: Double
    /// Precision and recall within each radius `0…bitCount`.
    public var precisionRecallCurve: [PrecisionRecallPoint]
    /// The conventions the numbers follow.
    public var conventions: [String]

    public init(
        queryCount: Int, databaseCount: Int, bitCount: Int, queriesWithoutRelevantItems: Int,
        meanAveragePrecision: Double, tieAwareMeanAveragePrecision: Double, topK: Int, meanAveragePrecisionAtK: Double,
        precisionAtK: [PrecisionAtK], radius: Int, precisionWithinRadius: Double, recallWithinRadius: Double,
        precisionRecallCurve: [PrecisionRecallPoint], conventions: [String] = RetrievalReport.standardConventions
    ) {
        self.formatVersion = Self.currentFormatVersion
        self.queryCount = queryCount
        self.databaseCount = databaseCount
        self.bitCount = bitCount
        self.queriesWithoutRelevantItems = queriesWithoutRelevantItems
        self.meanAveragePrecision = meanAveragePrecision
        self.tieAwareMeanAveragePrecision = tieAwareMeanAveragePrecision
        self.topK = topK
        self.meanAveragePrecisionAtK = meanAveragePrecisionAtK
        self.precisionAtK = precisionAtK
        self.radius = radius
        self.precisionWithinRadius = precisionWithinRadius
        self.recallWithinRadius = recallWithinRadius
        self.precisionRecallCurve = precisionRecallCurve
        self.conventions = conventions
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Writes the report as JSON to `url`, atomically (temporary file, then rename).
    ///
    /// - Throws: ``EvaluationError/writeFailed(path:reason:)``.
    public func writeJSON(to url: URL) throws {
        try ReportFileWriter.write(try jsonData(), to: url)
    }

    /// Reads a report written by ``writeJSON(to:)``.
    public init(contentsOf url: URL) throws {
        self = try JSONDecoder().decode(RetrievalReport.self, from: Data(contentsOf: url))
    }

    /// A one-line summary: `mAP=… tie-aware=… mAP@K=… P@H≤r=… R@H≤r=…`.
    public var summary: String {
        func format(_ value: Double) -> String { String(format: "%.4f", value) }
        return "mAP=\(format(meanAveragePrecision)) tie-aware-mAP=\(format(tieAwareMeanAveragePrecision)) "
            + "mAP@\(topK)=\(format(meanAveragePrecisionAtK)) P@H≤\(radius)=\(format(precisionWithinRadius)) "
            + "R@H≤\(radius)=\(format(recallWithinRadius)) queries=\(queryCount) database=\(databaseCount) bits=\(bitCount)"
    }
}

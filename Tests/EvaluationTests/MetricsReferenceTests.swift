import Evaluation
import Foundation
import TestSupport
import Testing

/// `Tests/Fixtures/metrics/reference.json`, written by `Scripts/reference_metrics.py` (numpy and
/// scikit-learn, an independent implementation).
struct MetricsReferenceFixture: Decodable {
    struct Case: Decodable {
        struct Options: Decodable {
            var topK: Int
            var precisionCutoffs: [Int]
            var radius: Int
        }
        struct Expected: Decodable {
            var queriesWithoutRelevantItems: Int
            var meanAveragePrecision: Double
            var tieAwareMeanAveragePrecision: Double
            var meanAveragePrecisionAtK: Double
            var precisionAtK: [Double]
            var precisionWithinRadius: Double
            var recallWithinRadius: Double
            var precisionCurve: [Double]
            var recallCurve: [Double]
            var perQueryAveragePrecision: [Double]
            var perQueryTieAwareAveragePrecision: [Double]
            var perQueryAveragePrecisionAtK: [Double]
            var perQueryRelevantCount: [Int]
        }
        var name: String
        var bitCount: Int
        var labelKind: String
        var queryCodes: [String]
        var databaseCodes: [String]
        var queryLabels: [[Int]]
        var databaseLabels: [[Int]]
        var options: Options
        var expected: Expected

        func labels(_ lists: [[Int]]) throws -> RelevanceLabels {
            labelKind == "single" ? RelevanceLabels(classes: lists.map { $0[0] }) : try RelevanceLabels(labelSets: lists)
        }

        func evaluator() throws -> RetrievalEvaluator {
            try RetrievalEvaluator(
                queries: PackedCodes(bits: queryCodes.map { $0.map { $0 == "1" } }, bitCount: bitCount),
                queryLabels: labels(queryLabels),
                database: PackedCodes(bits: databaseCodes.map { $0.map { $0 == "1" } }, bitCount: bitCount),
                databaseLabels: labels(databaseLabels))
        }

        var retrievalOptions: RetrievalOptions {
            RetrievalOptions(topK: options.topK, precisionCutoffs: options.precisionCutoffs, radius: options.radius)
        }
    }
    var seed: Int
    var cases: [Case]

    static func load() throws -> MetricsReferenceFixture {
        let url = fixturesDirectory.appendingPathComponent("metrics/reference.json")
        return try JSONDecoder().decode(MetricsReferenceFixture.self, from: Data(contentsOf: url))
    }
}

@Suite("Metrics: against the numpy / scikit-learn reference")
struct MetricsReferenceTests {
    static let caseNames = [
        "random-single-16bit", "clustered-single-32bit", "tiny-ties-6bit", "clustered-single-70bit",
        "clustered-multi-24bit", "random-multi-80labels-20bit",
    ]

    @Test func fixtureHasEveryCase() throws {
        let fixture = try MetricsReferenceFixture.load()
        #expect(fixture.cases.map(\.name) == Self.caseNames)
        // The cases exercise what they claim: queries without relevant items, labels beyond one word.
        #expect(fixture.cases.contains { $0.expected.queriesWithoutRelevantItems > 0 && $0.labelKind == "single" })
        #expect(fixture.cases.contains { $0.expected.queriesWithoutRelevantItems > 0 && $0.labelKind == "multi" })
        #expect(fixture.cases.contains { $0.databaseLabels.joined().contains { $0 >= 64 } })
    }

    @Test(arguments: caseNames)
    func reportMatchesReference(_ name: String) throws {
        let fixture = try MetricsReferenceFixture.load()
        let testCase = try #require(fixture.cases.first { $0.name == name })
        let expected = testCase.expected
        let report = try testCase.evaluator().evaluate(options: testCase.retrievalOptions, threadCount: 2)
        let tolerance = (rtol: 1e-6, atol: 1e-12)
        #expect(report.queryCount == testCase.queryCodes.count)
        #expect(report.databaseCount == testCase.databaseCodes.count)
        #expect(report.bitCount == testCase.bitCount)
        #expect(report.queriesWithoutRelevantItems == expected.queriesWithoutRelevantItems)
        expectNear(report.meanAveragePrecision, expected.meanAveragePrecision, rtol: tolerance.rtol, atol: tolerance.atol, "mAP@all")
        expectNear(
            report.tieAwareMeanAveragePrecision, expected.tieAwareMeanAveragePrecision, rtol: tolerance.rtol, atol: tolerance.atol, "tie-aware mAP")
        expectNear(report.meanAveragePrecisionAtK, expected.meanAveragePrecisionAtK, rtol: tolerance.rtol, atol: tolerance.atol, "mAP@K")
        #expect(report.precisionAtK.map(\.k) == testCase.options.precisionCutoffs)
        expectNear(report.precisionAtK.map(\.precision), expected.precisionAtK, rtol: tolerance.rtol, atol: tolerance.atol, "P@K")
        expectNear(report.precisionWithinRadius, expected.precisionWithinRadius, rtol: tolerance.rtol, atol: tolerance.atol, "P@H≤2")
        expectNear(report.recallWithinRadius, expected.recallWithinRadius, rtol: tolerance.rtol, atol: tolerance.atol, "R@H≤2")
        #expect(report.precisionRecallCurve.map(\.radius) == Array(0...testCase.bitCount))
        expectNear(report.precisionRecallCurve.map(\.precision), expected.precisionCurve, rtol: tolerance.rtol, atol: tolerance.atol, "PR precision")
        expectNear(report.precisionRecallCurve.map(\.recall), expected.recallCurve, rtol: tolerance.rtol, atol: tolerance.atol, "PR recall")
    }

    @Test(arguments: caseNames)
    func perQueryMetricsMatchReference(_ name: String) throws {
        let fixture = try MetricsReferenceFixture.load()
        let testCase = try #require(fixture.cases.first { $0.name == name })
        let evaluator = try testCase.evaluator()
        let metrics = try (0..<evaluator.queryCount).map { try evaluator.metrics(forQuery: $0, options: testCase.retrievalOptions) }
        #expect(metrics.map(\.relevantCount) == testCase.expected.perQueryRelevantCount)
        expectNear(metrics.map(\.averagePrecision), testCase.expected.perQueryAveragePrecision, rtol: 1e-9, "AP")
        expectNear(metrics.map(\.tieAwareAveragePrecision), testCase.expected.perQueryTieAwareAveragePrecision, rtol: 1e-9, "tie-aware AP")
        expectNear(metrics.map(\.averagePrecisionAtK), testCase.expected.perQueryAveragePrecisionAtK, rtol: 1e-9, "AP@K")
        // The validation shortcut agrees with the report.
        expectNear(
            try evaluator.meanAveragePrecision(topK: testCase.options.topK), metrics.map(\.averagePrecisionAtK).reduce(0, +) / Double(metrics.count),
            rtol: 1e-12)
        expectNear(try evaluator.meanAveragePrecision(), testCase.expected.meanAveragePrecision, rtol: 1e-9)
    }
}

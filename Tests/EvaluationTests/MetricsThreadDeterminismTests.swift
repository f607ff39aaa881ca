import Evaluation
import Foundation
import TestSupport
import Testing

/// The report does not depend on the thread count (results are reduced in fixed query blocks).
/// Speed is measured by `make bench-eval`, not here.
@Suite("Metrics: thread determinism")
struct MetricsThreadDeterminismTests {
    @Test func reportIsIdenticalForEveryThreadCount() throws {
        let (queryCount, databaseCount, bitCount, classCount) = (300, 2_000, 48, 10)
        var generator = SplitMix64(seed: 2024)
        let centres = (0..<classCount).map { _ in (0..<bitCount).map { _ in Bool.random(using: &generator) } }
        func clustered(_ count: Int) -> (PackedCodes, [Int]) {
            var codes = PackedCodes(bitCount: bitCount)
            var classes: [Int] = []
            for _ in 0..<count {
                let label = Int.random(in: 0..<classCount, using: &generator)
                classes.append(label)
                codes.append(bits: centres[label].map { Double.random(in: 0..<1, using: &generator) < 0.15 ? !$0 : $0 })
            }
            return (codes, classes)
        }
        let (queries, queryClasses) = clustered(queryCount)
        let (database, databaseClasses) = clustered(databaseCount)
        let evaluator = try RetrievalEvaluator(
            queries: queries, queryLabels: RelevanceLabels(classes: queryClasses),
            database: database, databaseLabels: RelevanceLabels(classes: databaseClasses))
        let reports = try [1, 2, 3, 7].map { try evaluator.evaluate(options: RetrievalOptions(topK: 1000), threadCount: $0) }
        #expect(reports.allSatisfy { $0 == reports[0] })
    }
}

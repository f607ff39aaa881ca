import Evaluation
import TestSupport
import Testing

/// The worked example: 3-bit query 000 (class 0) against six database codes.
///
///     index  code  distance  class  relevant
///       0    011      2        0       yes
///       1    000      0        1       no
///       2    001      1        0       yes
///       3    100      1        1       no
///       4    111      3        0       yes
///       5    000      0        0       yes
///
/// Stable ranking: [1, 5, 2, 3, 0, 4] → relevance [0, 1, 1, 0, 1, 1].
private let exampleDatabase = codes(["011", "000", "001", "100", "111", "000"])
private let exampleDatabaseClasses = [0, 1, 0, 1, 0, 0]

@Suite("Metrics: hand-computed cases")
struct MetricsHandComputedTests {
    let evaluator: RetrievalEvaluator

    init() throws {
        // Query 0: the example; query 1: class 7 (nothing relevant); query 2: code 110 (nothing within radius 0).
        evaluator = try RetrievalEvaluator(
            queries: codes(["000", "000", "011"]), queryLabels: RelevanceLabels(classes: [0, 7, 1]),
            database: exampleDatabase, databaseLabels: RelevanceLabels(classes: exampleDatabaseClasses))
    }

    @Test func rankingBreaksTiesByDatabaseIndex() {
        #expect(evaluator.ranking(forQuery: 0) == [1, 5, 2, 3, 0, 4])
        #expect(exampleDatabase.distances(to: evaluator.queries, queryIndex: 0) == [2, 0, 1, 1, 3, 0])
        let allEqual = codes(Array(repeating: "1010", count: 7))
        #expect(allEqual.hammingRanking(to: codes(["0000"]), queryIndex: 0) == Array(0..<7))
    }

    @Test func averagePrecisionAtAllAndAtK() throws {
        let metrics = try evaluator.metrics(forQuery: 0, options: RetrievalOptions(topK: 3, precisionCutoffs: [1, 2, 4, 6, 10]))
        #expect(metrics.relevantCount == 4)
        // Relevant at ranks 2, 3, 5, 6: (1/2 + 2/3 + 3/5 + 4/6) / 4 = 73/120.
        expectNear(metrics.averagePrecision, 73.0 / 120)
        // Top 3 = [0, 1, 1]: (1/2 + 2/3) / 2, normalised by the 2 relevant items retrieved.
        expectNear(metrics.averagePrecisionAtK, 7.0 / 12)
        // P@K divides by K, also for K = 10 > 6 database items.
        expectNear(metrics.precisionAtCutoffs, [0, 1.0 / 2, 2.0 / 4, 4.0 / 6, 4.0 / 10])
        // The free functions agree.
        let ranked = [false, true, true, false, true, true]
        expectNear(averagePrecision(rankedRelevance: ranked), 73.0 / 120)
        expectNear(averagePrecision(rankedRelevance: ranked, topK: 3), 7.0 / 12)
        expectNear(averagePrecision(rankedRelevance: ranked, topK: 1), 0)
        expectNear(averagePrecision(rankedRelevance: ranked, topK: 100), 73.0 / 120)
        expectNear(precision(rankedRelevance: ranked, atK: 4), 0.5)
        // A relevant item in the top K with nothing relevant before it.
        let topOne = try evaluator.metrics(forQuery: 0, options: RetrievalOptions(topK: 1))
        expectNear(topOne.averagePrecisionAtK, 0)
    }

    @Test func tieAwareAveragePrecisionOfTheExample() throws {
        // Groups (size, relevant) = (2,1), (2,1), (1,1), (1,1). The four orders of the ties give
        // AP 73/120, 88/120, 68/120, 83/120: mean 312/480 = 13/20.
        let metrics = try evaluator.metrics(forQuery: 0)
        expectNear(metrics.tieAwareAveragePrecision, 13.0 / 20)
        let groups = [
            TieGroup(size: 2, relevantCount: 1), TieGroup(size: 2, relevantCount: 1),
            TieGroup(size: 1, relevantCount: 1), TieGroup(size: 1, relevantCount: 1),
        ]
        expectNear(tieAwareAveragePrecision(tieGroups: groups), 13.0 / 20)
        // Without ties it is the ordinary AP; with everything tied it is the expected precision
        // of random order: for 1 relevant in 4, (1 + 1/2 + 1/3 + 1/4) / 4.
        expectNear(tieAwareAveragePrecision(tieGroups: [TieGroup(size: 4, relevantCount: 1)]), (1 + 0.5 + 1.0 / 3 + 0.25) / 4)
        expectNear(tieAwareAveragePrecision(tieGroups: [TieGroup(size: 3, relevantCount: 3)]), 1)
        expectNear(tieAwareAveragePrecision(tieGroups: [TieGroup(size: 3, relevantCount: 0)]), 0)
    }

    @Test func precisionAndRecallWithinRadiusAreInclusive() throws {
        let metrics = try evaluator.metrics(forQuery: 0)
        // r = 0: {1, 5}, 1 relevant; r = 1: +{2, 3}; r = 2: +{0} (distance exactly 2); r = 3: +{4}.
        #expect(metrics.retrievedWithinRadius == [2, 4, 5, 6])
        #expect(metrics.relevantWithinRadius == [1, 2, 3, 4])
        expectNear((0...3).map { metrics.precision(withinRadius: $0) }, [1.0 / 2, 2.0 / 4, 3.0 / 5, 4.0 / 6])
        expectNear((0...3).map { metrics.recall(withinRadius: $0) }, [1.0 / 4, 2.0 / 4, 3.0 / 4, 1])
        // A radius beyond the bit count retrieves everything.
        expectNear(metrics.precision(withinRadius: 50), 4.0 / 6)
    }

    @Test func queryWithoutRelevantItemsScoresZeroAndCounts() throws {
        let metrics = try evaluator.metrics(forQuery: 1)
        #expect(metrics.relevantCount == 0)
        #expect(metrics.averagePrecision == 0)
        #expect(metrics.tieAwareAveragePrecision == 0)
        #expect(metrics.averagePrecisionAtK == 0)
        #expect((0...3).allSatisfy { metrics.precision(withinRadius: $0) == 0 && metrics.recall(withinRadius: $0) == 0 })
        // The report's means divide by all three queries.
        let report = try evaluator.evaluate(options: RetrievalOptions(topK: 3, precisionCutoffs: [2]))
        let third = try evaluator.metrics(forQuery: 2, options: RetrievalOptions(topK: 3, precisionCutoffs: [2]))
        #expect(report.queryCount == 3)
        #expect(report.queriesWithoutRelevantItems == 1)
        expectNear(report.meanAveragePrecision, (73.0 / 120 + 0 + third.averagePrecision) / 3)
        expectNear(report.meanAveragePrecisionAtK, (7.0 / 12 + 0 + third.averagePrecisionAtK) / 3)
    }

    @Test func queryRetrievingNothingWithinRadiusHasPrecisionZero() throws {
        // Query 2 is 011 of class 1: database distances [0, 2, 1, 3, 1, 2] — index 0 at distance 0
        // is class 0, so at r = 0 one item is retrieved and none is relevant.
        let metrics = try evaluator.metrics(forQuery: 2)
        #expect(metrics.relevantCount == 2)
        #expect(metrics.retrievedWithinRadius[0] == 1 && metrics.relevantWithinRadius[0] == 0)
        let far = try RetrievalEvaluator(
            queries: codes(["111"]), queryLabels: RelevanceLabels(classes: [0]),
            database: codes(["000", "001"]), databaseLabels: RelevanceLabels(classes: [0, 0]))
        let nothing = try far.metrics(forQuery: 0)
        #expect(nothing.retrievedWithinRadius == [0, 0, 1, 2])
        #expect(nothing.precision(withinRadius: 0) == 0)
        #expect(nothing.precision(withinRadius: 1) == 0)
        #expect(nothing.precision(withinRadius: 2) == 1)
        let report = try far.evaluate(options: RetrievalOptions(radius: 1))
        #expect(report.precisionWithinRadius == 0 && report.recallWithinRadius == 0)
        #expect(report.precisionRecallCurve.map(\.precision) == [0, 0, 1, 1])
        #expect(report.precisionRecallCurve.map(\.recall) == [0, 0, 0.5, 1])
    }

    @Test func multiLabelRelevanceSharesAtLeastOneLabel() throws {
        let database = try RelevanceLabels(labelSets: [[3], [], [0, 2], [1], [5, 1, 3], [70]])
        let queries = try RelevanceLabels(labelSets: [[1, 3], [70, 2], []])
        #expect(database.isMultiLabel && database.count == 6)
        let first = (0..<6).map { database.isRelevant($0, toQuery: 0, of: queries) }
        #expect(first == [true, false, false, true, true, false])
        let second = (0..<6).map { database.isRelevant($0, toQuery: 1, of: queries) }
        #expect(second == [false, false, true, false, false, true])
        #expect((0..<6).allSatisfy { !database.isRelevant($0, toQuery: 2, of: queries) })
        #expect(database.labels(ofItem: 4) == [1, 3, 5])

        let evaluator = try RetrievalEvaluator(
            queries: codes(["00", "00", "00"]), queryLabels: queries,
            database: codes(["01", "00", "11", "10", "00", "01"]), databaseLabels: database)
        #expect(evaluator.relevance(forQuery: 0) == first)
        #expect(evaluator.relevance(forQuery: 1) == second)
        // Query 0: distances [1, 0, 2, 1, 0, 1] → ranking [1, 4, 0, 3, 5, 2], relevance [0, 1, 1, 1, 0, 0]:
        // AP = (1/2 + 2/3 + 3/4) / 3.
        #expect(evaluator.ranking(forQuery: 0) == [1, 4, 0, 3, 5, 2])
        expectNear(try evaluator.metrics(forQuery: 0).averagePrecision, (0.5 + 2.0 / 3 + 0.75) / 3)
        // Query 2 has an empty label set: nothing is relevant.
        #expect(try evaluator.metrics(forQuery: 2).relevantCount == 0)

        // A multi-hot matrix gives the same labels; single-label classes compare as one-label sets.
        let multiHot = RelevanceLabels(multiHot: [[false, true, false, true], [], [true, false, true]])
        #expect(multiHot.labels(ofItem: 0) == [1, 3] && multiHot.labels(ofItem: 1).isEmpty)
        let mixed = try RetrievalEvaluator(
            queries: codes(["00"]), queryLabels: RelevanceLabels(classes: [70]),
            database: codes(["01", "00", "11", "10", "00", "01"]), databaseLabels: database)
        #expect(mixed.relevance(forQuery: 0) == [false, false, false, false, false, true])
    }

    @Test func codesWiderThanOneWord() throws {
        let zeros = String(repeating: "0", count: 130)
        let far = String(repeating: "1", count: 65) + String(repeating: "0", count: 65)
        let near = "1" + String(repeating: "0", count: 128) + "1"
        let evaluator = try RetrievalEvaluator(
            queries: codes([zeros]), queryLabels: RelevanceLabels(classes: [1]),
            database: codes([far, near, zeros]), databaseLabels: RelevanceLabels(classes: [1, 0, 1]))
        #expect(evaluator.ranking(forQuery: 0) == [2, 1, 0])
        let metrics = try evaluator.metrics(forQuery: 0)
        expectNear(metrics.averagePrecision, (1 + 2.0 / 3) / 2)
        #expect(metrics.retrievedWithinRadius[1] == 1 && metrics.retrievedWithinRadius[2] == 2 && metrics.retrievedWithinRadius[65] == 3)
    }
}

@Suite("Metrics: tie-aware AP against enumeration")
struct MetricsTieAwareEnumerationTests {
    /// Every permutation of `items`.
    static func permutations(_ items: [Int]) -> [[Int]] {
        if items.count <= 1 { return [items] }
        var result: [[Int]] = []
        for (index, item) in items.enumerated() {
            var rest = items
            rest.remove(at: index)
            for tail in permutations(rest) { result.append([item] + tail) }
        }
        return result
    }

    /// Mean AP over every order within ties: the product of the permutations of each group.
    static func enumeratedTieAwareAP(relevanceByGroup: [[Bool]]) -> Double {
        var orders: [[Bool]] = [[]]
        for group in relevanceByGroup {
            let groupOrders = permutations(Array(group.indices)).map { $0.map { group[$0] } }
            orders = orders.flatMap { prefix in groupOrders.map { prefix + $0 } }
        }
        return orders.map { averagePrecision(rankedRelevance: $0) }.reduce(0, +) / Double(orders.count)
    }

    @Test func closedFormMatchesEnumerationOnRandomSmallCases() {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let itemCount = Int.random(in: 1...8, using: &generator)
            var groups: [[Bool]] = []
            var remaining = itemCount
            let relevantRate = Double.random(in: 0...1, using: &generator)
            while remaining > 0 {
                let size = Int.random(in: 1...remaining, using: &generator)
                groups.append((0..<size).map { _ in Double.random(in: 0..<1, using: &generator) < relevantRate })
                remaining -= size
            }
            let expected = Self.enumeratedTieAwareAP(relevanceByGroup: groups)
            let closedForm = tieAwareAveragePrecision(
                tieGroups: groups.map { TieGroup(size: $0.count, relevantCount: $0.filter { $0 }.count) })
            expectNear(closedForm, expected, "groups \(groups)")
        }
    }

    @Test func evaluatorMatchesEnumerationOnTiedCodes() throws {
        // 3-bit codes of 8 database items give tie groups of every size; enumerate their orders.
        var generator = SplitMix64(seed: 11)
        for _ in 0..<40 {
            let database = (0..<8).map { _ in String((0..<3).map { _ in Bool.random(using: &generator) ? "1" : "0" }) }
            let classes = (0..<8).map { _ in Int.random(in: 0...2, using: &generator) }
            let evaluator = try RetrievalEvaluator(
                queries: codes(["000"]), queryLabels: RelevanceLabels(classes: [0]),
                database: codes(database), databaseLabels: RelevanceLabels(classes: classes))
            let distances = evaluator.database.distances(to: evaluator.queries, queryIndex: 0)
            let relevanceByGroup = (0...3).map { distance in
                distances.indices.filter { distances[$0] == distance }.map { classes[$0] == 0 }
            }.filter { !$0.isEmpty }
            let metrics = try evaluator.metrics(forQuery: 0)
            expectNear(metrics.tieAwareAveragePrecision, Self.enumeratedTieAwareAP(relevanceByGroup: relevanceByGroup))
            // And the index-ordered AP is the AP of the stable ranking.
            let ranked = evaluator.ranking(forQuery: 0).map { classes[$0] == 0 }
            expectNear(metrics.averagePrecision, averagePrecision(rankedRelevance: ranked))
        }
    }

    @Test func largeTieGroupsUseHarmonicNumbersAccurately() {
        // Groups longer than the direct-sum threshold, far down the ranking, against a direct sum.
        let groups = [
            TieGroup(size: 50_000, relevantCount: 100), TieGroup(size: 5_000, relevantCount: 5_000),
            TieGroup(size: 30, relevantCount: 7), TieGroup(size: 1, relevantCount: 1),
        ]
        var direct = 0.0
        var before = 0
        var relevantBefore = 0
        for group in groups {
            let (t, r) = (group.size, group.relevantCount)
            let slope = t > 1 ? Double(r - 1) / Double(t - 1) : 0
            for j in 1...t {
                direct += Double(r) / Double(t) * (Double(relevantBefore + 1) + Double(j - 1) * slope) / Double(before + j)
            }
            before += t
            relevantBefore += r
        }
        expectNear(tieAwareAveragePrecision(tieGroups: groups), direct / Double(relevantBefore), rtol: 1e-10)
    }
}

@Suite("Metrics: errors and determinism")
struct MetricsErrorTests {
    @Test func badInputsThrowOneLineErrors() throws {
        let four = codes(["0000", "1111"])
        let three = codes(["000"])
        let labels = RelevanceLabels(classes: [0, 1])
        #expect(throws: EvaluationError.bitCountMismatch(queryBits: 3, databaseBits: 4)) {
            try RetrievalEvaluator(queries: three, queryLabels: RelevanceLabels(classes: [0]), database: four, databaseLabels: labels)
        }
        #expect(throws: EvaluationError.labelCountMismatch(role: "database", labelCount: 1, codeCount: 2)) {
            try RetrievalEvaluator(queries: four, queryLabels: labels, database: four, databaseLabels: RelevanceLabels(classes: [0]))
        }
        #expect(throws: EvaluationError.labelCountMismatch(role: "query", labelCount: 3, codeCount: 2)) {
            try RetrievalEvaluator(queries: four, queryLabels: RelevanceLabels(classes: [0, 1, 2]), database: four, databaseLabels: labels)
        }
        #expect(throws: EvaluationError.emptyDatabase) {
            try RetrievalEvaluator(
                queries: four, queryLabels: labels, database: PackedCodes(bitCount: 4), databaseLabels: RelevanceLabels(classes: []))
        }
        #expect(throws: EvaluationError.negativeLabel(label: -2, item: 1)) { try RelevanceLabels(labelSets: [[0], [-2]]) }
        let evaluator = try RetrievalEvaluator(queries: four, queryLabels: labels, database: four, databaseLabels: labels)
        #expect(throws: EvaluationError.nonPositiveCutoff(0)) { try evaluator.evaluate(options: RetrievalOptions(topK: 0)) }
        #expect(throws: EvaluationError.nonPositiveCutoff(-5)) {
            try evaluator.metrics(forQuery: 0, options: RetrievalOptions(precisionCutoffs: [1, -5]))
        }
        #expect(throws: EvaluationError.negativeRadius(-1)) { try evaluator.evaluate(options: RetrievalOptions(radius: -1)) }
        let noQueries = try RetrievalEvaluator(
            queries: PackedCodes(bitCount: 4), queryLabels: RelevanceLabels(classes: []), database: four, databaseLabels: labels)
        #expect(throws: EvaluationError.noQueries) { try noQueries.evaluate() }

        let errors: [EvaluationError] = [
            .bitCountMismatch(queryBits: 3, databaseBits: 4), .labelCountMismatch(role: "query", labelCount: 3, codeCount: 2),
            .emptyDatabase, .noQueries, .nonPositiveCutoff(0), .negativeRadius(-1), .negativeLabel(label: -2, item: 1),
            .writeFailed(path: "/x", reason: "denied"),
        ]
        for error in errors {
            #expect(!error.description.isEmpty && !error.description.contains("\n"))
        }
        #expect(EvaluationError.bitCountMismatch(queryBits: 3, databaseBits: 4).description.contains("3"))
        #expect(EvaluationError.nonPositiveCutoff(0).description == "cut-off K must be positive, got 0")
    }

    @Test func reportDoesNotDependOnThreadCount() throws {
        var generator = SplitMix64(seed: 3)
        let bitCount = 24
        func randomCodes(_ count: Int) -> PackedCodes {
            PackedCodes(bits: (0..<count).map { _ in (0..<bitCount).map { _ in Bool.random(using: &generator) } }, bitCount: bitCount)
        }
        let queries = randomCodes(300)
        let database = randomCodes(700)
        let evaluator = try RetrievalEvaluator(
            queries: queries, queryLabels: RelevanceLabels(classes: (0..<300).map { _ in Int.random(in: 0..<5, using: &generator) }),
            database: database, databaseLabels: RelevanceLabels(classes: (0..<700).map { _ in Int.random(in: 0..<5, using: &generator) }))
        let options = RetrievalOptions(topK: 50, precisionCutoffs: [1, 10, 100])
        let serial = try evaluator.evaluate(options: options, threadCount: 1)
        for threads in [2, 3, 8] {
            #expect(try evaluator.evaluate(options: options, threadCount: threads) == serial)
        }
        // The means are the means of the per-query metrics.
        let perQuery = try (0..<300).map { try evaluator.metrics(forQuery: $0, options: options) }
        expectNear(serial.meanAveragePrecision, perQuery.map(\.averagePrecision).reduce(0, +) / 300, rtol: 1e-12)
        expectNear(serial.tieAwareMeanAveragePrecision, perQuery.map(\.tieAwareAveragePrecision).reduce(0, +) / 300, rtol: 1e-12)
        expectNear(serial.precisionWithinRadius, perQuery.map { $0.precision(withinRadius: 2) }.reduce(0, +) / 300, rtol: 1e-12)
    }
}

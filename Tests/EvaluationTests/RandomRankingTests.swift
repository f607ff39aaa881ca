import Testing

@testable import Evaluation

@Suite("Random-ranking precision")
struct RandomRankingTests {
    @Test("single-label: the mean share of the database in the query's class")
    func singleLabel() throws {
        let database = RelevanceLabels(classes: [0, 0, 1])
        // Query of class 0: 2 of 3 relevant; of class 1: 1 of 3; of class 2: none.
        #expect(try database.meanRelevantFraction(toQueries: RelevanceLabels(classes: [0, 1])) == 0.5)
        #expect(try database.meanRelevantFraction(toQueries: RelevanceLabels(classes: [2])) == 0)
    }

    @Test("multi-label: the mean share of the database sharing a label with the query")
    func multiLabel() throws {
        let database = try RelevanceLabels(labelSets: [[0, 1], [2], [1, 2], []])
        let queries = try RelevanceLabels(labelSets: [[1], [0, 2], [1], [5]])
        // [1] → items 0 and 2 (2/4); [0, 2] → items 0, 1, 2 (3/4); [1] again 2/4; [5] → none.
        let expected = (0.5 + 0.75 + 0.5 + 0) / 4
        #expect(abs(try database.meanRelevantFraction(toQueries: queries) - expected) < 1e-12)
        // A brute-force count over every pair agrees (mixed kinds: single-label queries).
        let single = RelevanceLabels(classes: [2, 0, 1])
        var relevant = 0
        for query in 0..<3 { for item in 0..<4 where database.isRelevant(item, toQuery: query, of: single) { relevant += 1 } }
        #expect(abs(try database.meanRelevantFraction(toQueries: single) - Double(relevant) / 12) < 1e-12)
    }

    @Test("labels beyond 64 classes and an empty side")
    func wideAndEmpty() throws {
        let database = try RelevanceLabels(labelSets: [[70], [3, 130]])
        #expect(try database.meanRelevantFraction(toQueries: RelevanceLabels(classes: [130, 70, 4])) == (0.5 + 0.5 + 0) / 3)
        #expect(try RelevanceLabels(classes: []).meanRelevantFraction(toQueries: RelevanceLabels(classes: [1])) == 0)
    }

    @Test("one constructor for either kind, and the rule reports name")
    func eitherKind() throws {
        let single = try RelevanceLabels(classes: [1, 2], labelSets: nil)
        let multi = try RelevanceLabels(classes: [1, 2], labelSets: [[1, 3], [2]])
        #expect(single == RelevanceLabels(classes: [1, 2]) && single.relevanceRule == "same class")
        #expect(try multi == RelevanceLabels(labelSets: [[1, 3], [2]]) && multi.relevanceRule == "shares a label")
    }
}

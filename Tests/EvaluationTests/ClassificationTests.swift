import Evaluation
import Testing

@Suite("Classification accuracy")
struct ClassificationTests {
    @Test func overallPerClassAndConfusionByHand() throws {
        // Class 0: 2 of 3 right; class 1: 1 of 1; class 2: absent; one item of class 0 predicted 2.
        let report = try ClassificationReport(predictions: [0, 0, 2, 1], labels: [0, 0, 0, 1], classCount: 3)
        #expect(report.count == 4)
        #expect(report.accuracy == 0.75)
        #expect(report.perClassAccuracy == [2.0 / 3, 1, nil])
        #expect(abs(report.meanPerClassAccuracy - (2.0 / 3 + 1) / 2) < 1e-12)
        #expect(report.confusion == [[2, 0, 1], [0, 1, 0], [0, 0, 0]])
    }

    @Test func badInputIsAClearError() {
        #expect(throws: EvaluationError.labelCountMismatch(role: "classification", labelCount: 2, codeCount: 1)) {
            try ClassificationReport(predictions: [0], labels: [0, 1], classCount: 2)
        }
        #expect(throws: EvaluationError.noQueries) { try ClassificationReport(predictions: [], labels: [], classCount: 2) }
        #expect(throws: EvaluationError.classOutOfRange(class: 2, item: 0, classCount: 2)) {
            try ClassificationReport(predictions: [2], labels: [0], classCount: 2)
        }
        #expect(throws: EvaluationError.negativeLabel(label: -1, item: 0)) { try ClassificationReport(predictions: [0], labels: [-1], classCount: 2) }
    }
}

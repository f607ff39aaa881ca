/// Classification accuracy of predicted classes against true ones, overall and per class:
/// what domain-adaptation papers report on the target domain.
public struct ClassificationReport: Codable, Equatable, Sendable {
    /// The number of items scored.
    public var count: Int
    /// The fraction predicted right.
    public var accuracy: Double
    /// For each class `c` (`0..<classCount`): the fraction of items of class `c` predicted right,
    /// or `nil` when no item has class `c`.
    public var perClassAccuracy: [Double?]
    /// The mean of the per-class accuracies over the classes present (balanced accuracy).
    public var meanPerClassAccuracy: Double
    /// `confusion[true][predicted]`: item counts.
    public var confusion: [[Int]]

    /// Scores `predictions` against `labels`.
    ///
    /// - Parameter classCount: the number of classes; every label and prediction must lie in
    ///   `0..<classCount`.
    /// - Throws: ``EvaluationError/labelCountMismatch(role:labelCount:codeCount:)`` when the two
    ///   lists differ in length, ``EvaluationError/noQueries`` when they are empty,
    ///   ``EvaluationError/negativeLabel(label:item:)`` or
    ///   ``EvaluationError/classOutOfRange(class:item:classCount:)`` for a bad class.
    public init(predictions: [Int], labels: [Int], classCount: Int) throws {
        guard predictions.count == labels.count else {
            throw EvaluationError.labelCountMismatch(role: "classification", labelCount: labels.count, codeCount: predictions.count)
        }
        guard !labels.isEmpty else { throw EvaluationError.noQueries }
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for (item, (label, prediction)) in zip(labels, predictions).enumerated() {
            for value in [label, prediction] {
                guard value >= 0 else { throw EvaluationError.negativeLabel(label: value, item: item) }
                guard value < classCount else { throw EvaluationError.classOutOfRange(class: value, item: item, classCount: classCount) }
            }
            confusion[label][prediction] += 1
        }
        let right = (0..<classCount).reduce(0) { $0 + confusion[$1][$1] }
        let perClass: [Double?] = (0..<classCount).map { c in
            let total = confusion[c].reduce(0, +)
            return total == 0 ? nil : Double(confusion[c][c]) / Double(total)
        }
        let present = perClass.compactMap { $0 }
        self.count = labels.count
        self.accuracy = Double(right) / Double(labels.count)
        self.perClassAccuracy = perClass
        self.meanPerClassAccuracy = present.reduce(0, +) / Double(present.count)
        self.confusion = confusion
    }
}

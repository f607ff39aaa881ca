import HashingCore
import TensorCore
import Testing

@Suite("Pseudo-labels")
struct PseudoLabelTests {
    // Row 0: softmax of (2, 0) = (0.881, 0.119); row 1: (0, 0) = (0.5, 0.5); row 2: (-1, 3) → 0.982 for class 1.
    let logits = Tensor(shape: [3, 2], scalars: [2, 0, 0, 0, -1, 3])

    @Test func confidentRowsAreSelectedByIndexAboveTheThreshold() {
        let selected = PseudoLabels.select(logits: logits, indices: [10, 11, 12], threshold: 0.85)
        #expect(selected.labels == [10: 0, 12: 1])
        #expect(selected[11] == nil)
        #expect(selected.selectedCount == 2)
        #expect(abs(selected.selectedFraction - 2.0 / 3) < 1e-12)
        #expect(selected.rows(of: [12, 11, 10]) == (rows: [0, 2], labels: [1, 0]))
        #expect(selected.labels(of: [11, 12]) == [nil, 1])
        let strict = PseudoLabels.select(logits: logits, indices: [10, 11, 12], threshold: 0.9)
        #expect(strict.labels == [12: 1])
        // A probability equal to the threshold is not above it.
        #expect(PseudoLabels.select(logits: logits, indices: [10, 11, 12], threshold: 0.5).labels == [10: 0, 12: 1])
    }

    @Test func mergingTakesTheNewerVerdictForEveryScoredImage() {
        var epoch = PseudoLabels.select(logits: logits, indices: [10, 11, 12], threshold: 0.85)
        // A later step rescored image 12 (now unconfident) and image 11 (now confident).
        let step = PseudoLabels.select(logits: Tensor(shape: [2, 2], scalars: [0, 0, 5, 0]), indices: [12, 11], threshold: 0.85)
        epoch.merge(step)
        #expect(epoch.labels == [10: 0, 11: 0])
        #expect(epoch.scoredIndices == [10, 11, 12])
    }

    @Test func accuracyIsMeasuredOnlyOverTheSelected() {
        let selected = PseudoLabels.select(logits: logits, indices: [10, 11, 12], threshold: 0.85)
        #expect(selected.accuracy { [10: 0, 11: 1, 12: 0][$0]! } == 0.5)
        #expect(PseudoLabels(threshold: 0.9).accuracy { _ in 0 } == nil)
        #expect(PseudoLabels(threshold: 0.9).selectedFraction == 0)
    }

    @Test func largeScoresDoNotOverflow() {
        let selected = PseudoLabels.select(logits: Tensor(shape: [1, 3], scalars: [1000, 990, -1000]), indices: [0], threshold: 0.99)
        #expect(selected.labels == [0: 0])
    }
}

import HashingCore
import TensorCore
import Testing

@Suite("Batch labels")
struct BatchLabelsTests {
    @Test func singleLabelsAreOneElementSetsAndKeepTheirClasses() {
        let labels: BatchLabels = [3, 0, 3]
        #expect(labels.sets == [[3], [0], [3]] && labels.classes == [3, 0, 3] && labels.count == 3)
        #expect(labels == BatchLabels(classes: [3, 0, 3]))
    }

    @Test func labelSetsAreSortedWithoutDuplicatesAndGiveMultiHotRows() {
        let labels = BatchLabels(sets: [[4, 1, 4], [], [2]])
        #expect(labels.sets == [[1, 4], [], [2]])
        #expect(labels.classes == nil)
        #expect(labels.multiHot(classCount: 5).shape == [3, 5])
        #expect(labels.multiHot(classCount: 5).scalars == [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0])
    }
}

import Foundation
import Testing

@testable import Datasets

@Suite("Multi-label digits (mnist-multi)")
struct MultiDigitsTests {
    /// 200 single-channel 3 × 3 images, image `i` filled with the value `i + 1` (so every canvas
    /// cell tells which image it came from, and 0 is an empty cell), labelled `i mod 5`.
    static func sources() throws -> DigitsDataset {
        try DigitsDataset(
            name: "sources", images: (0..<200).flatMap { Array(repeating: UInt8($0 + 1), count: 9) }, imageShape: [1, 3, 3],
            labels: (0..<200).map { $0 % 5 }, classCount: 5)
    }

    static func make(seed: UInt64, trainingCount: Int = 40) throws -> DigitsDataset {
        try MultiDigits.make(
            from: sources(), trainingIndices: Array(0..<150), testIndices: Array(150..<200), trainingCount: trainingCount, testCount: 10,
            seed: seed, name: "multi")
    }

    /// The source image in each cell of canvas `index` (reading order), `nil` for an empty cell;
    /// fails the test when a cell is not one source image copied whole.
    static func cells(of dataset: DigitsDataset, at index: Int) -> [Int?] {
        let canvas = Array(dataset.image(at: index))
        return (0..<4).map { cell in
            let (top, left) = ((cell / 2) * 3, (cell % 2) * 3)
            let values = (0..<3).flatMap { row in (0..<3).map { canvas[(top + row) * 6 + left + $0] } }
            #expect(Set(values).count == 1, "canvas \(index) cell \(cell) mixes images: \(values)")
            return values[0] == 0 ? nil : Int(values[0]) - 1
        }
    }

    @Test("canvases of 2–3 distinct classes, labelled with their set and their first digit's class, no digit used twice")
    func composition() throws {
        let dataset = try Self.make(seed: 7)
        #expect(dataset.imageShape == [1, 6, 6] && dataset.count == 50 && dataset.classCount == 5 && dataset.isMultiLabel)
        let labelSets = try #require(dataset.labelSets)
        var used: [Int] = []
        var digitCounts = Set<Int>()
        var occupiedCells = Set<Int>()
        for index in 0..<dataset.count {
            let cells = Self.cells(of: dataset, at: index)
            let sources = cells.compactMap { $0 }
            let classes = sources.map { $0 % 5 }
            #expect((2...3).contains(sources.count), "canvas \(index) has \(sources.count) digits")
            #expect(Set(classes).count == classes.count, "canvas \(index) repeats a class: \(classes)")
            #expect(labelSets[index] == classes.sorted(), "canvas \(index): set \(labelSets[index]) for digits of classes \(classes)")
            #expect(dataset.labels[index] == classes.first, "canvas \(index): label \(dataset.labels[index]) is not its first digit's")
            // Training canvases from the training digits, test canvases (the last 10) from the test digits.
            #expect(sources.allSatisfy { index < 40 ? $0 < 150 : $0 >= 150 }, "canvas \(index) draws \(sources)")
            used += sources
            digitCounts.insert(sources.count)
            for (cell, source) in cells.enumerated() where source != nil { occupiedCells.insert(cell) }
        }
        #expect(Set(used).count == used.count, "a source digit appears on two canvases")
        #expect(digitCounts == [2, 3] && occupiedCells == [0, 1, 2, 3])
    }

    @Test("the seed decides every choice")
    func seeded() throws {
        #expect(try Self.make(seed: 3) == Self.make(seed: 3))
        #expect(try Self.make(seed: 3).images != Self.make(seed: 4).images)
    }

    @Test("too few digits, or digits that are already multi-label, give a clear error")
    func errors() throws {
        expectDatasetError("invalidLabel", containing: ["multi", "too few training images"]) { try Self.make(seed: 1, trainingCount: 70) }
        let multi = try Self.make(seed: 1)
        expectDatasetError("invalidLabel", containing: ["multi-label"]) {
            try MultiDigits.make(from: multi, trainingIndices: [0], testIndices: [1], trainingCount: 1, testCount: 1, seed: 0)
        }
    }

    @Test("label sets are checked, kept by subsets, and hold each image's label")
    func labelSets() throws {
        let dataset = try DigitsDataset(
            name: "sets", images: Array(repeating: 0, count: 12), imageShape: [1, 2, 2], labels: [1, 0, 2], classCount: 3,
            labelSets: [[2, 1, 1], [0], [0, 2]])
        #expect(dataset.labelSets == [[1, 2], [0], [0, 2]])
        #expect(dataset.subset([2, 0]).labelSets == [[0, 2], [1, 2]] && dataset.subset([2, 0]).labels == [2, 1])
        expectDatasetError("invalidLabel", containing: ["index 1", "does not hold its label 0"]) {
            try DigitsDataset(
                name: "bad", images: Array(repeating: 0, count: 8), imageShape: [1, 2, 2], labels: [1, 0], classCount: 3,
                labelSets: [[1], [2]])
        }
        expectDatasetError("invalidLabel", containing: ["index 0", "label 3 of its set is outside 0..<3"]) {
            try DigitsDataset(
                name: "bad", images: Array(repeating: 0, count: 8), imageShape: [1, 2, 2], labels: [1, 0], classCount: 3,
                labelSets: [[1, 3], [0]])
        }
        expectDatasetError("labelCountMismatch") {
            try DigitsDataset(
                name: "bad", images: Array(repeating: 0, count: 8), imageShape: [1, 2, 2], labels: [1, 0], classCount: 3, labelSets: [[1]])
        }
    }

    @Test("batches carry the label sets of multi-label data, and none when labels are hidden")
    func batches() throws {
        let dataset = try Self.make(seed: 2)
        let loader = try BatchLoader(dataset: dataset, indices: Array(0..<40), batchSize: 8, seed: 0)
        let batch = loader.batch(epoch: 0, index: 1)
        #expect(batch.labelSets == batch.indices.map { dataset.labelSets![$0] })
        let hidden = try BatchLoader(dataset: dataset, indices: Array(0..<40), batchSize: 8, seed: 0, providesLabels: false)
        #expect(hidden.batch(epoch: 0, index: 1).labelSets == nil)
        let single = try BatchLoader(dataset: Self.sources(), batchSize: 8, seed: 0)
        #expect(single.batch(epoch: 0, index: 0).labelSets == nil)
    }
}

import Foundation
import Testing

@testable import HashingCore
@testable import HashingWorkflows

/// `hashing curves`: training curves from grid cells' epoch records.
@Suite("Training curves")
struct TrainingCurvesTests {
    func cell(stepsPerEpoch: Int?, history: [EpochRecord]?, in directory: URL) throws -> URL {
        var specification = RunSpecification()
        specification.stepsPerEpoch = stepsPerEpoch
        let cell = ExperimentCell(
            method: "dah", variant: "hygiene", backbone: "lenet-bn", bits: 64, dataset: "mnist-to-mfeat", seed: 2, specification: specification)
        var record = CellRecord(cell: cell, status: .finished)
        record.history = history
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try JSONEncoder().encode(record).write(to: directory.appendingPathComponent("cell.json"))
        return directory
    }

    func epochs(_ count: Int) -> [EpochRecord] {
        (1...count).map { epoch in
            var record = EpochRecord(epoch: epoch, stage: "train", meanLosses: [], seconds: 1)
            record.targetAccuracy = 0.1 * Double(epoch)
            record.pseudoLabelFraction = 0.25
            record.pseudoLabelAccuracy = epoch == 1 ? nil : 0.5  // nothing selected in the first epoch
            return record
        }
    }

    @Test func eachCellIsALineOfItsEpochRecordsAgainstTheStep() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hashing-curves-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let stepped = try cell(stepsPerEpoch: 400, history: epochs(3), in: root.appendingPathComponent("a"))
        let curves = try TrainingCurves(cellFiles: [stepped, stepped.appendingPathComponent("cell.json")])
        #expect(curves.lines.count == 2 && curves.lines[0].name == "dah@hygiene mnist-to-mfeat seed 2")
        #expect(curves.lines[0].targetAccuracy.map(\.step) == [400, 800, 1200])
        #expect(curves.lines[0].targetAccuracy.map(\.value) == [0.1, 0.2, 0.30000000000000004])
        #expect(curves.lines[0].pseudoLabelPrecision.map(\.step) == [800, 1200])
        let files = try curves.write(prefix: root.appendingPathComponent("out/curves"), title: "test")
        #expect(
            files.map(\.lastPathComponent) == ["curves-target-accuracy.svg", "curves-pseudo-label-precision.svg", "curves-pseudo-label-coverage.svg"])
        let svg = try String(contentsOf: files[0], encoding: .utf8)
        #expect(svg.contains("training step") && svg.contains("dah@hygiene mnist-to-mfeat seed 2") && svg.contains("<polyline"))
        // Without a fixed number of steps per epoch, x counts epochs.
        let perEpoch = try TrainingCurves(cellFiles: [try cell(stepsPerEpoch: nil, history: epochs(2), in: root.appendingPathComponent("b"))])
        #expect(perEpoch.lines[0].targetAccuracy.map(\.step) == [1, 2] && !perEpoch.lines[0].countsSteps)
    }

    @Test func cellsWithoutEpochRecordsAndOtherFilesFailWithOneLine() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hashing-curves-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let old = try cell(stepsPerEpoch: 400, history: nil, in: root.appendingPathComponent("old"))
        let error = try #require(throws: WorkflowError.self) { try TrainingCurves(cellFiles: [old]) }
        #expect(error.description.contains("no epoch records") && !error.description.contains("\n"))
        let empty = root.appendingPathComponent("empty", isDirectory: true)
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let neither = try #require(throws: WorkflowError.self) { try TrainingCurves(cellFiles: [empty]) }
        #expect(neither.description.contains("neither a grid cell"))
        let other = root.appendingPathComponent("other.json")
        try Data("[1, 2]".utf8).write(to: other)
        let notACell = try #require(throws: WorkflowError.self) { try TrainingCurves(cellFiles: [other]) }
        #expect(notACell.description.contains("not a grid cell's record"))
    }

    @Test func aTrainedRunsDirectoryIsReadFromItsCheckpoint() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hashing-curves-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var specification = RunSpecification()
        specification.method = "dah"
        specification.backbone = "lenet-bn"
        specification.dataset = "optdigits-to-mfeat"
        specification.bits = 16
        specification.batchSize = 50
        specification.stepsPerEpoch = 4
        specification.trainingLimit = 200
        specification.validationDatabaseLimit = 100
        specification.methodConfiguration = #"{"pseudoLabelThreshold": 0.2}"#
        specification.trainer.epochs = 2
        specification.trainer.progress = .quiet
        specification.trainer.outputDirectory = root.path
        _ = try Experiment(specification).train(resume: false)
        let line = try #require(try TrainingCurves(cellFiles: [root]).lines.first)
        #expect(line.name.contains("dah") && line.name.contains("optdigits-to-mfeat") && line.countsSteps)
        #expect(line.targetAccuracy.map(\.step) == [4, 8] && line.pseudoLabelCoverage.map(\.step) == [4, 8])
        #expect(line.targetAccuracy.allSatisfy { $0.value >= 0 && $0.value <= 1 })
    }
}

import Evaluation
import Foundation
import HashingCore
import TensorCore

/// Training curves of grid cells: the target accuracy and the pseudo-label precision after each
/// epoch, against the training step, one line per cell (from each cell's `cell.json`).
///
/// Both are evaluation-only numbers: measured with target labels the methods never see, and
/// never used to choose a model.
public struct TrainingCurves {
    public struct Line {
        public var name: String
        /// (step, value) after each epoch that measured it.
        public var targetAccuracy: [(step: Double, value: Double)]
        public var pseudoLabelPrecision: [(step: Double, value: Double)]
        public var pseudoLabelCoverage: [(step: Double, value: Double)]
        /// Whether x is the step (the run had a fixed number of steps per epoch) or the epoch.
        public var countsSteps: Bool
        /// A run's line from its epoch records; x is the step when the run had a fixed number of
        /// steps per epoch, else the epoch.
        init(name: String, history: [EpochRecord], stepsPerEpoch: Int?) {
            let steps = stepsPerEpoch.map(Double.init) ?? 1
            func points(_ value: (EpochRecord) -> Double?) -> [(step: Double, value: Double)] {
                history.compactMap { epoch in value(epoch).map { (Double(epoch.epoch) * steps, $0) } }
            }
            self.name = name
            targetAccuracy = points(\.targetAccuracy)
            pseudoLabelPrecision = points(\.pseudoLabelAccuracy)
            pseudoLabelCoverage = points(\.pseudoLabelFraction)
            countsSteps = stepsPerEpoch != nil
        }
    }

    public var lines: [Line]

    /// Reads `cell.json` files, grid cell directories holding one, or the run directories of
    /// `hashing train` (their `run.json` and the epoch records kept in `last.safetensors`).
    ///
    /// - Throws: ``WorkflowError/invalid(_:)`` for a file that is no cell record or holds
    ///   no epoch records (cells written before the records were kept).
    public init(cellFiles: [URL]) throws {
        lines = try cellFiles.map { url in
            let directory = url.hasDirectoryPath || url.pathExtension.isEmpty
            if directory, !FileManager.default.fileExists(atPath: url.appendingPathComponent("cell.json").path) {
                return try Self.line(runDirectory: url)
            }
            let file = directory ? url.appendingPathComponent("cell.json") : url
            let record: CellRecord
            do {
                record = try JSONDecoder().decode(CellRecord.self, from: Data(contentsOf: file))
            } catch {
                throw WorkflowError.invalid("\(file.path): not a grid cell's record (\(error.localizedDescription))")
            }
            guard let history = record.history, !history.isEmpty else {
                throw WorkflowError.invalid("\(file.path): no epoch records (the cell was trained before they were kept)")
            }
            return Line(
                name: "\(record.cell.column) \(record.cell.dataset) seed \(record.cell.seed)", history: history,
                stepsPerEpoch: record.cell.specification.stepsPerEpoch)
        }
    }

    /// A `hashing train` run directory's line: its specification names it, its last checkpoint
    /// holds the epoch records.
    static func line(runDirectory: URL) throws -> Line {
        let runFile = runDirectory.appendingPathComponent("run.json")
        let checkpoint = runDirectory.appendingPathComponent("last.safetensors")
        guard let specification = try? JSONDecoder().decode(RunSpecification.self, from: Data(contentsOf: runFile)),
            let history = try? SafeTensors.readMetadata(from: checkpoint)["history"].map({
                try JSONDecoder().decode([EpochRecord].self, from: Data($0.utf8))
            }), !history.isEmpty
        else {
            throw WorkflowError.invalid(
                "\(runDirectory.path): neither a grid cell (cell.json) nor a trained run (run.json and last.safetensors with epoch records)")
        }
        return Line(
            name: "\(runDirectory.lastPathComponent) (\(specification.method), \(specification.dataset), seed \(specification.seed))",
            history: history, stepsPerEpoch: specification.stepsPerEpoch)
    }

    /// Three charts: target accuracy, pseudo-label precision and pseudo-label coverage (%),
    /// written atomically to `<prefix>-target-accuracy.svg`, `<prefix>-pseudo-label-precision.svg`
    /// and `<prefix>-pseudo-label-coverage.svg`. Returns the files.
    public func write(prefix: URL, title: String) throws -> [URL] {
        let xAxisTitle = lines.allSatisfy(\.countsSteps) ? "training step" : "epoch (× its steps, where fixed)"
        let charts: [(String, String, KeyPath<Line, [(step: Double, value: Double)]>)] = [
            ("target-accuracy", "target accuracy (%)", \.targetAccuracy),
            ("pseudo-label-precision", "pseudo-label precision (%)", \.pseudoLabelPrecision),
            ("pseudo-label-coverage", "target images with a pseudo-label (%)", \.pseudoLabelCoverage),
        ]
        var files: [URL] = []
        for (suffix, axis, path) in charts {
            let series = lines.map { line in
                SVGLineChart.Series(name: line.name, points: line[keyPath: path].map { SVGLineChart.Point(x: $0.step, y: 100 * $0.value) })
            }
            let url = prefix.deletingLastPathComponent().appendingPathComponent("\(prefix.lastPathComponent)-\(suffix).svg")
            try SVGLineChart(
                title: "\(title): \(axis.replacingOccurrences(of: " (%)", with: ""))", xAxisTitle: xAxisTitle, yAxisTitle: axis, series: series,
                yDomain: 0...100, width: 860
            ).write(to: url)
            files.append(url)
        }
        return files
    }
}

import AtomicFiles
import Datasets
import Evaluation
import Foundation
import HashingCore

/// What a grid recorded about one cell: its run specification, its status and its headline
/// numbers. Written as `cell.json` in the cell's run directory and gathered in `results.json`.
public struct CellRecord: Codable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// Not run yet (or interrupted before it finished).
        case pending
        case finished
        /// Training or evaluation threw; ``CellRecord/error`` says why.
        case failed
    }

    /// The headline numbers of one retrieval entry of the cell's report.
    public struct Retrieval: Codable, Equatable {
        /// `query-to-database`, `target-to-target` or `target-to-source`.
        public var name: String
        public var meanAveragePrecision: Double
        public var tieAwareMeanAveragePrecision: Double
        public var topK: Int
        public var meanAveragePrecisionAtK: Double
        public var radius: Int
        public var precisionWithinRadius: Double
        public var recallWithinRadius: Double
        public var precisionRecallCurve: [PrecisionRecallPoint]
        /// The precision of a random ranking (``RunReport/Retrieval/randomRankingPrecision``);
        /// absent in cells recorded before it was.
        public var randomRankingPrecision: Double?

        public init(_ entry: RunReport.Retrieval) {
            let report = entry.report
            name = entry.name
            meanAveragePrecision = report.meanAveragePrecision
            tieAwareMeanAveragePrecision = report.tieAwareMeanAveragePrecision
            topK = report.topK
            meanAveragePrecisionAtK = report.meanAveragePrecisionAtK
            radius = report.radius
            precisionWithinRadius = report.precisionWithinRadius
            recallWithinRadius = report.recallWithinRadius
            precisionRecallCurve = report.precisionRecallCurve
            randomRankingPrecision = entry.randomRankingPrecision
        }

        public init(
            name: String, meanAveragePrecision: Double, tieAwareMeanAveragePrecision: Double, topK: Int = 1000,
            meanAveragePrecisionAtK: Double = 0, radius: Int = 2, precisionWithinRadius: Double = 0, recallWithinRadius: Double = 0,
            precisionRecallCurve: [PrecisionRecallPoint] = []
        ) {
            self.name = name
            self.meanAveragePrecision = meanAveragePrecision
            self.tieAwareMeanAveragePrecision = tieAwareMeanAveragePrecision
            self.topK = topK
            self.meanAveragePrecisionAtK = meanAveragePrecisionAtK
            self.radius = radius
            self.precisionWithinRadius = precisionWithinRadius
            self.recallWithinRadius = recallWithinRadius
            self.precisionRecallCurve = precisionRecallCurve
        }

        /// The value of a retrieval metric.
        public func value(_ metric: ExperimentGrid.Metric) -> Double? {
            switch metric {
            case .meanAveragePrecision: return meanAveragePrecision
            case .tieAwareMeanAveragePrecision: return tieAwareMeanAveragePrecision
            case .meanAveragePrecisionAtK: return meanAveragePrecisionAtK
            case .precisionWithinRadius: return precisionWithinRadius
            case .recallWithinRadius: return recallWithinRadius
            case .randomRankingPrecision: return randomRankingPrecision
            case .accuracy: return nil
            }
        }
    }

    public var id: String
    public var cell: ExperimentCell
    public var status: Status
    /// Whether a failure was a divergence (a non-finite loss or gradient).
    public var diverged: Bool
    /// The failure, one line.
    public var error: String?
    /// Wall seconds of training and evaluation in the invocation that finished (or failed) the
    /// cell; `nil` when unknown (a report found without a record).
    public var seconds: Double?
    /// Whether that invocation resumed an interrupted run.
    public var resumed: Bool
    public var epochsCompleted: Int?
    public var bestEpoch: Int?
    public var bestValidationMAP: Double?
    /// Every epoch's record (losses, validation, pseudo-label coverage and precision, target
    /// accuracy: the training curves); `nil` in records written before it was kept.
    public var history: [EpochRecord]?
    public var retrieval: [Retrieval]
    /// Accuracy of the first classification entry (query, or target-query on a pair).
    public var accuracy: Double?

    public init(cell: ExperimentCell, status: Status = .pending) {
        id = cell.id
        self.cell = cell
        self.status = status
        diverged = false
        resumed = false
        retrieval = []
    }

    /// Fills the numbers from a run report.
    public mutating func record(_ report: RunReport) {
        retrieval = report.retrieval.map(Retrieval.init)
        accuracy = report.classification.first?.report.accuracy
    }

    /// The value of `metric` on retrieval entry `entry` (ignored for accuracy).
    public func value(_ metric: ExperimentGrid.Metric, entry: String) -> Double? {
        if metric == .accuracy { return accuracy }
        return retrieval.first { $0.name == entry }?.value(metric)
    }
}

/// Runs the cells of a grid one after another, each in `<output>/runs/<cell id>/`, and keeps
/// `results.json`, `results.md` and the plots up to date after every cell.
///
/// Resumable: a cell whose `report.json` exists and whose `run.json` matches is skipped; an
/// interrupted cell resumes from its last checkpoint; a failed cell is recorded with its error
/// (a divergence as such) and the grid goes on. A failure recorded for the same specification is
/// kept on later invocations (training is deterministic) unless `retryFailed` is set.
public final class ExperimentRunner {
    /// What the runner does (or, in a dry run, would do) with a cell.
    public enum Action: String, Sendable {
        case train, resume, skip
        /// A failure recorded for this specification is kept.
        case keepFailure = "keep failure"
    }

    public let grid: ExperimentGrid
    public let output: URL
    public let dataDirectory: URL
    public let cells: [ExperimentCell]
    public var progress: TrainerConfiguration.ProgressStyle = .quiet
    public var retryFailed = false
    /// Called with each line of news (cell started, finished, failed).
    public var log: (String) -> Void = { _ in }
    /// The command shown in `results.md`.
    public var command: String?

    /// The methods and backbones the cells' names are looked up in.
    public let registries: Registries

    public init(grid: ExperimentGrid, output: URL, dataDirectory: URL = DataDirectory.resolved(), registries: Registries = .standard) throws {
        self.registries = registries
        try grid.validate(registries: registries)
        self.grid = grid
        self.output = output
        self.dataDirectory = dataDirectory
        self.cells = try grid.cells(output: output)
    }

    public var resultsFile: URL { output.appendingPathComponent("results.json") }

    func directory(_ cell: ExperimentCell) -> URL { URL(fileURLWithPath: cell.specification.trainer.outputDirectory, isDirectory: true) }

    /// Whether a saved specification is the cell's, ignoring where it is and how progress shows.
    static func same(_ saved: RunSpecification, _ planned: RunSpecification) -> Bool {
        var saved = saved
        saved.trainer.outputDirectory = planned.trainer.outputDirectory
        saved.trainer.progress = planned.trainer.progress
        return saved == planned
    }

    /// The cell's `run.json`, if it has one.
    func savedSpecification(_ cell: ExperimentCell) -> RunSpecification? {
        (try? Data(contentsOf: directory(cell).appendingPathComponent("run.json"))).flatMap {
            try? JSONDecoder().decode(RunSpecification.self, from: $0)
        }
    }

    /// The cell's state on disk: its action and the record to start from.
    public func plan(_ cell: ExperimentCell) -> (action: Action, record: CellRecord) {
        let directory = directory(cell)
        let fileManager = FileManager.default
        let saved = (try? Data(contentsOf: directory.appendingPathComponent("cell.json"))).flatMap {
            try? JSONDecoder().decode(CellRecord.self, from: $0)
        }
        let savedMatches = saved.map { Self.same($0.cell.specification, cell.specification) } ?? false
        let reportFile = directory.appendingPathComponent("report.json")
        let runMatches = savedSpecification(cell).map { Self.same($0, cell.specification) } ?? false
        if runMatches, fileManager.fileExists(atPath: reportFile.path), let report = try? RunReport(contentsOf: reportFile) {
            var record = CellRecord(cell: cell, status: .finished)
            if let saved, savedMatches, saved.status == .finished {
                record = saved
                record.cell = cell
            }
            record.record(report)
            return (.skip, record)
        }
        if let saved, savedMatches, saved.status == .failed, !retryFailed {
            var record = saved
            record.cell = cell
            return (.keepFailure, record)
        }
        let started = runMatches && fileManager.fileExists(atPath: directory.appendingPathComponent("last.safetensors").path)
        return (started ? .resume : .train, CellRecord(cell: cell))
    }

    /// The plan of every cell, for a dry run.
    public func plan() -> [(cell: ExperimentCell, action: Action)] { cells.map { ($0, plan($0).action) } }

    /// Runs (or skips) every cell in order; returns every record and what was done with it.
    @discardableResult
    public func run() throws -> [(record: CellRecord, action: Action)] {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let plans = cells.map { plan($0) }
        var records = plans.map(\.record)
        var actions = plans.map(\.action)
        try writeResults(records)
        for (index, cell) in cells.enumerated() {
            let label = "[\(index + 1)/\(cells.count)] \(cell.id)"
            switch actions[index] {
            case .skip:
                log("\(label): finished before, skipped")
                continue
            case .keepFailure:
                log("\(label): failed before (\(records[index].error ?? "?")), kept; --retry-failed runs it again")
                continue
            case .resume:
                log("\(label): resuming")
            case .train:
                let stale = savedSpecification(cell).map { !Self.same($0, cell.specification) } ?? false
                log("\(label): training\(stale ? " (its run.json was made with other settings: starting again)" : "")")
            }
            records[index] = runCell(cell, resume: actions[index] == .resume)
            let record = records[index]
            try AtomicFile.write(JSONEncoder.pretty.encode(record), to: directory(cell).appendingPathComponent("cell.json"))
            try writeResults(records)
            if record.status == .failed {
                log("\(label): \(record.diverged ? "diverged" : "failed"): \(record.error ?? "")")
            } else {
                let numbers = record.retrieval.map {
                    String(format: "%@ mAP@all %.4f (tie-aware %.4f)", $0.name, $0.meanAveragePrecision, $0.tieAwareMeanAveragePrecision)
                }
                let accuracy = record.accuracy.map { String(format: "; accuracy %.2f%%", 100 * $0) } ?? ""
                log("\(label): finished in \(String(format: "%.0f", record.seconds ?? 0)) s: \(numbers.joined(separator: ", "))\(accuracy)")
            }
            actions[index] = record.status == .failed ? .keepFailure : actions[index]
        }
        return zip(records, actions).map { ($0, $1) }
    }

    /// Trains (or resumes) and evaluates one cell; a thrown error becomes a failed record.
    func runCell(_ cell: ExperimentCell, resume: Bool) -> CellRecord {
        var record = CellRecord(cell: cell)
        record.resumed = resume
        let start = Date()
        do {
            var specification = cell.specification
            specification.trainer.progress = progress
            try FileManager.default.createDirectory(at: directory(cell), withIntermediateDirectories: true)
            if !resume {
                // A fresh start: what an earlier run with other settings left must not be resumed later.
                for name in ["last.safetensors", "best.safetensors", "report.json", "cell.json"] {
                    try? FileManager.default.removeItem(at: directory(cell).appendingPathComponent(name))
                }
            }
            let experiment = try Experiment(specification, dataDirectory: dataDirectory, registries: registries)
            let summary = try experiment.train(resume: resume)
            record.epochsCompleted = summary.epochsCompleted
            record.bestEpoch = summary.bestEpoch
            record.bestValidationMAP = summary.bestValidationMAP
            record.history = summary.history
            try experiment.loadCheckpoint()
            let (report, _) = try experiment.evaluate()
            record.record(report)
            record.status = .finished
        } catch {
            record.status = .failed
            record.error = "\(error)"
            if case .some(let trainingError) = error as? TrainingError {
                switch trainingError {
                case .nonFiniteLoss, .nonFiniteGradient: record.diverged = true
                default: break
                }
            }
        }
        record.seconds = Date().timeIntervalSince(start)
        return record
    }

    /// Writes `results.json`, `results.md` and the plots from `records`.
    public func writeResults(_ records: [CellRecord]) throws {
        let results = ExperimentResults(grid: grid, records: records)
        try results.write(to: output, command: command)
    }
}

import ArgumentParser
import Foundation
import HashingCore
import HashingWorkflows
import TensorCore

/// `hashing experiment FILE.json`: runs a grid of runs and writes its tables and plots.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run a grid of runs (methods × backbones × bits × data sets × seeds × variants) from a JSON file; write results.md/json and plots.",
        discussion: """
            Each cell trains in <output>/runs/<cell id>/. Run it again to continue: finished cells are skipped, an interrupted cell \
            resumes from its last checkpoint, and results.md, results.json and plots/ are rewritten after every cell. \
            See Examples/*/experiment.json.
            """)

    @Argument(help: "The grid file (JSON).") var file: String
    @Option(help: "Output directory (default: runs/<the grid file's folder name, lower-cased>).") var output: String?
    @Option(help: "Threads (default: all cores, or $HASHING_THREADS).") var threads: Int?
    @Flag(help: "Print the cells and what would be done with each, and stop.") var dryRun = false
    @Flag(help: "Run cells that failed before again (by default their recorded failure is kept).") var retryFailed = false
    @Option(help: "Progress output of each run.") var progress: TrainerConfiguration.ProgressStyle = .quiet
    @OptionGroup var data: DataOptions

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    var outputPath: String {
        output ?? "runs/" + URL(fileURLWithPath: file).deletingLastPathComponent().lastPathComponent.lowercased()
    }

    func run() throws {
        try Hashing.reportingErrors {
            if let threads { Engine.threadCount = threads }
            let grid = try ExperimentGrid.load(contentsOf: URL(fileURLWithPath: file))
            let runner = try ExperimentRunner(grid: grid, output: URL(fileURLWithPath: outputPath, isDirectory: true), dataDirectory: data.url)
            runner.progress = progress
            runner.retryFailed = retryFailed
            runner.command = "hashing experiment \(file) --output \(outputPath)"
            runner.log = { print($0) }
            let plan = runner.plan()
            let counts = Dictionary(grouping: plan, by: \.action).mapValues(\.count)
            print(
                "\(grid.name): \(plan.count) cells → \(outputPath); "
                    + [ExperimentRunner.Action.train, .resume, .skip, .keepFailure].map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(
                        separator: ", ")
                    + "; \(Engine.threadCount) threads")
            if dryRun {
                for entry in plan { print("  \(entry.action.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)) \(entry.cell.id)") }
                return
            }
            let start = Date()
            let results = try runner.run()
            let finished = results.filter { $0.record.status == .finished }.count
            let failed = results.filter { $0.record.status == .failed }.count
            print(
                String(
                    format: "%@: %d finished, %d failed of %d cells in %.0f s", grid.name, finished, failed, results.count,
                    Date().timeIntervalSince(start)))
            print("  wrote \(outputPath)/results.md, results.json, plots/")
        }
    }
}

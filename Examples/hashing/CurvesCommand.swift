import ArgumentParser
import Foundation
import HashingWorkflows

struct Curves: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plot training curves of grid cells: target accuracy, pseudo-label precision and coverage against the step (SVG).",
        discussion: """
            Reads each cell's cell.json (a run directory under <grid output>/runs/, or the file), as written by `hashing experiment`, \
            and writes <prefix>-target-accuracy.svg, <prefix>-pseudo-label-precision.svg and <prefix>-pseudo-label-coverage.svg. \
            The numbers are measured with target labels the methods never see (evaluation only).
            """)

    @Argument(help: "Grid cell directories, cell.json files, or `hashing train` run directories.") var cells: [String]
    @Option(help: "Path prefix of the SVG files.") var output: String
    @Option(help: "The charts' title.") var title = "Training curves"

    func validate() throws {
        if cells.isEmpty { throw ValidationError("name at least one cell") }
    }

    func run() throws {
        try Hashing.reportingErrors {
            let curves = try TrainingCurves(cellFiles: cells.map { URL(fileURLWithPath: $0) })
            for file in try curves.write(prefix: URL(fileURLWithPath: output), title: title) { print(file.path) }
        }
    }
}

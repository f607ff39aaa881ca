import AtomicFiles
import Datasets
import Evaluation
import Foundation

/// The tables, plots and JSON of a grid, made from its cell records: `results.md`,
/// `results.json` and `plots/*.svg` in the grid's output directory.
///
/// Each table is one data set, one retrieval entry and one metric: rows are code lengths,
/// columns are method (+ variant, + backbone when the grid has several), cells are the mean ±
/// the sample standard deviation (n − 1) over the seeds that finished, with the number of seeds
/// when fewer than planned, and failures named.
public struct ExperimentResults {
    public static let currentFormatVersion = 1

    public let grid: ExperimentGrid
    public let records: [CellRecord]

    public init(grid: ExperimentGrid, records: [CellRecord]) {
        self.grid = grid
        self.records = records
    }

    /// A column of the tables: a method under a variant with a backbone.
    public struct Column: Hashable {
        public var method: String
        public var variant: String?
        public var backbone: String

        func label(showingBackbone: Bool) -> String {
            method + (variant.map { " (\($0))" } ?? "") + (showingBackbone ? " · \(backbone)" : "")
        }
    }

    /// One table cell's seeds: the values of those that finished, and the others counted by why.
    public struct SeedSummary: Equatable {
        public var values: [Double] = []
        public var planned: Int
        public var diverged = 0
        public var failed = 0
        public var notRun = 0

        public init(values: [Double] = [], planned: Int, diverged: Int = 0, failed: Int = 0, notRun: Int = 0) {
            self.values = values
            self.planned = planned
            self.diverged = diverged
            self.failed = failed
            self.notRun = notRun
        }
    }

    /// The mean of `values` (`nil` when empty).
    public static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// The sample standard deviation, √(Σ(x − x̄)² / (n − 1)); `nil` for fewer than two values.
    public static func sampleStandardDeviation(_ values: [Double]) -> Double? {
        guard values.count >= 2, let mean = mean(values) else { return nil }
        return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
    }

    /// `0.9123 ± 0.0041`, `0.9123 ± 0.0041 (2/3 seeds; 1 diverged)`, `diverged (3/3 seeds)`,
    /// `not run`. Values are multiplied by `scale` and shown with `decimals` decimals.
    public static func format(_ summary: SeedSummary, scale: Double = 1, decimals: Int = 4) -> String {
        let n = summary.planned
        var missing: [String] = []
        if summary.diverged > 0 { missing.append("\(summary.diverged) diverged") }
        if summary.failed > 0 { missing.append("\(summary.failed) failed") }
        if summary.notRun > 0 { missing.append("\(summary.notRun) not run") }
        guard let mean = mean(summary.values) else {
            var parts: [String] = []
            if summary.diverged > 0 { parts.append("diverged (\(summary.diverged)/\(n) seeds)") }
            if summary.failed > 0 { parts.append("failed (\(summary.failed)/\(n) seeds)") }
            if parts.isEmpty { return summary.notRun > 0 ? "not run" : "—" }
            if summary.notRun > 0 { parts.append("\(summary.notRun) not run") }
            return parts.joined(separator: ", ")
        }
        let number = { (value: Double) in String(format: "%.\(decimals)f", value * scale) }
        var text = number(mean)
        if let deviation = sampleStandardDeviation(summary.values) { text += " ± " + number(deviation) }
        if summary.values.count < n {
            text += " (\(summary.values.count)/\(n) seeds\(missing.isEmpty ? "" : "; " + missing.joined(separator: ", ")))"
        }
        return text
    }

    /// One markdown table.
    public struct Table: Equatable {
        public var dataset: String
        /// The retrieval entry (`nil` for accuracy).
        public var entry: String?
        public var metric: ExperimentGrid.Metric
        public var title: String
        public var columns: [String]
        /// `(bits, cells)` in the grid's order of bits.
        public var rows: [(bits: Int, cells: [String])]

        public static func == (lhs: Table, rhs: Table) -> Bool {
            lhs.dataset == rhs.dataset && lhs.entry == rhs.entry && lhs.metric == rhs.metric && lhs.title == rhs.title
                && lhs.columns == rhs.columns && lhs.rows.map(\.bits) == rhs.rows.map(\.bits) && lhs.rows.map(\.cells) == rhs.rows.map(\.cells)
        }

        public var markdown: String {
            var lines = ["| bits | " + columns.joined(separator: " | ") + " |", "|---|" + String(repeating: "---|", count: columns.count)]
            for row in rows { lines.append("| \(row.bits) | " + row.cells.joined(separator: " | ") + " |") }
            return lines.joined(separator: "\n")
        }
    }

    /// The columns, in the grid's order: methods, their variants (base first), backbones.
    public var columns: [Column] {
        grid.methods.flatMap { method in
            grid.variants(of: method).flatMap { variant in grid.backbones.map { Column(method: method, variant: variant, backbone: $0) } }
        }
    }

    func records(dataset: String, column: Column, bits: Int) -> [CellRecord] {
        records.filter {
            $0.cell.dataset == dataset && $0.cell.method == column.method && $0.cell.variant == column.variant
                && $0.cell.backbone == column.backbone && $0.cell.bits == bits
        }
    }

    /// The retrieval entries of a data set's reports, in report order (the headline first).
    public func entries(dataset: String) -> [String] {
        var names: [String] = []
        for record in records where record.cell.dataset == dataset && record.status == .finished {
            for entry in record.retrieval where !names.contains(entry.name) { names.append(entry.name) }
        }
        if names.isEmpty { return ExperimentGrid.isDomainPair(dataset) ? ["target-to-target", "target-to-source"] : ["query-to-database"] }
        return names
    }

    /// The seeds of one table cell.
    public func summary(dataset: String, column: Column, bits: Int, metric: ExperimentGrid.Metric, entry: String) -> SeedSummary {
        var summary = SeedSummary(planned: grid.seeds.count)
        for record in records(dataset: dataset, column: column, bits: bits) {
            switch record.status {
            case .finished: if let value = record.value(metric, entry: entry) { summary.values.append(value) }
            case .failed: if record.diverged { summary.diverged += 1 } else { summary.failed += 1 }
            case .pending: summary.notRun += 1
            }
        }
        return summary
    }

    func title(_ metric: ExperimentGrid.Metric) -> String {
        switch metric {
        case .meanAveragePrecision: return "mAP@all"
        case .tieAwareMeanAveragePrecision: return "tie-aware mAP@all"
        case .meanAveragePrecisionAtK: return "mAP@\(grid.settings.topK)"
        case .precisionWithinRadius: return "P@H≤\(grid.settings.radius)"
        case .recallWithinRadius: return "R@H≤\(grid.settings.radius)"
        case .randomRankingPrecision: return "random ranking's precision"
        case .accuracy: return "accuracy (%)"
        }
    }

    /// Every table: per data set, per metric, per retrieval entry (accuracy: one table).
    public var tables: [Table] {
        let columns = self.columns
        let labels = columns.map { $0.label(showingBackbone: grid.backbones.count > 1) }
        var tables: [Table] = []
        for dataset in grid.datasets {
            for metric in grid.metrics(for: dataset) {
                let entries: [String?] = metric.isRetrieval ? entries(dataset: dataset) : [nil]
                for entry in entries {
                    let rows = grid.bits.map { bits in
                        (
                            bits: bits,
                            cells: columns.map { column in
                                Self.format(
                                    summary(dataset: dataset, column: column, bits: bits, metric: metric, entry: entry ?? ""),
                                    scale: metric == .accuracy ? 100 : 1, decimals: metric == .accuracy ? 2 : 4)
                            }
                        )
                    }
                    let what =
                        entry.map { "\(title(metric)), \($0)" } ?? (ExperimentGrid.isDomainPair(dataset) ? "target \(title(metric))" : title(metric))
                    tables.append(Table(dataset: dataset, entry: entry, metric: metric, title: what, columns: labels, rows: rows))
                }
            }
        }
        return tables
    }

    /// The metric of the plots of a data set: its first retrieval metric (mAP@all if none).
    func plotMetric(dataset: String) -> ExperimentGrid.Metric {
        grid.metrics(for: dataset).first(where: \.isRetrieval) ?? .meanAveragePrecision
    }

    /// The code length of the precision–recall plots.
    public var precisionRecallBits: Int { grid.precisionRecallBits ?? grid.bits.max() ?? 0 }

    /// The plots of a data set: the headline metric against bits per column, and the mean
    /// precision–recall curve (over finished seeds, radius by radius) at ``precisionRecallBits``.
    public func plots(dataset: String) -> [(file: String, chart: SVGLineChart)] {
        let metric = plotMetric(dataset: dataset)
        let entry = entries(dataset: dataset)[0]
        let showBackbone = grid.backbones.count > 1
        var bitsSeries: [SVGLineChart.Series] = []
        var curves: [SVGLineChart.Series] = []
        for column in columns {
            let points = grid.bits.sorted().compactMap { bits -> SVGLineChart.Point? in
                let summary = summary(dataset: dataset, column: column, bits: bits, metric: metric, entry: entry)
                guard let mean = Self.mean(summary.values) else { return nil }
                return SVGLineChart.Point(x: Double(bits), y: mean, label: "\(bits) bits: \(Self.format(summary))")
            }
            bitsSeries.append(SVGLineChart.Series(name: column.label(showingBackbone: showBackbone), points: points))
            let reports = records(dataset: dataset, column: column, bits: precisionRecallBits).filter { $0.status == .finished }
                .compactMap { $0.retrieval.first { $0.name == entry }?.precisionRecallCurve }.filter { !$0.isEmpty }
            var points2: [SVGLineChart.Point] = []
            if let first = reports.first, reports.allSatisfy({ $0.count == first.count }) {
                for radius in first.indices {
                    let precision = Self.mean(reports.map { $0[radius].precision }) ?? 0
                    let recall = Self.mean(reports.map { $0[radius].recall }) ?? 0
                    points2.append(
                        SVGLineChart.Point(
                            x: recall, y: precision,
                            label: String(format: "radius %d: precision %.4f, recall %.4f", first[radius].radius, precision, recall)))
                }
            }
            curves.append(SVGLineChart.Series(name: column.label(showingBackbone: showBackbone), points: points2))
        }
        let seeds = "mean over seeds"
        return [
            (
                "plots/\(dataset)-\(metric.rawValue)-vs-bits.svg",
                SVGLineChart(
                    title: "\(dataset): \(title(metric)) (\(entry)) against code length", xAxisTitle: "bits",
                    yAxisTitle: "\(title(metric)), \(seeds)", series: bitsSeries)
            ),
            (
                "plots/\(dataset)-precision-recall-\(precisionRecallBits)bits.svg",
                SVGLineChart(
                    title: "\(dataset): precision–recall at \(precisionRecallBits) bits (\(entry), \(seeds))", xAxisTitle: "Recall",
                    yAxisTitle: "Precision", series: curves, xDomain: 0...1, yDomain: 0...1)
            ),
        ]
    }

    func count(_ status: CellRecord.Status) -> Int { records.filter { $0.status == status }.count }

    /// `results.md`.
    public func markdown(command: String? = nil) -> String {
        let settings = grid.settings
        var lines: [String] = ["# \(grid.name)", ""]
        if let description = grid.description { lines += [description, ""] }
        let variants =
            grid.variants.isEmpty
            ? ""
            : "; variants "
                + grid.variants.map { variant in
                    let overlay = (try? JSONEncoder.sorted.encode(variant.config)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                    return "\(variant.name) = `\(overlay)`" + (variant.methods.map { " (\($0.joined(separator: ", ")))" } ?? "")
                }.joined(separator: ", ")
        let bases = grid.methodConfigurations.keys.sorted().map { method in
            let overlay = (try? JSONEncoder.sorted.encode(grid.methodConfigurations[method] ?? [:])).map { String(decoding: $0, as: UTF8.self) }
            return "\(method) `\(overlay ?? "{}")`"
        }
        lines += [
            "Grid: methods \(grid.methods.joined(separator: ", ")) · backbones \(grid.backbones.joined(separator: ", ")) · bits "
                + "\(grid.bits.map(String.init).joined(separator: ", ")) · seeds \(grid.seeds.map(String.init).joined(separator: ", "))"
                + (bases.isEmpty ? "" : "; base configurations \(bases.joined(separator: ", "))") + variants + ".",
            "",
            "Protocol: \(settings.epochs) epochs, batch \(settings.batchSize), "
                + (settings.learningRateMilestones.isEmpty
                    ? "constant learning rates"
                    : "learning rates ×\(settings.learningRateGamma) after epoch(s) \(settings.learningRateMilestones.map(String.init).joined(separator: ", "))")
                + ", validation every \(settings.validateEvery) epoch(s); "
                + "per class: \(settings.validationPerClass) validation images (held out of training), and on data sets without an official "
                + "test set \(settings.queryPerClass) queries and \(settings.trainingPerClass) training images (domain pairs use their own protocol)"
                + (settings.trainingLimit > 0 ? "; at most \(settings.trainingLimit) training images" : "")
                + (settings.targetTrainingLimit.map { "; adaptation on at most \($0) unlabelled target training images" } ?? "")
                + (settings.imageSize.map { "; images resized to \($0)×\($0)" } ?? "")
                + (settings.channels.map { "; \($0) channels" } ?? "")
                + (settings.inputNormalization == .none ? "; pixels in [0, 1]" : "; pixels standardised by the training images' mean and sd")
                + "; mAP@K with K = \(settings.topK), radius r = \(settings.radius).",
            "",
            "Each cell is the mean ± the sample standard deviation (n − 1) over the seeds that finished; \"(k/n seeds)\" follows when "
                + "fewer than the n planned seeds finished, with the others counted as diverged (a non-finite loss or gradient), failed "
                + "or not run; one seed shows no ±.",
            "",
            "Cells: \(records.count) planned, \(count(.finished)) finished, \(count(.failed)) failed, \(count(.pending)) not run. "
                + String(
                    format: "Recorded training + evaluation time: %.0f s.",
                    records.compactMap { $0.status == .pending ? nil : $0.seconds }.reduce(0, +)),
        ]
        if let command {
            lines += ["", "Produced by `\(command)`: every run is in `<output>/runs/<cell id>/`, every number in `<output>/results.json`."]
        }
        let tables = self.tables
        for dataset in grid.datasets {
            lines += ["", "## \(dataset)", ""]
            if let summary = (try? DataCatalog.entry(named: dataset))?.summary ?? (try? DataCatalog.domainPairEntry(named: dataset))?.summary {
                lines += [summary, ""]
            }
            for table in tables where table.dataset == dataset {
                lines += ["### \(dataset): \(table.title)", "", table.markdown, ""]
            }
            for plot in plots(dataset: dataset) { lines.append("![\(plot.chart.title)](\(plot.file))") }
            let failures = records.filter { $0.cell.dataset == dataset && $0.status == .failed }
            if !failures.isEmpty {
                lines += ["", "Failures:", ""]
                lines += failures.map { "- `\($0.id)`: \($0.error ?? "unknown error")" }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `results.json`: the grid and every cell's record.
    public struct File: Codable {
        public var formatVersion: Int
        public var grid: ExperimentGrid
        public var cells: [CellRecord]
    }

    /// Writes `results.json`, `results.md` and the plots into `directory`, atomically.
    public func write(to directory: URL, command: String? = nil) throws {
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("plots"), withIntermediateDirectories: true)
        let file = File(formatVersion: Self.currentFormatVersion, grid: grid, cells: records)
        try AtomicFile.write(JSONEncoder.pretty.encode(file), to: directory.appendingPathComponent("results.json"))
        for dataset in grid.datasets {
            for plot in plots(dataset: dataset) { try plot.chart.write(to: directory.appendingPathComponent(plot.file)) }
        }
        try AtomicFile.write(Data(markdown(command: command).utf8), to: directory.appendingPathComponent("results.md"))
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

import Foundation
import HashingWorkflows
import Testing

/// `hashing experiment`: grid files, their validation, cell expansion, the tables, and a tiny
/// real grid that resumes by skipping what it finished.
@Suite("Experiment grids", .serialized)
struct ExperimentGridTests {
    func parse(_ json: String) throws -> ExperimentGrid {
        let grid = try ExperimentGrid.parse(Data(json.utf8))
        try grid.validate()
        return grid
    }

    /// The error message of `body`, or `nil` if it did not throw.
    func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("hashing-grid-\(UUID().uuidString)", isDirectory: true)
    }

    @Test func parsesAGridWithDefaults() throws {
        let grid = try parse(
            """
            {"name": "g", "methods": ["ssdh", "dcwh"], "bits": [12, 24], "datasets": ["mnist", "optdigits-to-mfeat"], "seeds": [1, 2],
             "variants": [{"name": "lr0.01", "method": "dcwh", "config": {"learningRate": 0.01}}],
             "settings": {"epochs": 20, "batchSize": 32}}
            """)
        #expect(grid.backbones == ["lenet"])
        #expect(grid.settings.epochs == 20)
        #expect(grid.settings.batchSize == 32)
        // The default milestone follows the epochs; the other settings keep RunSpecification's defaults.
        #expect(grid.settings.learningRateMilestones == [14])
        #expect(grid.settings.validationPerClass == RunSpecification().validationPerClass)
        #expect(grid.settings.topK == RunSpecification().evaluation.topK)
        #expect(grid.metrics(for: "mnist") == [.meanAveragePrecision])
        #expect(grid.metrics(for: "optdigits-to-mfeat") == [.tieAwareMeanAveragePrecision, .accuracy])
        #expect(grid.variants[0].methods == ["dcwh"])
    }

    @Test func everyRunSettingIsAGridSettingAndReachesTheCells() throws {
        // Non-default values of settings the grid did not have before one schema.
        let grid = try parse(
            #"{"name": "g", "methods": ["ssdh"], "bits": [12], "datasets": ["embedded-digits"], "settings": "#
                + #"{"learningRateWarmupEpochs": 1, "labelEmbeddings": "names.npy", "validationTopK": 50, "precisionCutoffs": [1, 10], "#
                + #""stages": [{"name": "only", "epochs": 10}], "radius": 3}}"#)
        let cell = try #require(try grid.cells(output: URL(fileURLWithPath: "/tmp/g")).first).specification
        #expect(cell.trainer.learningRateWarmupEpochs == 1 && cell.labelEmbeddings == "names.npy" && cell.trainer.validationTopK == 50)
        #expect(cell.evaluation.precisionCutoffs == [1, 10] && cell.evaluation.radius == 3 && cell.trainer.stages.map(\.name) == ["only"])
        // The schema reads and writes every setting: each value read back as written.
        var specification = RunSpecification()
        specification.trainer.learningRateWarmupEpochs = 2
        specification.targetTrainingLimit = 7
        let values = specification.settingValues
        #expect(Set(values.keys) == Set(RunSpecification.settingNames))
        var copy = RunSpecification()
        try copy.apply(settings: values)
        #expect(copy == specification)
    }

    @Test func rejectsUnknownKeysByName() {
        let top = message { _ = try parse(#"{"name": "g", "methods": ["ssdh"], "bits": [12], "datasets": ["mnist"], "epochs": 3}"#) }
        #expect(top?.contains("unknown key 'epochs' in the grid") == true)
        #expect(top?.contains("settings") == true)
        let settings = message {
            _ = try parse(#"{"name": "g", "methods": ["ssdh"], "bits": [12], "datasets": ["mnist"], "settings": {"epoch": 3}}"#)
        }
        #expect(settings?.contains("unknown setting 'epoch'; settings: epochs, batchSize") == true)
        #expect(settings?.contains("epochs") == true)
        let variant = message {
            _ = try parse(
                #"{"name": "g", "methods": ["ssdh"], "bits": [12], "datasets": ["mnist"], "variants": [{"name": "a", "conf": {}}]}"#)
        }
        #expect(variant?.contains("unknown key 'conf' in a variant") == true)
        let missing = message { _ = try parse(#"{"name": "g", "methods": ["ssdh"], "datasets": ["mnist"]}"#) }
        #expect(missing == "missing key 'bits'")
        let type = message { _ = try parse(#"{"name": "g", "methods": ["ssdh"], "bits": [12], "datasets": ["mnist"], "seeds": "1"}"#) }
        #expect(type == "'seeds' has the wrong type")
    }

    @Test func unknownNamesFailNamingTheAlternatives() {
        let method = message { _ = try parse(#"{"name": "g", "methods": ["ssdhh"], "bits": [12], "datasets": ["mnist"]}"#) }
        #expect(method?.contains("unknown method 'ssdhh'; available: ssdh, dcwh, idcwh") == true)
        let dataset = message { _ = try parse(#"{"name": "g", "methods": ["ssdh"], "bits": [12], "datasets": ["mnst"]}"#) }
        #expect(dataset?.contains("unknown data set or domain pair 'mnst'") == true)
        #expect(dataset?.contains("optdigits-to-mfeat") == true && dataset?.contains("fashion-mnist") == true)
        let backbone = message {
            _ = try parse(#"{"name": "g", "methods": ["ssdh"], "backbones": ["alexnet"], "bits": [12], "datasets": ["mnist"]}"#)
        }
        #expect(backbone?.contains("unknown backbone 'alexnet'") == true)
        let metric = message { _ = try parse(#"{"name": "g", "methods": ["ssdh"], "bits": [12], "datasets": ["mnist"], "metrics": ["map"]}"#) }
        #expect(metric?.contains("unknown metric 'map'; available: meanAveragePrecision") == true)
        let configuration = message {
            _ = try parse(
                #"{"name": "g", "methods": ["ssdh"], "bits": [12], "datasets": ["mnist"], "variants": [{"name": "a", "config": {"lr": 1}}]}"#)
        }
        #expect(configuration?.contains("variant 'a' of ssdh: ssdh has no configuration field 'lr'") == true)
        let restricted = message {
            _ = try parse(
                #"{"name": "g", "methods": ["ssdh"], "bits": [12], "datasets": ["mnist"], "variants": [{"name": "a", "method": "dcwh", "config": {}}]}"#
            )
        }
        #expect(restricted?.contains("variant 'a' names method 'dcwh', which the grid does not run") == true)
        let milestones = message {
            _ = try parse(
                #"{"name": "g", "methods": ["ssdh"], "bits": [12], "datasets": ["mnist"], "settings": {"epochs": 3, "learningRateMilestones": [5]}}"#
            )
        }
        #expect(milestones?.contains("learningRateMilestones must lie in 0…3") == true)
        #expect(
            message { _ = try ExperimentGrid.load(contentsOf: URL(fileURLWithPath: "/nonexistent/grid.json")) }
                == "/nonexistent/grid.json: no such grid file")
    }

    @Test func expandsCellsWithVariantsRestrictedToMethods() throws {
        let grid = try parse(
            """
            {"name": "g", "methods": ["ssdh", "dcwh"], "bits": [12, 24, 48], "datasets": ["mnist", "optdigits-to-mfeat"], "seeds": [1, 2],
             "methodConfigurations": {"dcwh": {"quantizationWeight": 0.5}},
             "variants": [{"name": "lr0.01", "methods": ["dcwh"], "config": {"learningRate": 0.01}},
                          {"name": "wd0", "config": {"weightDecay": 0}}]}
            """)
        let cells = try grid.cells(output: URL(fileURLWithPath: "/tmp/out"))
        // ssdh: base + wd0; dcwh: base + lr0.01 + wd0 — 5 columns × 3 bits × 2 data sets × 2 seeds.
        #expect(cells.count == 5 * 3 * 2 * 2)
        #expect(Set(cells.map(\.id)).count == cells.count)
        #expect(!cells.contains { $0.method == "ssdh" && $0.variant == "lr0.01" })
        let cell = try #require(
            cells.first { $0.method == "dcwh" && $0.variant == "lr0.01" && $0.bits == 24 && $0.seed == 2 && $0.dataset == "mnist" })
        #expect(cell.id == "mnist_dcwh@lr0.01_lenet_24bits_seed2")
        #expect(cell.specification.trainer.outputDirectory == "/tmp/out/runs/mnist_dcwh@lr0.01_lenet_24bits_seed2")
        // The variant's overlay lands on the method's base overlay.
        #expect(cell.specification.methodConfiguration == #"{"learningRate":0.01,"quantizationWeight":0.5}"#)
        #expect(cell.specification.seed == 2 && cell.specification.bits == 24)
        #expect(cells.first { $0.method == "ssdh" && $0.variant == nil }?.specification.methodConfiguration == "{}")
        #expect(cells.first?.id == "mnist_ssdh_lenet_12bits_seed1")
        // Seeds are outermost: every seed-1 cell comes first.
        #expect(cells.prefix(cells.count / 2).allSatisfy { $0.seed == 1 })
    }

    @Test func formatsMeanAndSampleStandardDeviation() {
        // Mean 2, sample variance ((−1)² + 0 + 1²) / (3 − 1) = 1.
        #expect(ExperimentResults.sampleStandardDeviation([1, 2, 3]) == 1)
        #expect(ExperimentResults.sampleStandardDeviation([5]) == nil)
        #expect(ExperimentResults.format(.init(values: [0.5, 0.6, 0.7], planned: 3)) == "0.6000 ± 0.1000")
        #expect(ExperimentResults.format(.init(values: [0.5, 0.7], planned: 3, diverged: 1)) == "0.6000 ± 0.1414 (2/3 seeds; 1 diverged)")
        #expect(ExperimentResults.format(.init(values: [0.5], planned: 3, failed: 1, notRun: 1)) == "0.5000 (1/3 seeds; 1 failed, 1 not run)")
        #expect(ExperimentResults.format(.init(values: [0.9], planned: 1)) == "0.9000")
        #expect(ExperimentResults.format(.init(planned: 3, diverged: 2, notRun: 1)) == "diverged (2/3 seeds), 1 not run")
        #expect(ExperimentResults.format(.init(planned: 3, notRun: 3)) == "not run")
        #expect(ExperimentResults.format(.init(values: [0.95, 0.97], planned: 2), scale: 100, decimals: 2) == "96.00 ± 1.41")
    }

    @Test func tableMarksFailedCells() throws {
        let grid = try parse(#"{"name": "g", "methods": ["ssdh", "dcwh"], "bits": [12, 32], "datasets": ["mnist"], "seeds": [1, 2]}"#)
        let cells = try grid.cells(output: URL(fileURLWithPath: "/tmp/out"))
        let values: [String: Double] = [
            "mnist_ssdh_lenet_12bits_seed1": 0.8, "mnist_ssdh_lenet_12bits_seed2": 0.9, "mnist_ssdh_lenet_32bits_seed1": 0.85,
            "mnist_dcwh_lenet_32bits_seed1": 0.7, "mnist_dcwh_lenet_32bits_seed2": 0.7,
        ]
        let records = cells.map { cell -> CellRecord in
            var record = CellRecord(cell: cell)
            if let value = values[cell.id] {
                record.status = .finished
                record.retrieval = [.init(name: "query-to-database", meanAveragePrecision: value, tieAwareMeanAveragePrecision: value)]
            } else if cell.method == "dcwh" {
                record.status = .failed
                record.diverged = true
                record.error = "training diverged: loss term 'center' is nan"
            }
            return record
        }
        let results = ExperimentResults(grid: grid, records: records)
        let tables = results.tables
        #expect(tables.count == 1)
        let table = try #require(tables.first)
        #expect(table.columns == ["ssdh", "dcwh"])
        #expect(table.rows.map(\.bits) == [12, 32])
        #expect(table.rows[0].cells == ["0.8500 ± 0.0707", "diverged (2/2 seeds)"])
        #expect(table.rows[1].cells == ["0.8500 (1/2 seeds; 1 not run)", "0.7000 ± 0.0000"])
        let markdown = results.markdown()
        #expect(markdown.contains("| 12 | 0.8500 ± 0.0707 | diverged (2/2 seeds) |"))
        #expect(markdown.contains("sample standard deviation (n − 1)"))
        #expect(markdown.contains("- `mnist_dcwh_lenet_12bits_seed1`: training diverged: loss term 'center' is nan"))
        #expect(markdown.contains("Cells: 8 planned, 5 finished, 2 failed, 1 not run."))
    }

    /// The smallest real grid: it trains both seeds, writes its outputs, and a second invocation
    /// skips both cells without training.
    @Test func tinyGridRunsThenSkipsFinishedCells() throws {
        let output = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: output) }
        let grid = try parse(
            """
            {"name": "tiny", "methods": ["ssdh"], "bits": [8], "datasets": ["embedded-digits"], "seeds": [1, 2],
             "settings": {"epochs": 1, "learningRateMilestones": [], "batchSize": 50, "queryPerClass": 5, "validationPerClass": 2,
                          "trainingPerClass": 10, "validationDatabaseLimit": 100, "topK": 50}}
            """)
        let first = try ExperimentRunner(grid: grid, output: output)
        #expect(first.plan().map(\.action) == [.train, .train])
        let results = try first.run()
        #expect(results.map(\.action) == [.train, .train])
        #expect(results.allSatisfy { $0.record.status == .finished && $0.record.seconds != nil && $0.record.epochsCompleted == 1 })
        // Each cell keeps its epoch records (the training curves' data).
        #expect(results.allSatisfy { $0.record.history?.map(\.epoch) == [1] })
        let mAP = try #require(results.first?.record.retrieval.first?.meanAveragePrecision)
        #expect(mAP > 0 && mAP <= 1)
        let markdown = try String(contentsOf: output.appendingPathComponent("results.md"), encoding: .utf8)
        #expect(markdown.contains("### embedded-digits: mAP@all, query-to-database"))
        #expect(markdown.contains("Cells: 2 planned, 2 finished, 0 failed, 0 not run."))
        let file = try JSONDecoder().decode(ExperimentResults.File.self, from: Data(contentsOf: output.appendingPathComponent("results.json")))
        #expect(file.cells.map(\.status) == [.finished, .finished])
        #expect(file.cells.map(\.id) == ["embedded-digits_ssdh_lenet_8bits_seed1", "embedded-digits_ssdh_lenet_8bits_seed2"])
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("plots/embedded-digits-meanAveragePrecision-vs-bits.svg").path))
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("plots/embedded-digits-precision-recall-8bits.svg").path))
        let checkpoint = output.appendingPathComponent("runs/embedded-digits_ssdh_lenet_8bits_seed1/last.safetensors")
        let modified = try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as? Date

        // A new invocation: nothing is retrained, the records (with their times) are kept.
        let second = try ExperimentRunner(grid: grid, output: output)
        var lines: [String] = []
        second.log = { lines.append($0) }
        let again = try second.run()
        #expect(again.map(\.action) == [.skip, .skip])
        #expect(again.map(\.record) == results.map(\.record))
        #expect(lines.allSatisfy { $0.hasSuffix("finished before, skipped") })
        #expect(try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as? Date == modified)

        // Another seed in the grid: only its cell trains.
        var larger = grid
        larger.seeds = [1, 2, 3]
        #expect(try ExperimentRunner(grid: larger, output: output).plan().map(\.action) == [.skip, .skip, .train])

        // A cell stopped after its checkpoint but before its report resumes from the checkpoint
        // (nothing left to train) and ends with the same numbers.
        try FileManager.default.removeItem(at: output.appendingPathComponent("runs/embedded-digits_ssdh_lenet_8bits_seed2/report.json"))
        let third = try ExperimentRunner(grid: grid, output: output)
        #expect(third.plan().map(\.action) == [.skip, .resume])
        let resumed = try third.run()
        #expect(resumed.map(\.action) == [.skip, .resume])
        #expect(resumed[1].record.resumed && resumed[1].record.status == .finished)
        #expect(resumed[1].record.retrieval == results[1].record.retrieval)
    }

    /// A cell that throws is recorded as failed with its error, the grid goes on, the failure is
    /// kept on the next invocation and run again on request.
    @Test func failedCellIsRecordedAndKept() throws {
        let output = temporaryDirectory()
        let emptyData = temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: emptyData)
        }
        try FileManager.default.createDirectory(at: emptyData, withIntermediateDirectories: true)
        let grid = try parse(#"{"name": "missing data", "methods": ["ssdh"], "bits": [8], "datasets": ["mnist"], "seeds": [1, 2]}"#)
        let first = try ExperimentRunner(grid: grid, output: output, dataDirectory: emptyData)
        let results = try first.run()
        #expect(results.map(\.record.status) == [.failed, .failed])
        let error = try #require(results[0].record.error)
        #expect(error.contains("fetch-mnist.sh"))
        #expect(!results[0].record.diverged)
        let markdown = try String(contentsOf: output.appendingPathComponent("results.md"), encoding: .utf8)
        #expect(markdown.contains("| 8 | failed (2/2 seeds) |"))
        #expect(markdown.contains("- `mnist_ssdh_lenet_8bits_seed1`: \(error)"))
        #expect(try ExperimentRunner(grid: grid, output: output, dataDirectory: emptyData).plan().map(\.action) == [.keepFailure, .keepFailure])
        let retry = try ExperimentRunner(grid: grid, output: output, dataDirectory: emptyData)
        retry.retryFailed = true
        #expect(retry.plan().map(\.action) == [.train, .train])
    }
}

/// docs/settings.md names every run setting (it is `hashing settings`' output).
@Test func theSettingsPageListsEverySetting() throws {
    let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/settings.md")
    let text = try String(contentsOf: page, encoding: .utf8)
    for name in RunSpecification.settingNames { #expect(text.contains("| `\(name)` |"), "docs/settings.md lacks \(name)") }
}

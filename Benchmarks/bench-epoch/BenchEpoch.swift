import ArgumentParser
import BenchSupport
import Datasets
import Foundation
import HashingCore
import HashingWorkflows
import TensorCore

/// One whole SSDH training epoch on MNIST as users run it — the real `Trainer`, batch assembly,
/// standardisation, losses, updates, the validation pass and the checkpoints — against the same
/// epoch in PyTorch CPU (`Benchmarks/pytorch/ssdh_epoch.py`, data in memory), in the same run and
/// at the same thread counts; with where our epoch's time goes.
@main
struct BenchEpoch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-epoch",
        abstract: "A whole SSDH epoch on MNIST (trainer, data path, validation): this toolkit vs PyTorch CPU, same run.")

    @Option(help: "Comma-separated thread counts.") var threads: String = "1,2"
    @Option(help: "Code length.") var bits: Int = 48
    @Option(help: "Batch size.") var batchSize: Int = 128
    @Option(help: "Timed epochs per measurement; the fastest is kept.") var repeats: Int = 2
    @Option(help: "Python interpreter with torch installed; empty to skip the PyTorch side.") var python: String = ""
    @Option(help: "The PyTorch peer script.") var script: String = "Benchmarks/pytorch/ssdh_epoch.py"
    @Option(help: "Data directory (default: $HASHING_DATA, else ./data).") var dataDirectory: String?

    mutating func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let counts = try threadCounts(threads)
        print(cpuDescription())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-epoch-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        var specification = RunSpecification()
        specification.method = "ssdh"
        specification.dataset = "mnist"
        specification.bits = bits
        specification.batchSize = batchSize
        specification.trainer.epochs = 1
        specification.trainer.learningRateMilestones = []
        specification.trainer.progress = .quiet
        specification.trainer.outputDirectory = directory.appendingPathComponent("run").path
        let data = dataDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? DataDirectory.resolved()
        let peerData = directory.appendingPathComponent("mnist.npz")
        var lines: [String] = []
        for count in counts {
            Engine.threadCount = count
            var best: (seconds: Double, timings: EpochTimings)?
            var images = 0
            for _ in 0..<repeats {
                // A fresh run each time (the same seed): data loading and network set-up are not timed.
                let experiment = try Experiment(specification, dataDirectory: data)
                if !FileManager.default.fileExists(atPath: peerData.path) { try writePeerData(experiment, to: peerData) }
                let trainer = try experiment.makeTrainer()
                images = trainer.data.stepsPerEpoch * batchSize
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try trainer.run()
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if best.map({ seconds < $0.seconds }) ?? true, let timings = trainer.epochTimings.first { best = (seconds, timings) }
                try? FileManager.default.removeItem(at: URL(fileURLWithPath: specification.trainer.outputDirectory))
            }
            guard let best else { continue }
            let t = best.timings
            print(
                String(
                    format: "  ours threads=%d: epoch %.2f s (%.0f training images/s): steps %.2f, batch assembly %.2f, validation %.2f,"
                        + " checkpoints %.2f, before the epoch %.2f, other %.2f",
                    count, best.seconds, Double(images) / t.steps, t.steps, t.batches, t.validation, t.checkpoints, t.prepare, t.other))
            var line = "ssdh-epoch threads=\(count) ours=\(String(format: "%.2f", best.seconds))s"
            if !python.isEmpty {
                let theirs = try runPythonBenchmark(
                    python: python, script: script,
                    arguments: [
                        "--threads", "\(count)", "--data", peerData.path, "--bits", "\(bits)", "--batch-size", "\(batchSize)",
                        "--epochs", "\(repeats)",
                    ], threads: count)
                line += " pytorch=\(String(format: "%.2f", theirs))s ratio=\(String(format: "%.2f", theirs / best.seconds))"
            }
            print(line)
            lines.append(line)
        }
        if let peak = peakMemoryMegabytes() {
            print(
                "peak memory (max RSS): this process \(peak.process) MB (MNIST, both thread counts' runs)"
                    + (python.isEmpty ? "" : ", PyTorch peer \(peak.largestChild) MB"))
        }
        print("ratio = PyTorch's epoch time / ours (above 1: we are faster); \(cpuDescription())")
        if let twoThreads = lines.first(where: { $0.contains("threads=2 ") }), lines.last != twoThreads { print(twoThreads) }
    }

    /// The peer's data: the MNIST images as bytes, the labels, the run's training, validation-query
    /// and validation-database positions, and the standardisation constants.
    func writePeerData(_ experiment: Experiment, to url: URL) throws {
        let dataset = experiment.dataset
        guard let trainer = try? experiment.makeTrainer(), let validation = trainer.validation,
            let queries = validation.queries as? DatasetImageSource, let database = validation.database as? DatasetImageSource,
            let normalization = experiment.augmentation.normalization
        else { throw PeerBenchmarkError(description: "bench-epoch: the run has no validation set or no input standardisation") }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let archive = NPZArchive([
            ("train_images", NumpyArray(shape: [dataset.count] + dataset.imageShape, values: dataset.images)),
            ("train_labels", NumpyArray(dataset.labels.map { Int64($0) })),
            ("train_indices", NumpyArray(experiment.trainingIndices.map { Int64($0) })),
            ("validation_query_indices", NumpyArray(queries.indices.map { Int64($0) })),
            ("validation_database_indices", NumpyArray(database.indices.map { Int64($0) })),
            ("mean", NumpyArray([normalization.mean[0]])),
            ("std", NumpyArray([normalization.standardDeviation[0]])),
        ])
        try NPZWriter.write(archive, to: url)
    }
}

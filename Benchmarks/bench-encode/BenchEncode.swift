import ArgumentParser
import BenchSupport
import Datasets
import Evaluation
import Foundation
import HashingCore
import HashingWorkflows
import TensorCore

/// Encoding as users run it (`hashing encode`): every MNIST image (65,000) through SSDH's network
/// in evaluation mode, binarised and packed, against PyTorch inference of the same network in the
/// same run (`Benchmarks/pytorch/ssdh_encode.py`), at the same thread counts.
@main
struct BenchEncode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-encode",
        abstract: "Images to packed codes (65,000 MNIST images, SSDH 48 bits): this toolkit vs PyTorch CPU inference, same run.")

    @Option(help: "Comma-separated thread counts.") var threads: String = "1,2"
    @Option(help: "Code length.") var bits: Int = 48
    @Option(help: "Repeat each measurement and keep the best.") var repeats: Int = 3
    @Option(help: "Python interpreter with torch installed; empty to skip the PyTorch side.") var python: String = ""
    @Option(help: "The PyTorch peer script.") var script: String = "Benchmarks/pytorch/ssdh_encode.py"
    @Option(help: "Data directory (default: $HASHING_DATA, else ./data).") var dataDirectory: String?
    @Option(help: "Images encoded together, by both sides (default: the encoder's chunk, \(inferenceChunkSize)).")
    var chunkSize: Int = inferenceChunkSize

    func validate() throws {
        guard chunkSize >= 1 else { throw ValidationError("--chunk-size must be at least 1, got \(chunkSize)") }
    }

    mutating func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let counts = try threadCounts(threads)
        print("bench-encode: \(cpuDescription())")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-encode-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        var specification = RunSpecification()
        specification.method = "ssdh"
        specification.dataset = "mnist"
        specification.bits = bits
        specification.trainer.outputDirectory = directory.appendingPathComponent("run").path
        let experiment = try Experiment(
            specification, dataDirectory: dataDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? DataDirectory.resolved())
        let dataset = experiment.dataset
        let images = DatasetImageSource(dataset: dataset, indices: Array(0..<dataset.count), augmentation: experiment.augmentation)
        let peerData = directory.appendingPathComponent("images.npz")
        if !python.isEmpty {
            guard let normalization = experiment.augmentation.normalization else {
                throw PeerBenchmarkError(description: "bench-encode: the run does not standardise its inputs")
            }
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try NPZWriter.write(
                NPZArchive([
                    ("images", NumpyArray(shape: [dataset.count] + dataset.imageShape, values: dataset.images)),
                    ("mean", NumpyArray([normalization.mean[0]])), ("std", NumpyArray([normalization.standardDeviation[0]])),
                ]), to: peerData)
        }
        var lines: [String] = []
        for count in counts {
            Engine.threadCount = count
            var best = Double.infinity
            var codes: PackedCodes?
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                codes = encodeCodes(method: experiment.method, source: images, domain: .source, chunkSize: chunkSize)
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            guard codes?.count == dataset.count else { throw PeerBenchmarkError(description: "bench-encode: wrong number of codes") }
            var line =
                "ssdh-encode images=\(dataset.count) bits=\(bits) chunk=\(chunkSize) threads=\(count) ours=\(String(format: "%.2f", best))s"
                + " (\(String(format: "%.0f", Double(dataset.count) / best)) images/s)"
            if !python.isEmpty {
                let theirs = try runPythonBenchmark(
                    python: python, script: script,
                    arguments: [
                        "--threads", "\(count)", "--data", peerData.path, "--bits", "\(bits)", "--repeats", "\(repeats)",
                        "--chunk-size", "\(chunkSize)",
                    ],
                    threads: count)
                line += " pytorch=\(String(format: "%.2f", theirs))s ratio=\(String(format: "%.2f", theirs / best))"
            }
            print(line)
            lines.append(line)
        }
        print("ratio = PyTorch's time / ours (above 1: we are faster)")
        if let twoThreads = lines.first(where: { $0.contains("threads=2 ") }), lines.last != twoThreads { print(twoThreads) }
    }
}

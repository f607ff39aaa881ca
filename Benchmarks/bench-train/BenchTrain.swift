import ArgumentParser
import Backbones
import BenchSupport
import Foundation
import NeuralNet
import Optimizers
import TensorCore

/// Times LeNet training steps (forward + backward + SGD-momentum update, batch 128, 28×28)
/// in this engine and, in the same run, in PyTorch CPU, at the same thread counts.
@main
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-train",
        abstract: "LeNet training throughput: this engine vs PyTorch CPU, same machine, same run.")

    @Option(help: "Comma-separated thread counts.") var threads: String = "1,2"
    @Option(help: "Batch size.") var batchSize: Int = 128
    @Option(help: "Timed steps per measurement.") var steps: Int = 40
    @Option(help: "Untimed warm-up steps.") var warmup: Int = 5
    @Option(help: "Repeat each measurement and keep the best.") var repeats: Int = 3
    @Option(help: "Python interpreter with torch installed; empty to skip the PyTorch side.") var python: String = ""
    @Option(help: "The PyTorch benchmark script.") var script: String = "Benchmarks/pytorch/lenet_train.py"

    mutating func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)  // progress lines appear at once, even in a log file
        let counts = try threadCounts(threads)
        print("bench-train: \(cpuDescription())")
        var lines: [String] = []
        for count in counts {
            let ours = measureOurs(threads: count)
            var line = "lenet-train-b\(batchSize) threads=\(count) ours=\(String(format: "%.0f", ours))"
            if !python.isEmpty {
                let theirs = try measurePyTorch(threads: count)
                line += " pytorch=\(String(format: "%.0f", theirs)) ratio=\(String(format: "%.2f", ours / theirs))"
            }
            print(line)
            lines.append(line)
        }
        // The contract: the last line is the 2-thread comparison when measured.
        if let twoThreads = lines.first(where: { $0.contains("threads=2 ") }), lines.last != twoThreads {
            print(twoThreads)
        }
    }

    /// Images per second of our training step, best of `repeats`.
    func measureOurs(threads: Int) -> Double {
        Engine.threadCount = threads
        var generator = SeededGenerator(seed: 1)
        let model = LeNet(generator: &generator)
        let optimizer = SGD(model.trainableParameters(), learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4)
        let images = Tensor.uniform([batchSize, 1, 28, 28], generator: &generator)
        let labels = (0..<batchSize).map { $0 % 10 }
        func step() {
            let (_, gradients) = valueAndGradient(of: optimizer.parameters) {
                crossEntropy(logits: model(images), labels: labels)
            }
            optimizer.update(gradients)
        }
        for _ in 0..<warmup { step() }
        var best = 0.0
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<steps { step() }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = max(best, Double(steps * batchSize) / seconds)
        }
        return best
    }

    func measurePyTorch(threads: Int) throws -> Double {
        try runPythonBenchmark(
            python: python, script: script,
            arguments: peerArguments(threads: threads, batchSize: batchSize, steps: steps, warmup: warmup, repeats: repeats),
            threads: threads)
    }
}

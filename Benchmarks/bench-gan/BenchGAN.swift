import ArgumentParser
import BenchSupport
import Foundation
import HashingCore
import IntersectantGAN
import MethodCatalog
import TensorCore

/// Times one full Intersectant-GAN training step (all five networks: forward, backward and the
/// two Adam updates; batch 100 source + 100 target images, 28×28, 64 bits, LeNet encoder) in this
/// engine and, in the same run, the same step in PyTorch CPU (Benchmarks/pytorch/igan_step.py),
/// at the same thread counts.
@main
struct BenchGAN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-gan",
        abstract: "One Intersectant-GAN training step: this engine vs PyTorch CPU, same machine, same run.")

    @Option(help: "Comma-separated thread counts.") var threads: String = "1,2"
    @Option(help: "Source images per step (as many target images).") var batchSize: Int = 100
    @Option(help: "Timed steps per measurement.") var steps: Int = 10
    @Option(help: "Untimed warm-up steps.") var warmup: Int = 3
    @Option(help: "Measurements; the median is reported.") var repeats: Int = 3
    @Option(help: "Python interpreter with torch installed; empty to skip the PyTorch side.") var python: String = ""
    @Option(help: "The PyTorch benchmark script.") var script: String = "Benchmarks/pytorch/igan_step.py"

    mutating func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let counts = try threadCounts(threads)
        guard batchSize >= 10, steps >= 1, repeats >= 1, warmup >= 0 else {
            throw ValidationError("--batch-size must be ≥ 10 (one image per class), --steps and --repeats ≥ 1")
        }
        print("bench-gan: \(cpuDescription()) batch=\(batchSize)+\(batchSize) bits=64 backbone=lenet steps=\(steps) repeats=\(repeats)")
        for count in counts {
            let (ours, parts) = try measureOurs(threads: count)
            var line = "igan-step threads=\(count) ours=\(Self.milliseconds(ours))"
            if !python.isEmpty {
                let theirs = try measurePyTorch(threads: count)
                line += " pytorch=\(Self.milliseconds(theirs)) ratio=\(String(format: "%.2f", theirs / ours))"
            }
            print(line)
            print(
                "  where our step's time goes (forward passes alone, ms): "
                    + parts.map { "\($0.name)=\(Self.milliseconds($0.seconds))" }.joined(separator: " "))
        }
        print("ratio = PyTorch seconds per step / ours (above 1: we are faster)")
    }

    static func milliseconds(_ seconds: Double) -> String { String(format: "%.1fms", seconds * 1000) }

    /// Median seconds per full step, and the forward-only time of each network group.
    func measureOurs(threads: Int) throws -> (Double, [(name: String, seconds: Double)]) {
        Engine.threadCount = threads
        let context = MethodContext(
            bitCount: 64, classCount: 10, inputShape: [1, 28, 28], backbone: try MethodCatalog.backbones().registration(named: "lenet"),
            domainCount: 2, seed: 1)
        guard let method = try MethodCatalog.registry().make("intersectant-gan", context: context) as? IntersectantGANMethod else {
            throw ValidationError("intersectant-gan is not an IntersectantGANMethod")
        }
        var generator = SeededGenerator(seed: 1)
        let source = Tensor.uniform([batchSize, 1, 28, 28], generator: &generator)
        let target = Tensor.uniform([batchSize, 1, 28, 28], generator: &generator) * 0.6 + 0.3
        let batch = TrainingBatch(
            source: DomainBatch(images: source, labels: (0..<batchSize).map { $0 % 10 }, indices: Array(0..<batchSize), domain: .source),
            target: DomainBatch(images: target, labels: nil, indices: Array(batchSize..<(2 * batchSize)), domain: .target))
        let progress = TrainingProgress(epoch: 0, epochCount: 1, step: 0, stepsPerEpoch: steps, stageName: "adversarial-1")
        method.network.train(true)
        func time(_ body: () throws -> Void) rethrows -> Double {
            for _ in 0..<warmup { try body() }
            var timings: [Double] = []
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<steps { try body() }
                timings.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(steps))
            }
            return timings.sorted()[timings.count / 2]
        }
        let step = try time { _ = try method.trainingStep(batch, progress: progress) }
        // Forward passes alone, as many images as a step sends through each group.
        let model = method.model
        let both = Tensor.concatenate([source, target], axis: 0)
        let codes = model.codes(both).detached()
        let encoder = time { _ = model.classifier(model.codes(both)) }
        let generators = time {
            _ = model.sourceGenerator(codes)
            _ = model.targetGenerator(codes)
        }
        // Update 1 sends 100 images through each discriminator, update 2 sends 200.
        let discriminators = time {
            _ = model.sourceDiscriminator(both)
            _ = model.targetDiscriminator(both)
            _ = model.sourceDiscriminator(source)
            _ = model.targetDiscriminator(target)
        }
        return (step, [("encoder", encoder), ("generators", generators), ("discriminators", discriminators)])
    }

    func measurePyTorch(threads: Int) throws -> Double {
        try runPythonBenchmark(
            python: python, script: script,
            arguments: peerArguments(threads: threads, batchSize: batchSize, steps: steps, warmup: warmup, repeats: repeats),
            threads: threads)
    }
}

import ArgumentParser
import Backbones
import Datasets
import Foundation
import NeuralNet
import Optimizers
import TensorCore

/// Trains the Caffe/SSDH LeNet on real MNIST with SGD and reports test accuracy — the engine's
/// end-to-end check: if the tape, the layers or the optimizer were wrong, this would not reach
/// 98.5 %.
@main
struct LeNetDemo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lenet-demo",
        abstract: "Train LeNet on MNIST (55,000 training images; 10,000 official test images) and print accuracy.")

    @Option(help: "Training epochs.") var epochs: Int = 8
    @Option(help: "Mini-batch size.") var batchSize: Int = 64
    @Option(help: "Initial learning rate (×0.1 after 3/4 of the epochs).") var learningRate: Float = 0.01
    @Option(help: "Random seed for initialisation and shuffling.") var seed: UInt64 = 1
    @Option(help: "Threads (default: all cores).") var threads: Int?
    @Option(help: "Images held out of the 55,000 for validation.") var validationCount: Int = 5000
    @Option(help: "Stop after this many training images per epoch (0 = all), for quick runs.") var limit: Int = 0

    mutating func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard validationCount >= 0 && validationCount < 50_000 else { throw ValidationError("--validation-count must be in 0..<50000") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    mutating func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)  // progress lines appear at once, even in a log file
        if let threads { Engine.threadCount = threads }
        let mnist: MNIST
        do {
            mnist = try MNIST()
        } catch {
            throw ValidationError("cannot load MNIST: \(error)")
        }
        var generator = SeededGenerator(seed: seed)
        // A seeded validation split held out of training; the test set is used once, at the end.
        var order = Array(0..<mnist.train.count)
        order.shuffle(using: &generator)
        let validation = mnist.train.subset(order.prefix(validationCount), name: "mnist-validation")
        var training = mnist.train.subset(order.dropFirst(validationCount), name: "mnist-train")
        if limit > 0 { training = training.subset(0..<min(limit, training.count)) }
        print(
            "LeNet on MNIST: \(training.count) training, \(validation.count) validation, \(mnist.test.count) test images; \(Engine.threadCount) threads"
        )

        let model = LeNet(generator: &generator)
        let optimizer = SGD(model.trainableParameters(), learningRate: learningRate, momentum: 0.9, weightDecay: 5e-4)
        let schedule = MultiStepSchedule(base: learningRate, milestones: [max(1, epochs * 3 / 4)], gamma: 0.1)
        let start = Date()
        for epoch in 0..<epochs {
            optimizer.learningRate = schedule.learningRate(epoch: epoch)
            model.train(true)
            var permutation = Array(0..<training.count)
            permutation.shuffle(using: &generator)
            var lossTotal: Double = 0
            var batches = 0
            let epochStart = Date()
            for batchStart in stride(from: 0, to: permutation.count, by: batchSize) {
                let indices = Array(permutation[batchStart..<min(batchStart + batchSize, permutation.count)])
                let (images, labels) = batch(training, indices)
                let (loss, gradients) = valueAndGradient(of: optimizer.parameters) {
                    crossEntropy(logits: model(images), labels: labels)
                }
                guard loss.item.isFinite else {
                    throw ValidationError(
                        "training diverged: loss is \(loss.item) at epoch \(epoch + 1), batch \(batches + 1); lower --learning-rate")
                }
                optimizer.update(gradients)
                lossTotal += Double(loss.item)
                batches += 1
            }
            let seconds = Date().timeIntervalSince(epochStart)
            let validationAccuracy = validation.count > 0 ? accuracy(model, validation) : .nan
            print(
                String(
                    format: "epoch %d/%d  lr %.4g  loss %.4f  validation accuracy %.2f%%  %.0f images/s",
                    epoch + 1, epochs, optimizer.learningRate, lossTotal / Double(max(batches, 1)), validationAccuracy * 100,
                    Double(training.count) / seconds))
        }
        let testAccuracy = accuracy(model, mnist.test)
        print(
            String(
                format: "test accuracy %.2f%% (%d images) after %d epochs, %.0f s", testAccuracy * 100, mnist.test.count, epochs,
                Date().timeIntervalSince(start)))
    }

    /// Images scaled to [0, 1] as `[B, 1, 28, 28]`, with their labels.
    func batch(_ data: DigitsDataset, _ indices: [Int]) -> (Tensor, [Int]) {
        let size = data.imageElementCount
        let images = Tensor(
            shape: [indices.count] + data.imageShape,
            unsafeUninitialized: { out in
                for (slot, index) in indices.enumerated() {
                    let pixels = data.image(at: index)
                    var offset = slot * size
                    for pixel in pixels { out[offset] = Float(pixel) / 255; offset += 1 }
                }
            })
        return (images, indices.map { data.labels[$0] })
    }

    /// Classification accuracy in evaluation mode.
    func accuracy(_ model: LeNet, _ data: DigitsDataset) -> Double {
        model.train(false)
        defer { model.train(true) }
        var correct = 0
        withoutGradient {
            for start in stride(from: 0, to: data.count, by: 500) {
                let indices = Array(start..<min(start + 500, data.count))
                let (images, labels) = batch(data, indices)
                let predictions = model(images).argmax(alongAxis: 1)
                correct += zip(predictions, labels).filter { $0 == $1 }.count
            }
        }
        return Double(correct) / Double(data.count)
    }
}

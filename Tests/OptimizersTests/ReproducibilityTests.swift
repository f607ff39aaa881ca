import NeuralNet
import Optimizers
import TensorCore
import TestSupport
import Testing

/// The same seed and thread count give bit-identical training.
@Suite("Reproducibility", .serialized)
struct ReproducibilityTests {
    final class SmallNet: Module, Layer {
        let conv: Conv2d
        let norm: BatchNorm
        let dropout: Dropout
        let head: Linear
        init(seed: UInt64) {
            var generator = SeededGenerator(seed: seed)
            conv = Conv2d(inputChannels: 1, outputChannels: 3, kernelSize: 3, padding: 1, generator: &generator)
            norm = BatchNorm2d(3)
            dropout = Dropout(probability: 0.2, seed: seed)
            head = Linear(inputFeatures: 3 * 4 * 4, outputFeatures: 2, generator: &generator)
        }
        func callAsFunction(_ x: Tensor) -> Tensor {
            head(dropout(norm(conv(x)).relu().maxPool2d(kernelSize: 2).flattened()))
        }
    }

    func train(seed: UInt64, threads: Int) -> [Float] {
        // Bound for this test's task only: other suites train at the same time in this process.
        Engine.withThreadCount(threads) { trainUnbound(seed: seed) }
    }

    func trainUnbound(seed: UInt64) -> [Float] {
        let model = SmallNet(seed: seed)
        let optimizer = Adam(model.trainableParameters(), learningRate: 0.01)
        let x = randomTensor([16, 1, 8, 8], seed: seed &+ 1)
        let labels = (0..<16).map { $0 % 2 }
        for _ in 0..<5 {
            let (_, gradients) = valueAndGradient(of: optimizer.parameters) { crossEntropy(logits: model(x), labels: labels) }
            optimizer.update(gradients)
        }
        return model.parameters().flatMap { $0.value.withUnsafeScalars { Array($0) } }
    }

    @Test(arguments: [1, 2, 3])
    func sameSeedAndThreadsGiveIdenticalWeights(threads: Int) {
        #expect(train(seed: 5, threads: threads) == train(seed: 5, threads: threads))
    }

    @Test func aBoundThreadCountIsSeenOnlyInsideItsBody() {
        let global = Engine.threadCount
        let inside = Engine.withThreadCount(global + 3) { Engine.threadCount }
        #expect(inside == global + 3)
        #expect(Engine.threadCount == global)
    }

    @Test func differentSeedsGiveDifferentWeights() {
        #expect(train(seed: 5, threads: 1) != train(seed: 6, threads: 1))
    }
}

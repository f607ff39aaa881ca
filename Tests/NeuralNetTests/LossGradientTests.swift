import NeuralNet
import TensorCore
import TestSupport
import Testing

/// Finite-difference checks of the losses (their PyTorch values are in TorchGoldenLossTests).
@Suite("Loss gradients")
struct LossGradientTests {
    let logits = randomTensor([5, 4], seed: 31, low: -2, high: 2)
    let labels = [0, 3, 1, 1, 2]

    @Test func crossEntropyVariants() {
        checkGradients(at: [logits]) { crossEntropy(logits: $0[0], labels: labels) }
        checkGradients(at: [logits]) { crossEntropy(logits: $0[0], labels: [0, -100, 1, -100, 2], ignoreIndex: -100) }
        let weights = randomTensor([5], seed: 32, low: 0.1, high: 1)
        checkGradients(at: [logits, weights]) { crossEntropy(logits: $0[0], labels: labels, sampleWeights: $0[1]) }
    }

    @Test func crossEntropyWithEveryLabelIgnoredIsZeroNotNaN() {
        let (value, gradients) = valueAndGradient(at: [logits]) {
            crossEntropy(logits: $0[0], labels: [Int](repeating: -1, count: 5), ignoreIndex: -1)
        }
        #expect(value.item == 0)
        #expect(gradients[0].scalars.allSatisfy { $0 == 0 })
    }

    @Test func regressionLosses() {
        let target = randomTensor([5, 4], seed: 33)
        let probabilities = randomTensor([5, 4], seed: 34, low: 0, high: 1)
        checkGradients(at: [logits, probabilities]) { binaryCrossEntropy(logits: $0[0], targets: $0[1]) }
        checkGradients(at: [logits, target]) { meanSquaredError($0[0], $0[1]) }
        checkGradients(at: [logits, target], step: 1e-3) { l1Loss($0[0], $0[1]) }
    }

    @Test func binaryCrossEntropyIsStableForLargeLogits() {
        let extreme = Tensor([-200, 200, 0])
        let value = binaryCrossEntropy(logits: extreme, targets: Tensor([0, 1, 1]))
        #expect(value.isFinite)
        expectClose(value.item, Float(0.6931472 / 3), rtol: 1e-5)
    }
}

import NeuralNet
import Optimizers
import TensorCore
import Testing

/// signSGD with momentum on the sign, written outside the Optimizers target on its public base.
final class SignMomentum: OptimizerBase {
    init(_ parameters: [Parameter], learningRate: Float) {
        super.init(parameters: parameters, learningRate: learningRate, slotNames: ["velocity"])
    }

    override func updateParameter(_ index: Int, value: inout Tensor, gradient: Tensor, state: inout [Tensor]) {
        state[0] = state[0] * 0.5 + gradient.map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
        value = value - state[0] * learningRate
    }
}

@Suite("Optimizers written on the public base")
struct CustomOptimizerTests {
    @Test func aSubclassUpdatesEachParameterAndKeepsItsStateInCheckpoints() throws {
        let weight = Parameter(Tensor(shape: [3], scalars: [1, 2, 3]))
        let bias = Parameter(Tensor(shape: [1], scalars: [0]))
        let optimizer = SignMomentum([weight, bias], learningRate: 0.1)
        let gradients = [Tensor(shape: [3], scalars: [2, -1, 0]), Tensor(shape: [1], scalars: [-5])]
        optimizer.update(gradients)
        // velocity = sign(g); p -= 0.1 · velocity.
        #expect(weight.value.scalars == [0.9, 2.1, 3])
        #expect(bias.value.scalars == [0.1])
        optimizer.update(gradients)
        // velocity = 0.5 · sign + sign = 1.5 · sign.
        #expect(weight.value.scalars.map { ($0 * 1000).rounded() / 1000 } == [0.75, 2.25, 3])
        #expect(optimizer.stepCount == 2)
        let saved = optimizer.stateTensors()
        #expect(saved["velocity.0"]?.scalars == [1.5, -1.5, 0] && saved["step"]?.item == 2)
        let restored = SignMomentum([Parameter(weight.value), Parameter(bias.value)], learningRate: 0.1)
        try restored.loadState(saved)
        #expect(restored.stepCount == 2 && restored.stateTensors()["velocity.1"]?.scalars == [-1.5])
        optimizer.resetState()
        #expect(optimizer.stepCount == 0 && optimizer.stateTensors()["velocity.0"]?.scalars == [0, 0, 0])
    }
}

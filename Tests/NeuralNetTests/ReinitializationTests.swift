import NeuralNet
import TensorCore
import TestSupport
import Testing

@Suite("Re-initialisation")
struct ReinitializationTests {
    final class Net: Module {
        let first: Linear
        let norm: BatchNorm
        let second: Conv2d
        init(generator: inout SeededGenerator) {
            first = Linear(inputFeatures: 8, outputFeatures: 5, generator: &generator)
            norm = BatchNorm1d(5)
            second = Conv2d(
                inputChannels: 1, outputChannels: 2, kernelSize: 3, weightInitializer: .normal(mean: 0, standardDeviation: 0.01),
                generator: &generator)
        }
    }

    final class WithBareParameter: Module {
        let layer: Linear
        let centers: Parameter
        init(generator: inout SeededGenerator) {
            layer = Linear(inputFeatures: 2, outputFeatures: 2, generator: &generator)
            centers = Parameter(.zeros([3, 2]))
        }
    }

    @Test func layersDrawAfreshFromTheirOwnInitialisers() throws {
        var generator = SeededGenerator(seed: 1)
        let net = Net(generator: &generator)
        net.norm.weight.value = Tensor(repeating: 3, shape: [5])
        net.norm.runningMean.value = Tensor(repeating: 2, shape: [5])
        let before = net.stateDictionary()
        var reset = SeededGenerator(seed: 2)
        try net.reinitialize(generator: &reset)
        #expect(net.first.weight.value.scalars != before["first.weight"]!.scalars)
        // PyTorch's default bound 1/√fanIn for the linear layer; std 0.01 for the convolution.
        #expect(net.first.weight.value.scalars.allSatisfy { abs($0) <= 1 / Float(8).squareRoot() })
        #expect(net.second.weight.value.scalars.allSatisfy { abs($0) < 0.06 })
        #expect(net.norm.weight.value.scalars == [1, 1, 1, 1, 1] && net.norm.runningMean.value.scalars == [0, 0, 0, 0, 0])
        // The same seed gives the same draw.
        let once = net.stateDictionary()
        var again = SeededGenerator(seed: 2)
        try net.reinitialize(generator: &again)
        #expect(sameState(net.stateDictionary(), once))
    }

    @Test func submodulesAreFoundByPathAndBareParametersAreRefused() throws {
        var generator = SeededGenerator(seed: 1)
        let net = Net(generator: &generator)
        #expect(try net.submodule(at: "first") === net.first)
        #expect(throws: ReinitializationError.self) { try net.submodule(at: "third") }
        let bare = WithBareParameter(generator: &generator)
        let before = bare.stateDictionary()
        #expect(throws: ReinitializationError.notResettable(path: "", parameters: ["centers"])) { try bare.reinitialize(generator: &generator) }
        #expect(sameState(bare.stateDictionary(), before))
    }
}

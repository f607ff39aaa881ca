import Foundation
import NeuralNet
import Optimizers
import TensorCore
import TestSupport
import Testing

/// Optimizer trajectories against PyTorch (Tests/Fixtures/torch/optimizers.json, made by
/// Scripts/make_optimizer_fixtures.py).
@Suite("Optimizers against PyTorch")
struct OptimizerTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            var name: String
            var kind: String
            var options: [String: OptionValue]
            var learning_rates: [Float]?
            var values: [[Float]]
        }
        enum OptionValue: Decodable {
            case number(Float), flag(Bool), pair([Float])
            init(from decoder: Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let flag = try? container.decode(Bool.self) {
                    self = .flag(flag)
                } else if let number = try? container.decode(Float.self) {
                    self = .number(number)
                } else {
                    self = .pair(try container.decode([Float].self))
                }
            }
            var number: Float { if case .number(let n) = self { return n }; return .nan }
            var flag: Bool { if case .flag(let f) = self { return f }; return false }
            var pair: [Float] { if case .pair(let p) = self { return p }; return [] }
        }
        var start: [Float]
        var shape: [Int]
        var gradients: [[Float]]
        var cases: [Case]
    }

    static let fixture: Fixture = {
        let url = fixturesDirectory.appendingPathComponent("torch/optimizers.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    static var caseNames: [String] { fixture.cases.map(\.name) }

    @Test(arguments: caseNames)
    func trajectoryMatchesPyTorch(name: String) throws {
        let fixture = Self.fixture
        let testCase = try #require(fixture.cases.first { $0.name == name })
        let parameter = Parameter(Tensor(shape: fixture.shape, scalars: fixture.start))
        let options = testCase.options
        let optimizer: any Optimizer
        switch testCase.kind {
        case "sgd":
            optimizer = SGD(
                [parameter], learningRate: options["lr"]!.number, momentum: options["momentum"]?.number ?? 0,
                dampening: options["dampening"]?.number ?? 0, nesterov: options["nesterov"]?.flag ?? false,
                weightDecay: options["weight_decay"]?.number ?? 0)
        case "adam", "adamw":
            let betas = options["betas"]?.pair ?? [0.9, 0.999]
            optimizer = Adam(
                [parameter], learningRate: options["lr"]!.number, beta1: betas[0], beta2: betas[1],
                weightDecay: options["weight_decay"]?.number ?? 0, decoupledWeightDecay: testCase.kind == "adamw")
        default:
            Issue.record("unknown optimizer kind \(testCase.kind)")
            return
        }
        for (step, expected) in testCase.values.enumerated() {
            if let rates = testCase.learning_rates { optimizer.learningRate = rates[step] }
            optimizer.update([Tensor(shape: fixture.shape, scalars: fixture.gradients[step])])
            expectClose(parameter.value.withUnsafeScalars { Array($0) }, expected, rtol: 1e-5, atol: 1e-6, "\(name) step \(step)")
        }
        #expect(optimizer.stepCount == testCase.values.count)
    }

    @Test func stateRoundTripContinuesIdentically() throws {
        let fixture = Self.fixture
        func make() -> (Parameter, Adam) {
            let parameter = Parameter(Tensor(shape: fixture.shape, scalars: fixture.start))
            return (parameter, Adam([parameter], learningRate: 0.01))
        }
        let (first, original) = make()
        for g in fixture.gradients.prefix(2) { original.update([Tensor(shape: fixture.shape, scalars: g)]) }
        let (second, restored) = make()
        second.value = first.value
        try restored.loadState(original.stateTensors())
        for g in fixture.gradients.suffix(2) {
            original.update([Tensor(shape: fixture.shape, scalars: g)])
            restored.update([Tensor(shape: fixture.shape, scalars: g)])
        }
        #expect(first.value.withUnsafeScalars { Array($0) } == second.value.withUnsafeScalars { Array($0) })
        #expect(restored.stepCount == 4)
    }

    @Test func loadStateRejectsMissingAndMisshapenState() {
        let parameter = Parameter(.zeros([2, 2]))
        let optimizer = SGD([parameter], learningRate: 0.1, momentum: 0.9)
        #expect(throws: OptimizerError.self) { try optimizer.loadState(["step": Tensor(1)]) }
        #expect(throws: OptimizerError.self) { try optimizer.loadState(["step": Tensor(1), "momentum.0": .zeros([3])]) }
    }

    /// Parameters larger than a chunk are updated by several threads; each of SGD's four loops
    /// must give, element for element, PyTorch's formula (written out here, one element at a
    /// time), at one thread and at two, over three steps (the first one included).
    @Test(arguments: [(0.9, false, 0.0), (0.9, true, 0.0), (0.9, false, 0.25), (0.0, false, 0.0)])
    func largeParametersUpdateInChunksLikeTheFormula(momentum: Double, nesterov: Bool, dampening: Double) {
        let count = 100_003
        var generator = SeededGenerator(seed: 11)
        let start = Tensor.uniform([count], low: -1, high: 1, generator: &generator).scalars
        let gradients = (0..<3).map { _ in Tensor.uniform([count], low: -1, high: 1, generator: &generator).scalars }
        let (rate, mu, decay, damp) = (Float(0.05), Float(momentum), Float(5e-4), Float(dampening))
        var expected = start
        var buffer = [Float](repeating: 0, count: count)
        for (step, g) in gradients.enumerated() {
            for i in 0..<count {
                let d = g[i] + decay * expected[i]
                if mu == 0 {
                    expected[i] -= rate * d
                    continue
                }
                buffer[i] = step == 0 ? d : mu * buffer[i] + (1 - damp) * d
                expected[i] -= rate * (nesterov ? d + mu * buffer[i] : buffer[i])
            }
        }
        for threads in [1, 2] {
            let parameter = Parameter(Tensor(shape: [count], scalars: start))
            let optimizer = SGD([parameter], learningRate: rate, momentum: mu, dampening: damp, nesterov: nesterov, weightDecay: decay)
            Engine.withThreadCount(threads) {
                for g in gradients { optimizer.update([Tensor(shape: [count], scalars: g)]) }
            }
            let values = parameter.value.scalars
            let mismatches = (0..<count).filter { values[$0] != expected[$0] }
            #expect(mismatches.isEmpty, "threads \(threads): \(mismatches.count) elements differ, first at \(mismatches.first ?? -1)")
        }
    }

    @Test func schedulesFollowPyTorch() {
        let step = StepSchedule(base: 0.1, stepSize: 50, gamma: 0.1)
        #expect(step.learningRate(epoch: 0) == 0.1)
        #expect(abs(step.learningRate(epoch: 50) - 0.01) < 1e-9)
        #expect(abs(step.learningRate(epoch: 149) - 0.001) < 1e-9)
        let multi = MultiStepSchedule(base: 1, milestones: [2, 5], gamma: 0.5)
        #expect((0..<7).map { multi.learningRate(epoch: $0) } == [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25])
    }

    @Test func frozenParametersAreNotOptimized() {
        var generator = SeededGenerator(seed: 3)
        let layer = Linear(inputFeatures: 3, outputFeatures: 2, generator: &generator)
        layer.bias!.isTrainable = false
        #expect(layer.trainableParameters().count == 1)
        layer.freeze()
        #expect(layer.trainableParameters().isEmpty)
        layer.freeze(false)
        #expect(layer.trainableParameters().count == 2)
    }
}

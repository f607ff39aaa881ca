import NeuralNet
import TensorCore

/// An optimizer bound to a list of parameters at creation, holding per-parameter state.
///
/// ```swift
/// let optimizer = SGD(model.trainableParameters(), learningRate: 0.01, momentum: 0.9)
/// let (loss, gradients) = valueAndGradient(of: optimizer.parameters) { … }
/// optimizer.update(gradients)
/// ```
public protocol Optimizer: AnyObject {
    /// The parameters this optimizer updates, in the order gradients are given.
    var parameters: [Parameter] { get }
    /// The current learning rate (schedules set it).
    var learningRate: Float { get set }
    /// How many updates have been applied.
    var stepCount: Int { get }
    /// Applies one update from one gradient per parameter (same order, same shapes).
    func update(_ gradients: [Tensor])
    /// The optimizer's state (moments, step count) as named tensors, for checkpoints.
    func stateTensors() -> [String: Tensor]
    /// Restores state saved by ``stateTensors()``.
    func loadState(_ tensors: [String: Tensor]) throws
    /// Forgets every update: moments to zero and the step count to 0, as a new optimizer (a
    /// training stage that re-initialises its network starts its optimizer afresh too).
    func resetState()
}

/// Errors restoring optimizer state.
public enum OptimizerError: Error, CustomStringConvertible {
    case missingState(String)
    case shapeMismatch(String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .missingState(let name): return "optimizer state \(name) is missing from the checkpoint"
        case .shapeMismatch(let name, let expected, let found): return "optimizer state \(name) has shape \(found), expected \(expected)"
        }
    }
}

/// Shared bookkeeping: argument checks and per-slot state tensors.
open class OptimizerBase {
    public let parameters: [Parameter]
    public var learningRate: Float
    public internal(set) var stepCount = 0
    /// State slots by name (`"momentum"`, `"m"`, `"v"`), one tensor per parameter.
    var slots: [String: [Tensor]] = [:]

    init(parameters: [Parameter], learningRate: Float, slotNames: [String]) {
        precondition(learningRate >= 0, "optimizer: learning rate \(learningRate) must be ≥ 0")
        self.parameters = parameters
        self.learningRate = learningRate
        for name in slotNames { slots[name] = parameters.map { Tensor.zeros($0.shape) } }
    }

    func checkGradients(_ gradients: [Tensor]) {
        precondition(gradients.count == parameters.count, "optimizer: \(gradients.count) gradients for \(parameters.count) parameters")
        for (index, (parameter, gradient)) in zip(parameters, gradients).enumerated() {
            precondition(
                parameter.shape == gradient.shape, "optimizer: gradient \(index) has shape \(gradient.shape), parameter has \(parameter.shape)")
        }
    }

    public func stateTensors() -> [String: Tensor] {
        var result = ["step": Tensor(Float(stepCount))]
        for (name, tensors) in slots {
            for (index, tensor) in tensors.enumerated() { result["\(name).\(index)"] = tensor }
        }
        return result
    }

    public func resetState() {
        for (name, tensors) in slots { slots[name] = tensors.map { Tensor.zeros($0.shape) } }
        stepCount = 0
    }

    public func loadState(_ tensors: [String: Tensor]) throws {
        guard let step = tensors["step"] else { throw OptimizerError.missingState("step") }
        var restored = slots
        for (name, current) in slots {
            for index in current.indices {
                let key = "\(name).\(index)"
                guard let tensor = tensors[key] else { throw OptimizerError.missingState(key) }
                guard tensor.shape == current[index].shape else {
                    throw OptimizerError.shapeMismatch(key, expected: current[index].shape, found: tensor.shape)
                }
                restored[name]![index] = tensor
            }
        }
        slots = restored
        stepCount = Int(step.item)
    }
}

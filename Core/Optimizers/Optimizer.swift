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

/// The base of every optimizer: the parameter list, the learning rate, the step count, and named
/// state slots with one tensor per parameter (`"momentum"`; Adam's `"m"` and `"v"`), saved and
/// restored for checkpoints. A subclass writes the update of one parameter:
///
/// ```swift
/// final class SignSGD: OptimizerBase {
///     init(_ parameters: [Parameter], learningRate: Float) { super.init(parameters: parameters, learningRate: learningRate) }
///     override func updateParameter(_ index: Int, value: inout Tensor, gradient: Tensor, state: inout [Tensor]) {
///         value = value - gradient.map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) } * learningRate
///     }
/// }
/// ```
open class OptimizerBase: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public private(set) var stepCount = 0
    /// The names of the state slots, in order (the order of `state` in ``updateParameter(_:value:gradient:state:)``).
    public let slotNames: [String]
    /// State slots by name, one tensor per parameter.
    private var slots: [String: [Tensor]] = [:]

    /// - Parameter slotNames: the per-parameter state tensors the update keeps, each starting at zero.
    public init(parameters: [Parameter], learningRate: Float, slotNames: [String] = []) {
        precondition(learningRate >= 0, "optimizer: learning rate \(learningRate) must be ≥ 0")
        precondition(Set(slotNames).count == slotNames.count, "optimizer: slot names \(slotNames) repeat")
        self.parameters = parameters
        self.learningRate = learningRate
        self.slotNames = slotNames
        for name in slotNames { slots[name] = parameters.map { Tensor.zeros($0.shape) } }
    }

    /// Called once per update, before any parameter (per-step constants such as Adam's bias
    /// corrections). ``stepCount`` is still that of the previous updates. The default does nothing.
    open func prepareStep() {}

    /// Updates one parameter in place: `value` is the parameter's value and `state` its slots'
    /// tensors (in ``slotNames`` order), each held uniquely so that in-place writes do not copy.
    open func updateParameter(_ index: Int, value: inout Tensor, gradient: Tensor, state: inout [Tensor]) {
        preconditionFailure("\(type(of: self)) must override updateParameter(_:value:gradient:state:)")
    }

    /// Applies one update from one gradient per parameter (same order, same shapes).
    public final func update(_ gradients: [Tensor]) {
        checkGradients(gradients)
        prepareStep()
        for (index, parameter) in parameters.enumerated() {
            var value = parameter.value.detached()
            parameter.value = Tensor(0)  // release the reference: update in place
            var state = slotNames.map { slots[$0]![index] }
            for name in slotNames { slots[name]![index] = Tensor(0) }
            updateParameter(index, value: &value, gradient: gradients[index], state: &state)
            for (name, tensor) in zip(slotNames, state) { slots[name]![index] = tensor }
            parameter.value = value
        }
        stepCount += 1
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

import Foundation

/// A learning-rate schedule: the rate to use in a given epoch (0-based).
public protocol LearningRateSchedule {
    func learningRate(epoch: Int) -> Float
}

/// A constant learning rate.
public struct ConstantSchedule: LearningRateSchedule {
    public let rate: Float
    public init(_ rate: Float) { self.rate = rate }
    public func learningRate(epoch: Int) -> Float { rate }
}

/// `base · γ^⌊epoch / stepSize⌋` (PyTorch's `StepLR`).
public struct StepSchedule: LearningRateSchedule {
    public let base: Float
    public let stepSize: Int
    public let gamma: Float

    public init(base: Float, stepSize: Int, gamma: Float = 0.1) {
        precondition(stepSize > 0, "StepSchedule: stepSize must be positive, got \(stepSize)")
        self.base = base
        self.stepSize = stepSize
        self.gamma = gamma
    }

    public func learningRate(epoch: Int) -> Float { base * Foundation.pow(gamma, Float(epoch / stepSize)) }
}

/// `base · γ^(number of milestones ≤ epoch)` (PyTorch's `MultiStepLR`).
public struct MultiStepSchedule: LearningRateSchedule {
    public let base: Float
    public let milestones: [Int]
    public let gamma: Float

    public init(base: Float, milestones: [Int], gamma: Float = 0.1) {
        precondition(milestones == milestones.sorted(), "MultiStepSchedule: milestones \(milestones) must be increasing")
        self.base = base
        self.milestones = milestones
        self.gamma = gamma
    }

    public func learningRate(epoch: Int) -> Float {
        base * Foundation.pow(gamma, Float(milestones.filter { $0 <= epoch }.count))
    }
}

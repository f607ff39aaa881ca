import NeuralNet
import Optimizers
import TensorCore

extension HashingMethod {
    /// Differentiates one objective with respect to one optimizer's parameters and updates them:
    /// the step of one network of a method with several (a GAN's discriminator, its generator).
    ///
    /// Every loss term and then every gradient is checked before anything is updated, so a
    /// diverged step changes nothing and names the culprit. When the current stage does not
    /// step `optimizer` (``TrainingProgress/steps(_:)``) the objective is not evaluated and
    /// nothing is returned.
    ///
    /// - Returns: the terms' values, named as the objective named them.
    /// - Throws: ``TrainingError/nonFiniteLoss(term:value:network:epoch:step:)`` or
    ///   ``TrainingError/nonFiniteGradient(parameter:network:epoch:step:)``.
    public func optimize(_ optimizer: MethodOptimizer, progress: TrainingProgress, _ objective: () throws -> [LossTerm]) throws -> LossValues {
        try optimizeTogether([optimizer], progress: progress, objective)
    }

    /// Computes one objective and updates every optimizer the current stage steps with its
    /// gradients: the common single-network step. See ``optimize(_:progress:_:)`` for the checks.
    public func optimizeJointly(progress: TrainingProgress, _ objective: () throws -> [LossTerm]) throws -> LossValues {
        try optimizeTogether(optimizers, progress: progress, objective)
    }

    /// Differentiates the sum of `objective`'s terms with respect to the parameters of the active
    /// ones among `optimizers`, checks terms and gradients, and updates each optimizer.
    public func optimizeTogether(
        _ optimizers: [MethodOptimizer], progress: TrainingProgress, _ objective: () throws -> [LossTerm]
    ) throws -> LossValues {
        let active = optimizers.filter { progress.steps($0.name) }
        guard !active.isEmpty else { return [] }
        let owner = active.map(\.name).joined(separator: "+")
        let parameters = active.flatMap(\.optimizer.parameters)
        var recorded: [LossTerm] = []
        let (_, gradients) = try valueAndGradient(of: parameters) {
            recorded = try objective()
            return recorded.dropFirst().reduce(recorded.first?.value ?? Tensor(0)) { $0 + $1.value }
        }
        let values = recorded.map { (name: $0.name, value: $0.value.item) }
        for term in values where !term.value.isFinite {
            throw TrainingError.nonFiniteLoss(term: term.name, value: term.value, network: owner, epoch: progress.epoch, step: progress.step)
        }
        if let bad = gradients.firstIndex(where: { !$0.isFinite }) {
            let path = network.namedParameters().first { $0.parameter === parameters[bad] }?.path ?? "parameter \(bad)"
            let name = active.first { $0.optimizer.parameters.contains { $0 === parameters[bad] } }?.name ?? owner
            throw TrainingError.nonFiniteGradient(parameter: path, network: name, epoch: progress.epoch, step: progress.step)
        }
        var offset = 0
        for entry in active {
            let count = entry.optimizer.parameters.count
            entry.optimizer.update(Array(gradients[offset..<(offset + count)]))
            offset += count
        }
        return values
    }
}

import Foundation
import NeuralNet
import TensorCore

/// Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay,
/// following PyTorch's `torch.optim.SGD`:
///
/// `g ← ∇ + λ·p`; `b ← μ·b + (1 − dampening)·g` (`b ← g` on the first step);
/// `g ← g + μ·b` (Nesterov) or `g ← b`; `p ← p − η·g`.
public final class SGD: OptimizerBase, Optimizer {
    public let momentum: Float
    public let dampening: Float
    public let nesterov: Bool
    public let weightDecay: Float

    public init(
        _ parameters: [Parameter], learningRate: Float, momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false, weightDecay: Float = 0
    ) {
        precondition(momentum >= 0 && weightDecay >= 0, "SGD: momentum \(momentum) and weight decay \(weightDecay) must be ≥ 0")
        precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum needs momentum > 0 and zero dampening")
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        super.init(parameters: parameters, learningRate: learningRate, slotNames: momentum > 0 ? ["momentum"] : [])
    }

    /// Parameters are updated in chunks of at least this many elements per thread (smaller ones
    /// in one piece: a thread's start costs more than the update).
    static let elementsPerChunk = 32_768

    public func update(_ gradients: [Tensor]) {
        checkGradients(gradients)
        let (rate, mu, decay, damp, first) = (learningRate, momentum, weightDecay, dampening, stepCount == 0)
        for (index, parameter) in parameters.enumerated() {
            var value = parameter.value.detached()
            parameter.value = Tensor(shape: [], scalars: [0])  // release the reference: update in place
            let gradient = gradients[index]
            if mu > 0 {
                var buffer = slots["momentum"]![index]
                slots["momentum"]![index] = Tensor(0)
                buffer.withUnsafeMutableScalars { b in
                    value.withUnsafeMutableScalars { p in
                        gradient.withUnsafeScalars { g in
                            // Element-wise, so any split gives the same values; one loop per case
                            // keeps each branch-free (vectorised).
                            parallelFor(p.count, minimumPerChunk: Self.elementsPerChunk) { range in
                                switch (first, nesterov) {
                                case (true, false):
                                    for i in range {
                                        let d = g[i] + decay * p[i]
                                        b[i] = d
                                        p[i] -= rate * b[i]
                                    }
                                case (true, true):
                                    for i in range {
                                        let d = g[i] + decay * p[i]
                                        b[i] = d
                                        p[i] -= rate * (d + mu * b[i])
                                    }
                                case (false, false):
                                    for i in range {
                                        let d = g[i] + decay * p[i]
                                        b[i] = mu * b[i] + (1 - damp) * d
                                        p[i] -= rate * b[i]
                                    }
                                case (false, true):
                                    for i in range {
                                        let d = g[i] + decay * p[i]
                                        b[i] = mu * b[i] + (1 - damp) * d
                                        p[i] -= rate * (d + mu * b[i])
                                    }
                                }
                            }
                        }
                    }
                }
                slots["momentum"]![index] = buffer
            } else {
                value.withUnsafeMutableScalars { p in
                    gradient.withUnsafeScalars { g in
                        parallelFor(p.count, minimumPerChunk: Self.elementsPerChunk) { range in
                            for i in range { p[i] -= rate * (g[i] + decay * p[i]) }
                        }
                    }
                }
            }
            parameter.value = value
        }
        stepCount += 1
    }
}

/// Adam (Kingma & Ba), following PyTorch's `torch.optim.Adam` (L2 weight decay added to the
/// gradient) or, with `decoupledWeightDecay`, `AdamW` (`p ← p − η·λ·p` before the step):
///
/// `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`, `p ← p − η · m̂ / (√v̂ + ε)` with bias
/// corrections `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)`.
public final class Adam: OptimizerBase, Optimizer {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let weightDecay: Float
    public let decoupledWeightDecay: Bool

    public init(
        _ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0, decoupledWeightDecay: Bool = false
    ) {
        precondition((0..<1).contains(beta1) && (0..<1).contains(beta2), "Adam: betas (\(beta1), \(beta2)) must be in [0, 1)")
        precondition(epsilon >= 0 && weightDecay >= 0, "Adam: epsilon and weight decay must be ≥ 0")
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        super.init(parameters: parameters, learningRate: learningRate, slotNames: ["m", "v"])
    }

    public func update(_ gradients: [Tensor]) {
        checkGradients(gradients)
        let t = Float(stepCount + 1)
        let correction1 = 1 - Foundation.pow(beta1, t)
        let correction2 = 1 - Foundation.pow(beta2, t)
        let (rate, b1, b2, eps, decay, decoupled) = (learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay)
        for (index, parameter) in parameters.enumerated() {
            var value = parameter.value.detached()
            parameter.value = Tensor(0)
            var m = slots["m"]![index], v = slots["v"]![index]
            slots["m"]![index] = Tensor(0)
            slots["v"]![index] = Tensor(0)
            let gradient = gradients[index]
            value.withUnsafeMutableScalars { p in
                m.withUnsafeMutableScalars { ms in
                    v.withUnsafeMutableScalars { vs in
                        gradient.withUnsafeScalars { g in
                            for i in 0..<p.count {
                                var d = g[i]
                                if decoupled { p[i] -= rate * decay * p[i] } else { d += decay * p[i] }
                                ms[i] = b1 * ms[i] + (1 - b1) * d
                                vs[i] = b2 * vs[i] + (1 - b2) * d * d
                                let mHat = ms[i] / correction1
                                let vHat = vs[i] / correction2
                                p[i] -= rate * mHat / (vHat.squareRoot() + eps)
                            }
                        }
                    }
                }
            }
            slots["m"]![index] = m
            slots["v"]![index] = v
            parameter.value = value
        }
        stepCount += 1
    }
}

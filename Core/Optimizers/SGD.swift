import Foundation
import NeuralNet
import TensorCore

/// Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay,
/// following PyTorch's `torch.optim.SGD`:
///
/// `g ← ∇ + λ·p`; `b ← μ·b + (1 − dampening)·g` (`b ← g` on the first step);
/// `g ← g + μ·b` (Nesterov) or `g ← b`; `p ← p − η·g`.
public final class SGD: OptimizerBase {
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

    public override func updateParameter(_ index: Int, value: inout Tensor, gradient: Tensor, state: inout [Tensor]) {
        let (rate, mu, decay, damp, first, nesterov) = (learningRate, momentum, weightDecay, dampening, stepCount == 0, nesterov)
        guard mu > 0 else {
            value.withUnsafeMutableScalars { p in
                gradient.withUnsafeScalars { g in
                    parallelFor(p.count, minimumPerChunk: Self.elementsPerChunk) { range in
                        for i in range { p[i] -= rate * (g[i] + decay * p[i]) }
                    }
                }
            }
            return
        }
        state[0].withUnsafeMutableScalars { b in
            value.withUnsafeMutableScalars { p in
                gradient.withUnsafeScalars { g in
                    // Element-wise, so any split gives the same values; one loop per case keeps
                    // each branch-free (vectorised).
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
    }
}

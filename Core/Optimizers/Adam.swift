import Foundation
import NeuralNet
import TensorCore

/// Adam (Kingma & Ba), following PyTorch's `torch.optim.Adam` (L2 weight decay added to the
/// gradient) or, with `decoupledWeightDecay`, `AdamW` (`p ← p − η·λ·p` before the step):
///
/// `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`, `p ← p − η · m̂ / (√v̂ + ε)` with bias
/// corrections `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)`.
public final class Adam: OptimizerBase {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let weightDecay: Float
    public let decoupledWeightDecay: Bool
    /// This step's bias corrections `1 − β₁ᵗ` and `1 − β₂ᵗ`.
    private var corrections: (Float, Float) = (1, 1)

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

    public override func prepareStep() {
        let t = Float(stepCount + 1)
        corrections = (1 - Foundation.pow(beta1, t), 1 - Foundation.pow(beta2, t))
    }

    public override func updateParameter(_ index: Int, value: inout Tensor, gradient: Tensor, state: inout [Tensor]) {
        let (correction1, correction2) = corrections
        let (rate, b1, b2, eps, decay, decoupled) = (learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay)
        var (m, v) = (state[0], state[1])
        state.removeAll()  // m and v held once each: written in place
        defer { state = [m, v] }
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
    }
}

import HashingCore
import NeuralNet
import TensorCore

/// The class-wise loss of DCWH (Zhe, Chen & Yan, TNNLS 2020): a normalised-Gaussian softmax over
/// distances to class centers,
/// `L_clw = −(1/N) Σᵢ log [exp(−‖hᵢ − μ_yᵢ‖²/2σ²) / Σⱼ exp(−‖hᵢ − μⱼ‖²/2σ²)]`.
///
/// **Shape**: outputs `[N, K]`, centers `[C, K]` → scalar.
public func classwiseLoss(outputs: Tensor, centers: Tensor, labels: [Int], inverseVariance: Float) -> Tensor {
    crossEntropy(logits: classwiseLogits(outputs: outputs, centers: centers, inverseVariance: inverseVariance), labels: labels)
}

/// The exponents of the class-wise loss's normalised Gaussian, `−‖hᵢ − μ_c‖² / 2σ²`: class scores
/// whose softmax is the loss's class probability.
///
/// **Shape**: outputs `[N, K]`, centers `[C, K]` → `[N, C]`.
public func classwiseLogits(outputs: Tensor, centers: Tensor, inverseVariance: Float) -> Tensor {
    squaredDistances(outputs, centers) * (-0.5 * inverseVariance)
}

/// The reference implementation's bounded-output ("cubic") term:
/// `(1/N) Σᵢ Σₖ relu(|hᵢₖ| − bound)` — zero while every output stays inside ±bound.
public func boundedOutputLoss(_ outputs: Tensor, bound: Float = 1.1) -> Tensor {
    (outputs.abs() - bound).relu().sum() / Float(outputs.shape[0])
}

/// The quantization (vertex) term `(1/N) Σᵢ ‖sgn(hᵢ) − hᵢ‖²`, with `sgn(0) = 1`.
public func quantizationLoss(_ outputs: Tensor) -> Tensor {
    (binarySign(outputs) - outputs).squared().sum() / Float(outputs.shape[0])
}

/// Binary centers of the classes present in a batch (IDCWH step 1):
/// `u_c = sgn(Σ_{i: yᵢ = c} sgn(hᵢ))` with `sgn(0) = 1`, for each distinct label `c` in order of
/// first appearance.
///
/// **Shape**: outputs `[N, K]` → (`[Z, K]`, the Z distinct labels).
public func batchBinaryCenters(outputs: Tensor, labels: [Int]) -> (centers: Tensor, labels: [Int]) {
    var order: [Int] = []
    var rows: [Int: [Float]] = [:]
    let width = outputs.shape[1]
    let codes = binarySign(outputs)
    codes.withUnsafeScalars { values in
        for (row, label) in labels.enumerated() {
            if rows[label] == nil {
                order.append(label)
                rows[label] = [Float](repeating: 0, count: width)
            }
            for k in 0..<width { rows[label]![k] += values[row * width + k] }
        }
    }
    let centers = Tensor(shape: [order.count, width], scalars: order.flatMap { rows[$0]! }.map { $0 >= 0 ? 1 : -1 })
    return (centers, order)
}

/// IDCWH's center-similarity loss (step 2): a likelihood of the similarity between each batch
/// binary center `uᵢ` and each learnable center `μⱼ`,
/// `L_csl = −(1/Z) Σᵢ Σⱼ (sᵢⱼ θᵢⱼ − log(1 + e^θᵢⱼ))`, `θᵢⱼ = ½·K·cos(uᵢ, μⱼ)`, `sᵢⱼ = [label(uᵢ) = j]`.
///
/// Gradients flow to the learnable centers only (the binary centers are constants).
/// **Shape**: binaryCenters `[Z, K]`, centers `[C, K]` → scalar.
public func centerSimilarityLoss(binaryCenters: Tensor, binaryLabels: [Int], centers: Tensor) -> Tensor {
    let (zCount, classCount, bits) = (binaryCenters.shape[0], centers.shape[0], Float(centers.shape[1]))
    let theta = cosineSimilarities(binaryCenters.detached(), centers) * (0.5 * bits)
    let similarity = Tensor(
        shape: [zCount, classCount],
        unsafeUninitialized: { s in
            for i in 0..<zCount { for j in 0..<classCount { s[i * classCount + j] = binaryLabels[i] == j ? 1 : 0 } }
        })
    return (theta.softplus() - similarity * theta).sum() / Float(zCount)
}

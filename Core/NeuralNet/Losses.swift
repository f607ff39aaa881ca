import TensorCore

/// Softmax cross-entropy between `logits` and integer class labels.
///
/// `ℓᵢ = −log softmax(logitsᵢ)[labelᵢ]`; the result is `Σᵢ wᵢ·ℓᵢ / |{i : labelᵢ ≠ ignoreIndex}|`
/// (PyTorch's `reduction='mean'` with `ignore_index`, extended by per-sample weights `w`, e.g.
/// pseudo-label confidences). Samples labelled `ignoreIndex` contribute nothing; when every
/// sample is ignored the loss is 0 (not NaN).
///
/// **Shape**: logits `[N, C]`, labels `N`, sampleWeights `[N]` → scalar.
public func crossEntropy(logits: Tensor, labels: [Int], ignoreIndex: Int? = nil, sampleWeights: Tensor? = nil) -> Tensor {
    precondition(logits.rank == 2, "crossEntropy: logits must be [N, C], got \(logits.shape)")
    let (count, classes) = (logits.shape[0], logits.shape[1])
    precondition(labels.count == count, "crossEntropy: \(labels.count) labels for logits \(logits.shape)")
    if let sampleWeights { precondition(sampleWeights.shape == [count], "crossEntropy: sample weights \(sampleWeights.shape) must be [\(count)]") }
    var mask = [Float](repeating: 1, count: count)
    var safeLabels = labels
    for (i, label) in labels.enumerated() {
        if let ignoreIndex, label == ignoreIndex {
            mask[i] = 0
            safeLabels[i] = 0
        } else {
            precondition(label >= 0 && label < classes, "crossEntropy: label \(label) out of range 0..<\(classes)")
        }
    }
    let kept = mask.reduce(0, +)
    let picked = logits.logSoftmax(alongAxis: 1).gather(axis: 1, indices: safeLabels, indexShape: [count, 1]).reshaped([count])
    var weights = Tensor(mask)
    if let sampleWeights { weights = weights * sampleWeights }
    return -(picked * weights).sum() / Swift.max(kept, 1)
}

/// Cross-entropy over the rows that have a label: `labels[i] == nil` (an unlabelled or
/// unconfident image) takes no part; the mean is over the labelled rows, and 0 when there is none.
///
/// **Shape**: logits `[N, C]`, labels N → scalar.
public func crossEntropy(logits: Tensor, partialLabels labels: [Int?]) -> Tensor {
    crossEntropy(logits: logits, labels: labels.map { $0 ?? -1 }, ignoreIndex: -1)
}

/// Binary cross-entropy on logits, computed stably:
/// `mean(max(x, 0) − x·y + log(1 + e^{−|x|}))`.
///
/// **Shape**: logits and targets of the same shape → scalar.
public func binaryCrossEntropy(logits: Tensor, targets: Tensor) -> Tensor {
    precondition(logits.shape == targets.shape, "binaryCrossEntropy: logits \(logits.shape) and targets \(targets.shape) differ")
    return (logits.relu() - logits * targets + (-logits.abs()).softplus()).mean()
}

/// Mean squared error `mean((a − b)²)`.
public func meanSquaredError(_ prediction: Tensor, _ target: Tensor) -> Tensor {
    precondition(prediction.shape == target.shape, "meanSquaredError: shapes \(prediction.shape) and \(target.shape) differ")
    return (prediction - target).squared().mean()
}

/// Mean absolute error `mean(|a − b|)` (L1).
public func l1Loss(_ prediction: Tensor, _ target: Tensor) -> Tensor {
    precondition(prediction.shape == target.shape, "l1Loss: shapes \(prediction.shape) and \(target.shape) differ")
    return (prediction - target).abs().mean()
}

/// Squared Euclidean distances between every row of `a` and every row of `b`:
/// `d[i, j] = ‖aᵢ‖² + ‖bⱼ‖² − 2 aᵢ·bⱼ` (one GEMM; clamped at 0 against rounding).
///
/// **Shape**: `a [N, D]`, `b [M, D]` → `[N, M]`.
public func squaredDistances(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[1], "squaredDistances: shapes \(a.shape) and \(b.shape) need [N, D] and [M, D]")
    let aNorms = a.squared().sum(alongAxes: [1], keepingDimensions: true)  // [N, 1]
    let bNorms = b.squared().sum(alongAxes: [1]).reshaped([1, b.shape[0]])  // [1, M]
    return (aNorms + bNorms - 2 * a.matmul(b, transposeOther: true)).relu()
}

/// Cosine similarity between every row of `a` and every row of `b`:
/// `c[i, j] = aᵢ·bⱼ / (‖aᵢ‖‖bⱼ‖ + ε)`.
///
/// **Shape**: `a [N, D]`, `b [M, D]` → `[N, M]`.
public func cosineSimilarities(_ a: Tensor, _ b: Tensor, epsilon: Float = 1e-8) -> Tensor {
    precondition(
        a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[1], "cosineSimilarities: shapes \(a.shape) and \(b.shape) need [N, D] and [M, D]")
    let aNorms = a.squared().sum(alongAxes: [1], keepingDimensions: true).squareRoot()  // [N, 1]
    let bNorms = b.squared().sum(alongAxes: [1]).squareRoot().reshaped([1, b.shape[0]])  // [1, M]
    return a.matmul(b, transposeOther: true) / (aNorms * bNorms + epsilon)
}

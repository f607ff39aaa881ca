import Foundation
import NeuralNet
import TensorCore

// The loss terms of the four papers and of the standard domain adapters, as functions of
// tensors, so that each is tested on its own and every method and component uses one definition.

// MARK: - Quantization

/// How the quantization term `‖h − sgn h‖²` is averaged.
public enum QuantizationNormalization: String, Codable, Sendable, CaseIterable {
    /// `(1/(N·K)) Σᵢ ‖hᵢ − sgn hᵢ‖²`: a mean per bit, so its weight means the same at every code
    /// length (SemanticHash, DAH, Intersectant-GAN's relaxation term).
    case perBit = "per-bit"
    /// `(1/N) Σᵢ ‖hᵢ − sgn hᵢ‖²`: a sum over the bits of each image (the DCWH reference code's
    /// vertex term, IDCWH's β term).
    case perImage = "per-image"
}

/// The quantization term: the squared distance of each relaxed code to its sign,
/// `‖hᵢ − sgn(hᵢ)‖²` with `sgn(0) = 1`, averaged as `normalization` says. The sign is a
/// constant, so the gradient is `2(h − sgn h)` over the normaliser.
///
/// **Shape**: codes `[N, K]` → scalar.
public func quantizationLoss(_ codes: Tensor, normalization: QuantizationNormalization) -> Tensor {
    let squared = (codes - binarySign(codes)).squared()
    switch normalization {
    case .perBit: return squared.mean()
    case .perImage: return squared.sum() / Float(codes.shape[0])
    }
}

/// `sgn(x)` with `sgn(0) = +1`, as hashing codes use (a constant: no gradient).
public func binarySign(_ x: Tensor) -> Tensor {
    x.detached().map { $0 >= 0 ? 1 : -1 }
}

// MARK: - SSDH

/// SSDH's multi-label hinge (eq. 4): per class, 0 when `(y = 1 ∧ ŷ ≥ 1)` or `(y = 0 ∧ ŷ ≤ 0)`,
/// else `½|y − ŷ|ᵖ`; summed over classes, averaged over the batch.
///
/// **Shape**: scores and multi-hot targets `[N, C]` → scalar.
public func multiLabelHinge(scores: Tensor, targets: Tensor, exponent: Float) -> Tensor {
    precondition(scores.shape == targets.shape, "multiLabelHinge: scores \(scores.shape) and targets \(targets.shape) differ")
    // Positive targets are penalised below 1, negative ones above 0.
    let positiveShortfall = (1 - scores).relu() * targets
    let negativeExcess = scores.relu() * (1 - targets)
    let violation = positiveShortfall + negativeExcess
    let penalty = exponent == 2 ? violation.squared() : violation.pow(exponent)
    return penalty.sum() * (0.5 / Float(scores.shape[0]))
}

/// SSDH's E2, `(1/N)(1/K) Σₙ ‖aₙ − 0.5‖²`: how far sigmoid activations are from 0.5 (the
/// objective subtracts it, pushing them towards 0 or 1).
///
/// **Shape**: activations `[N, K]` → scalar.
public func binarizationSpread(_ activations: Tensor) -> Tensor {
    (activations - 0.5).squared().mean()
}

/// SSDH's E3, `(1/N) Σₙ (mean_k aₙₖ − 0.5)²`: each code should fire half its bits.
///
/// **Shape**: activations `[N, K]` → scalar.
public func bitBalanceLoss(_ activations: Tensor) -> Tensor {
    (activations.mean(alongAxes: [1]) - 0.5).squared().mean()
}

// MARK: - DCWH and IDCWH

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

/// The DCWH reference implementation's bounded-output ("cubic") term:
/// `(1/N) Σᵢ Σₖ relu(|hᵢₖ| − bound)` — zero while every output stays inside ±bound.
///
/// **Shape**: outputs `[N, K]` → scalar.
public func boundedOutputLoss(_ outputs: Tensor, bound: Float = 1.1) -> Tensor {
    (outputs.abs() - bound).relu().sum() / Float(outputs.shape[0])
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

/// Where class-wise hashing's class centers start.
public enum CenterInitialization: String, Codable, Sendable, CaseIterable {
    /// Distinct random vertices of {−1, 1}ᴷ: inside the code cube and apart.
    case vertices
    /// N(0, 1) samples.
    case normal

    /// `count` centers of `bitCount` entries drawn this way.
    ///
    /// **Shape**: → `[count, bitCount]`.
    public func centers(count: Int, bitCount: Int, generator: inout SeededGenerator) -> Tensor {
        switch self {
        case .vertices: return randomVertices(count: count, bitCount: bitCount, generator: &generator)
        case .normal: return Tensor.normal([count, bitCount], generator: &generator)
        }
    }
}

/// `count` vertices of {−1, 1}ᴷ drawn uniformly, distinct whenever `2ᴷ ≥ count` (a duplicate
/// row is drawn again), as class centers that start inside the code cube and apart.
///
/// **Shape**: → `[count, bitCount]`.
public func randomVertices(count: Int, bitCount: Int, generator: inout SeededGenerator) -> Tensor {
    let canBeDistinct = bitCount >= 63 || (1 << bitCount) >= count
    var rows: [[Float]] = []
    while rows.count < count {
        let row = Tensor.uniform([bitCount], generator: &generator).scalars.map { $0 < 0.5 ? Float(-1) : 1 }
        if !canBeDistinct || !rows.contains(row) { rows.append(row) }
    }
    return Tensor(shape: [count, bitCount], scalars: rows.flatMap { $0 })
}

/// Per-class means of rows: `centers[j] = mean of outputs[i] with labels[i] == j`; a class with
/// no row keeps `fallback[j]` (or zeros).
///
/// **Shape**: outputs `[N, K]`, labels `N` → `[classCount, K]`.
public func classMeans(_ outputs: Tensor, labels: [Int], classCount: Int, fallback: Tensor? = nil) -> Tensor {
    precondition(outputs.rank == 2 && labels.count == outputs.shape[0], "classMeans: \(labels.count) labels for outputs \(outputs.shape)")
    let width = outputs.shape[1]
    var sums = [Double](repeating: 0, count: classCount * width)
    var counts = [Int](repeating: 0, count: classCount)
    outputs.withUnsafeScalars { values in
        for (row, label) in labels.enumerated() {
            precondition(label >= 0 && label < classCount, "classMeans: label \(label) outside 0..<\(classCount)")
            counts[label] += 1
            for k in 0..<width { sums[label * width + k] += Double(values[row * width + k]) }
        }
    }
    let base = fallback?.withUnsafeScalars { Array($0) } ?? [Float](repeating: 0, count: classCount * width)
    return Tensor(
        shape: [classCount, width],
        unsafeUninitialized: { centers in
            for j in 0..<classCount {
                for k in 0..<width {
                    centers[j * width + k] = counts[j] > 0 ? Float(sums[j * width + k] / Double(counts[j])) : base[j * width + k]
                }
            }
        })
}

/// DCWH's center schedule: before every `interval`-th epoch (not the first), sets `centers` to the
/// class means of the source training codes (evaluation mode, as the reference code does); classes
/// absent keep their center. Returns whether it re-estimated them.
@discardableResult
public func reestimateClassCenters(
    _ centers: Parameter, progress: TrainingProgress, interval: Int, data: EpochData, owner: String
) throws -> Bool {
    guard progress.epoch > 0, progress.epoch % interval == 0 else { return false }
    guard let source = data.outputs(of: .source), let labels = source.labels else {
        throw TrainingError.invalidData("\(owner) needs labelled training images to compute centers")
    }
    centers.value = classMeans(source.codes, labels: labels, classCount: centers.shape[0], fallback: centers.value)
    return true
}

// MARK: - SemanticHash and DAH

/// The similarities `s_ic = h_i · p_c` of image codes to class prototypes.
///
/// **Shape**: codes `[N, K]`, prototypes `[C, K]` → `[N, C]`.
public func prototypeSimilarities(codes: Tensor, prototypes: Tensor) -> Tensor {
    precondition(
        codes.rank == 2 && prototypes.rank == 2 && codes.shape[1] == prototypes.shape[1],
        "prototypeSimilarities: codes \(codes.shape) and prototypes \(prototypes.shape) must be [N, K] and [C, K]")
    return codes.matmul(prototypes, transposeOther: true)
}

/// Class scores of label-prototype hashing: `scale · h_i · p_c / K`.
///
/// `h·p/K` lies in [−1, 1] for codes and prototypes in [−1, 1]^K; the scale makes a softmax over
/// it able to become confident (with scale 1 the best probability over 10 classes is at most
/// 0.45). Its argmax is the nearest prototype in inner product, for any positive scale.
///
/// **Shape**: codes `[N, K]`, prototypes `[C, K]` → `[N, C]`.
public func prototypeLogits(codes: Tensor, prototypes: Tensor, scale: Float) -> Tensor {
    prototypeSimilarities(codes: codes, prototypes: prototypes) * (scale / Float(codes.shape[1]))
}

/// The softmax objective: `(1/N) Σᵢ −log softmax(scale · hᵢ·Pᵀ / K)_{yᵢ}`.
///
/// **Shape**: codes `[N, K]`, prototypes `[C, K]`, labels N → scalar.
public func prototypeSoftmaxLoss(codes: Tensor, prototypes: Tensor, labels: [Int], scale: Float) -> Tensor {
    crossEntropy(logits: prototypeLogits(codes: codes, prototypes: prototypes, scale: scale), labels: labels)
}

/// AdaLabelHash's hinge: `(1/N) Σᵢ max(0, m − s_{i,yᵢ} + max_{c≠yᵢ} s_ic)` on the raw inner
/// products `s = h·Pᵀ`.
///
/// The hardest negative is the true maximum over the other classes (the Keras code takes it over
/// `scores · mask`, which floors it at 0; that is a quirk, not part of the loss).
///
/// **Shape**: codes `[N, K]`, prototypes `[C, K]` (C ≥ 2), labels N → scalar.
public func prototypeHingeLoss(codes: Tensor, prototypes: Tensor, labels: [Int], margin: Float) -> Tensor {
    let similarities = prototypeSimilarities(codes: codes, prototypes: prototypes)
    let (count, classCount) = (similarities.shape[0], similarities.shape[1])
    precondition(classCount >= 2, "prototypeHingeLoss: needs at least 2 classes, got \(classCount)")
    let positives = BatchLabels(classes: labels).multiHot(classCount: classCount)
    let positive = (similarities * positives).sum(alongAxes: [1])
    // The positive entry is pushed far below every negative one, so it is never the maximum.
    let hardestNegative = (similarities - positives * 1e9).max(alongAxis: 1)
    return (hardestNegative - positive + margin).relu().sum() / Float(count)
}

/// The center-loss sum `Σᵢ ‖hᵢ − c_{yᵢ}‖² / K` (Wen et al., ECCV 2016; DAH with the label
/// prototypes as the centers): per image, the mean squared distance per bit, so that λ means the
/// same at every code length. Callers scale it by `λ / 2` and divide by the number of images
/// the mean runs over.
///
/// The centers are targets here (their gradient is cut): the center loss draws codes to their
/// class's center, and only other terms move the centers. Letting it move prototypes too lets
/// prototypes and codes collapse onto one point when λ is large.
///
/// **Shape**: codes `[N, K]`, centers `[C, K]`, labels N → scalar.
public func centerLossSum(codes: Tensor, centers: Tensor, labels: [Int]) -> Tensor {
    precondition(codes.shape[0] == labels.count, "centerLossSum: \(labels.count) labels for codes \(codes.shape)")
    return (codes - centers.detached().indexSelect(labels, axis: 0)).squared().sum() / Float(codes.shape[1])
}

// MARK: - Intersectant-GAN

/// The pairwise part of Intersectant-GAN's `L_h` (eq. 2): `½ · mean_{i,j} (uᵢᵀuⱼ / d − sᵢⱼ)²`
/// over every ordered pair of rows (the diagonal included), `sᵢⱼ = 1` when rows i and j share a
/// label, else −1. A mean replaces the paper's sum, so no weight depends on the batch size.
///
/// **Shape**: codes `[N, d]`, `labels` N → scalar.
public func pairwiseHashLoss(codes: Tensor, labels: [Int]) -> Tensor {
    precondition(codes.rank == 2 && codes.shape[0] == labels.count, "pairwiseHashLoss: \(labels.count) labels for codes \(codes.shape)")
    let count = labels.count
    var similarity = [Float](repeating: -1, count: count * count)
    for i in 0..<count {
        for j in 0..<count where labels[i] == labels[j] { similarity[i * count + j] = 1 }
    }
    let inner = codes.matmul(codes, transposeOther: true) / Float(codes.shape[1])
    return (inner - Tensor(shape: [count, count], scalars: similarity)).squared().mean() * 0.5
}

/// Semantic-centroid alignment (Intersectant-GAN's `L_s`): for every class present in both
/// domains, the squared distance between the mean source code of the class and the mean target
/// code of that pseudo-class, `Σ_c ‖ mean_{i∈S_c} uˢᵢ − mean_{j∈T_c} uᵗⱼ ‖²`.
///
/// Target rows without a pseudo-label take no part; a class missing from either side adds
/// nothing. Gradients reach both domains' codes.
///
/// **Shape**: source `[Ns, K]`, target `[Nt, K]` → scalar.
public func classCentroidAlignment(
    source: Tensor, sourceLabels: [Int], target: Tensor, targetLabels: [Int?], reduction: CentroidReduction = .sum
) -> Tensor {
    precondition(
        source.rank == 2 && source.shape[0] == sourceLabels.count, "classCentroidAlignment: \(sourceLabels.count) labels for \(source.shape)")
    precondition(
        target.rank == 2 && target.shape[0] == targetLabels.count, "classCentroidAlignment: \(targetLabels.count) labels for \(target.shape)")
    let shared = Array(Set(sourceLabels).intersection(targetLabels.compactMap { $0 })).sorted()
    guard !shared.isEmpty else { return (source.sum() + target.sum()) * 0 }
    let difference =
        averagingMatrix(rows: sourceLabels.map { Optional($0) }, classes: shared).matmul(source)
        - averagingMatrix(rows: targetLabels, classes: shared).matmul(target)
    return reduction == .sum ? difference.squared().sum() : difference.squared().mean()
}

/// How ``classCentroidAlignment(source:sourceLabels:target:targetLabels:reduction:)`` adds up the
/// squared differences of the class centroids.
public enum CentroidReduction: String, Codable, Sendable, CaseIterable {
    /// `Σ_c ‖·‖²` over the shared classes and the bits (the paper's `L_s`).
    case sum
    /// The same divided by (shared classes × bits): a mean, on the scale of the other terms.
    case mean
}

/// `[classes, rows]`: row `c` averages the rows labelled `classes[c]` (a constant).
func averagingMatrix(rows labels: [Int?], classes: [Int]) -> Tensor {
    let position = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    var counts = [Int](repeating: 0, count: classes.count)
    for label in labels { if let label, let c = position[label] { counts[c] += 1 } }
    var weights = [Float](repeating: 0, count: classes.count * labels.count)
    for (row, label) in labels.enumerated() {
        if let label, let c = position[label] { weights[c * labels.count + row] = 1 / Float(counts[c]) }
    }
    return Tensor(shape: [classes.count, labels.count], scalars: weights)
}

// MARK: - Standard domain adapters

/// The covariance of the rows of `x`, `(xᵀx − (1ᵀx)ᵀ(1ᵀx)/n) / (n − 1)` (as Deep CORAL and
/// `torch.cov` compute it).
///
/// **Shape**: `[n, d]` (n ≥ 2) → `[d, d]`.
public func featureCovariance(_ x: Tensor) -> Tensor {
    precondition(x.rank == 2 && x.shape[0] >= 2, "featureCovariance: needs [n ≥ 2, d], got \(x.shape)")
    let n = Float(x.shape[0])
    let centred = x - x.mean(alongAxes: [0], keepingDimensions: true)
    return centred.matmul(centred, transposeSelf: true) / (n - 1)
}

/// Deep CORAL (Sun & Saenko, ECCV 2016 workshops): `‖C_s − C_t‖²_F / (4d²)`, the squared
/// Frobenius distance between the feature covariances of the two domains.
///
/// **Shape**: source `[ns, d]`, target `[nt, d]` (ns, nt ≥ 2) → scalar.
public func coralLoss(source: Tensor, target: Tensor) -> Tensor {
    precondition(source.rank == 2 && target.rank == 2 && source.shape[1] == target.shape[1], "coralLoss: \(source.shape) and \(target.shape)")
    let d = Float(source.shape[1])
    return (featureCovariance(source) - featureCovariance(target)).squared().sum() / (4 * d * d)
}

/// A multi-kernel Gaussian maximum mean discrepancy (Long et al., ICML 2015; the biased estimate):
/// `MMD² = mean k(s, s′) + mean k(t, t′) − 2 mean k(s, t)`, `k(a, b) = Σ_σ exp(−‖a − b‖² / (2σ²·m))`,
/// with `m` the mean squared distance of the pooled batch (a constant: the median-style bandwidth
/// heuristic, no gradient) unless `bandwidthScale` fixes it, and σ² over `bandwidths`.
///
/// **Shape**: source `[ns, d]`, target `[nt, d]` → scalar.
public func gaussianMMD(source: Tensor, target: Tensor, bandwidths: [Float] = [0.25, 0.5, 1, 2, 4], bandwidthScale: Float? = nil) -> Tensor {
    precondition(source.rank == 2 && target.rank == 2 && source.shape[1] == target.shape[1], "gaussianMMD: \(source.shape) and \(target.shape)")
    let pooled = Tensor.concatenate([source, target], axis: 0)
    let distances = squaredDistances(pooled, pooled)
    let scale = bandwidthScale ?? Swift.max(distances.detached().mean().item, 1e-12)
    var kernel = distances * 0
    for bandwidth in bandwidths { kernel = kernel + (distances * (-1 / (2 * bandwidth * scale))).exp() }
    let ns = source.shape[0]
    let n = pooled.shape[0]
    let sourceSourceMean = kernel.slice(axis: 0, range: 0..<ns).slice(axis: 1, range: 0..<ns).mean()
    let targetTargetMean = kernel.slice(axis: 0, range: ns..<n).slice(axis: 1, range: ns..<n).mean()
    let crossMean = kernel.slice(axis: 0, range: 0..<ns).slice(axis: 1, range: ns..<n).mean()
    return sourceSourceMean + targetTargetMean - 2 * crossMean
}

/// DANN's ramp of the gradient-reversal coefficient: `2 / (1 + e^(−γp)) − 1` at training
/// progress `p` ∈ [0, 1] (γ = 10 in Ganin & Lempitsky): 0 at the start, near 1 at the end.
public func dannRamp(progress p: Double, gamma: Double = 10) -> Float {
    Float(2 / (1 + Foundation.exp(-gamma * p)) - 1)
}

/// Information maximization on class scores (Krause, Perona & Gomes, NeurIPS 2010; as SHOT uses
/// it, Liang et al., ICML 2020): `entropyWeight · mean_i H(p_i) − diversityWeight · H(p̄)`, with
/// `p_i = softmax(s_i)`, `p̄` their mean over the batch and `H(p) = −Σ_c p_c log p_c`.
///
/// The first term makes each prediction confident; the second keeps the batch's predictions
/// spread over the classes, so that the minimum is never one class for every image. `H(p̄)` uses
/// `log(p̄ + 1e-5)`, SHOT's guard against `log 0`.
///
/// **Shape**: scores `[N, C]` → scalar.
public func informationMaximizationLoss(scores: Tensor, entropyWeight: Float = 1, diversityWeight: Float = 1) -> Tensor {
    precondition(scores.rank == 2 && scores.shape[0] > 0, "informationMaximizationLoss: scores \(scores.shape)")
    let probabilities = scores.softmax(alongAxis: 1)
    let entropy = -(probabilities * scores.logSoftmax(alongAxis: 1)).sum(alongAxes: [1]).mean()
    let meanProbabilities = probabilities.mean(alongAxes: [0])
    let diversity = -(meanProbabilities * (meanProbabilities + 1e-5).log()).sum()
    return entropy * entropyWeight - diversity * diversityWeight
}

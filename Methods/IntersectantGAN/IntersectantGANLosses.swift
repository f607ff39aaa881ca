import HashingCore
import NeuralNet
import TensorCore

// The loss terms of Intersectant-GAN (He et al., IJCAI 2019), as functions of tensors so that each
// is tested on its own. Means replace the paper's sums throughout, so that no weight depends on
// the batch size (Methods/IntersectantGAN/README.md, "Deviations and choices").

/// The discriminators' side of the N+1-way adversarial loss `L_a` (eq. 10) for one discriminator:
/// real images are classified as their (pseudo-)class, generated ones as the fake class N.
///
/// `realLabels[i]` is the class of real row i, or `nil` for a target image without a pseudo-label
/// (it takes no part). Each of the two cross-entropies is a mean over its rows (0 when none).
///
/// **Shape**: real logits `[Nr, N+1]`, fake logits `[Nf, N+1]` → (real term, fake term).
public func discriminatorLosses(realLogits: Tensor, realLabels: [Int?], fakeLogits: Tensor) -> (real: Tensor, fake: Tensor) {
    precondition(
        realLogits.rank == 2 && fakeLogits.rank == 2 && realLogits.shape[1] == fakeLogits.shape[1],
        "discriminatorLosses: logits must be [N, classes + 1]")
    let fakeClass = realLogits.shape[1] - 1
    let real = crossEntropy(logits: realLogits, partialLabels: realLabels)
    let fake = crossEntropy(logits: fakeLogits, labels: [Int](repeating: fakeClass, count: fakeLogits.shape[0]))
    return (real, fake)
}

/// How a loss over the pseudo-labelled rows of a target batch is averaged.
public enum PartialLabelMean: String, Codable, Sendable, CaseIterable {
    /// Over the rows that have a pseudo-label (`crossEntropy(partialLabels:)`): two selected
    /// images then weigh as much as a whole labelled source batch.
    case selected
    /// Over the whole batch (a row without a pseudo-label adds 0): a target term grows with the
    /// share of the batch it has labels for.
    case batch
}

/// Cross-entropy on the rows that have a label, averaged as `mean` says (0 when none has one).
///
/// **Shape**: logits `[N, C]`, labels N → scalar.
public func partialCrossEntropy(logits: Tensor, labels: [Int?], mean: PartialLabelMean) -> Tensor {
    let selected = crossEntropy(logits: logits, partialLabels: labels)
    guard mean == .batch, !labels.isEmpty else { return selected }
    return selected * (Float(labels.compactMap { $0 }.count) / Float(labels.count))
}

/// `−log(1 − p_fake)` for each row of an N+1 discriminator's logits: "a real image, of some
/// class", for a real image whose class is not known (`log Σ_{c<N} softmax(l)_c`, computed as a
/// shifted log-sum-exp of the log-probabilities of the N classes).
///
/// **Shape**: logits `[N, classes + 1]` → `[N]`.
public func realImageLosses(logits: Tensor) -> Tensor {
    precondition(logits.rank == 2 && logits.shape[1] >= 2, "realImageLosses: logits must be [N, classes + 1], got \(logits.shape)")
    let classes = logits.shape[1] - 1
    let logProbabilities = logits.logSoftmax(alongAxis: 1).slice(axis: 1, range: 0..<classes)
    let shift = logProbabilities.max(alongAxis: 1, keepingDimensions: true).detached()
    let logReal = (logProbabilities - shift).exp().sum(alongAxes: [1], keepingDimensions: true).log() + shift
    return -logReal.reshaped([logits.shape[0]])
}

/// The discriminators' side of `L_a` for one discriminator, with the choices issue 30 measured:
/// real rows with a (pseudo-)label as their class, averaged as `mean` says; when
/// `unlabelledAreReal`, real rows without one as "real, of some class"
/// (``realImageLosses(logits:)``), every real row then counting in one mean over the batch;
/// generated rows as the fake class N.
///
/// With `.selected` and `unlabelledAreReal` false it is
/// ``discriminatorLosses(realLogits:realLabels:fakeLogits:)``.
///
/// **Shape**: real logits `[Nr, N+1]`, fake logits `[Nf, N+1]` → (real term, fake term).
public func discriminatorLosses(
    realLogits: Tensor, realLabels: [Int?], fakeLogits: Tensor, mean: PartialLabelMean, unlabelledAreReal: Bool
) -> (real: Tensor, fake: Tensor) {
    guard unlabelledAreReal || mean == .batch else {
        return discriminatorLosses(realLogits: realLogits, realLabels: realLabels, fakeLogits: fakeLogits)
    }
    let fake = crossEntropy(logits: fakeLogits, labels: [Int](repeating: fakeLogits.shape[1] - 1, count: fakeLogits.shape[0]))
    var real = partialCrossEntropy(logits: realLogits, labels: realLabels, mean: .batch)
    let unlabelled = realLabels.map { $0 == nil ? Float(1) : 0 }
    if unlabelledAreReal, unlabelled.contains(1) {
        real = real + (realImageLosses(logits: realLogits) * Tensor(unlabelled)).sum() / Float(realLabels.count)
    }
    return (real, fake)
}

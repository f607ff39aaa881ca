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

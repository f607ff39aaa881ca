import HashingCore
import NeuralNet
import TensorCore

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

/// The center-loss sum `Σᵢ ‖hᵢ − p_{yᵢ}‖² / K` with the class prototypes as the centers (DAH's
/// "labels as the center points"): per image, the mean squared distance per bit, so that λ means
/// the same at every code length. Callers scale it by `λ / 2` and divide by the number of images
/// the mean runs over.
///
/// The prototypes are targets here (their gradient is cut): the center loss draws codes to their
/// class's prototype, and only the objective moves the prototypes. Letting it move them too lets
/// prototypes and codes collapse onto one point when λ is large.
///
/// **Shape**: codes `[N, K]`, prototypes `[C, K]`, labels N → scalar.
public func prototypeCenterSum(codes: Tensor, prototypes: Tensor, labels: [Int]) -> Tensor {
    precondition(codes.shape[0] == labels.count, "prototypeCenterSum: \(labels.count) labels for codes \(codes.shape)")
    return (codes - prototypes.detached().indexSelect(labels, axis: 0)).squared().sum() / Float(codes.shape[1])
}

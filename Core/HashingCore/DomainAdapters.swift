import TensorCore

/// Semantic-centroid alignment (Intersectant-GAN's `L_s`): for every class present in both
/// domains of a step, the squared distance between the mean source code of the class and the
/// mean target code of that pseudo-class,
/// `L_s = weight · Σ_c ‖ (1/|S_c|) Σ_{i∈S_c} uˢᵢ − (1/|T_c|) Σ_{j∈T_c} uᵗⱼ ‖²`.
///
/// Target rows without a pseudo-label take no part; a class missing from either side of the
/// batch adds nothing (there is no centroid to align). Gradients reach both domains' codes.
///
/// **Shape**: source codes `[Ns, K]`, target codes `[Nt, K]` → one scalar term.
public struct ClassCentroidAlignment: DomainAdapter {
    public var weight: Float
    public var name: String

    public init(weight: Float = 1, name: String = "centroid-alignment") {
        self.weight = weight
        self.name = name
    }

    public func terms(source: HashingOutput, sourceLabels: [Int], target: HashingOutput, targetLabels: [Int?]) -> [LossTerm] {
        [LossTerm(name, loss(source: source.codes, sourceLabels: sourceLabels, target: target.codes, targetLabels: targetLabels) * weight)]
    }

    /// The unweighted loss.
    public func loss(source: Tensor, sourceLabels: [Int], target: Tensor, targetLabels: [Int?]) -> Tensor {
        precondition(
            source.rank == 2 && source.shape[0] == sourceLabels.count, "ClassCentroidAlignment: \(sourceLabels.count) labels for \(source.shape)")
        precondition(
            target.rank == 2 && target.shape[0] == targetLabels.count, "ClassCentroidAlignment: \(targetLabels.count) labels for \(target.shape)")
        let shared = Array(Set(sourceLabels).intersection(targetLabels.compactMap { $0 })).sorted()
        guard !shared.isEmpty else { return (source.sum() + target.sum()) * 0 }
        let difference =
            Self.averaging(rows: sourceLabels.map { Optional($0) }, classes: shared).matmul(source)
            - Self.averaging(rows: targetLabels, classes: shared).matmul(target)
        return difference.squared().sum()
    }

    /// `[classes, rows]`: row `c` averages the rows labelled `classes[c]` (a constant).
    static func averaging(rows labels: [Int?], classes: [Int]) -> Tensor {
        let position = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var counts = [Int](repeating: 0, count: classes.count)
        for label in labels { if let label, let c = position[label] { counts[c] += 1 } }
        var weights = [Float](repeating: 0, count: classes.count * labels.count)
        for (row, label) in labels.enumerated() {
            if let label, let c = position[label] { weights[c * labels.count + row] = 1 / Float(counts[c]) }
        }
        return Tensor(shape: [classes.count, labels.count], scalars: weights)
    }
}

// Metrics of one ranked list. These are the definitions; `RetrievalEvaluator` computes the same
// quantities from distance histograms without materialising the lists.

/// Average precision of a ranked list, optionally cut at the top `topK` items.
///
/// With `relevant(i)` the relevance of the item at rank `i` (1-based), `hits(i)` the relevant items
/// in ranks `1…i`, and `n = min(topK, count)`:
///
///     AP@K = Σ_{i ≤ n, relevant(i)} hits(i) / i  ÷  hits(n)
///
/// The normaliser is the number of relevant items **retrieved in the top K** (the DeepHash-pytorch
/// `CalcTopMap` convention), not all relevant items; with `topK = nil` (or `topK ≥ count`) it is all
/// relevant items and this is AP@all. A list with no relevant item in the top K has AP = 0.
///
/// **Shape**: `rankedRelevance [count]` → scalar.
///
/// - Parameters:
///   - rankedRelevance: relevance of the items in rank order, best first.
///   - topK: the cut-off K (must be positive), or `nil` for the whole list.
public func averagePrecision(rankedRelevance: [Bool], topK: Int? = nil) -> Double {
    if let topK { precondition(topK > 0, "averagePrecision: topK must be positive, got \(topK)") }
    let limit = min(topK ?? rankedRelevance.count, rankedRelevance.count)
    var hits = 0
    var sum = 0.0
    for rank in 0..<limit where rankedRelevance[rank] {
        hits += 1
        sum += Double(hits) / Double(rank + 1)
    }
    return hits == 0 ? 0 : sum / Double(hits)
}

/// Precision of the top `k` items of a ranked list: relevant items among ranks `1…min(k, count)`,
/// divided by `k`.
///
///     P@k = hits(min(k, count)) / k
///
/// A `k` beyond the end of the list counts the missing items as not relevant (the `trec_eval`
/// convention, and DeepHash-pytorch's `p_at_k` beyond the gallery).
///
/// **Shape**: `rankedRelevance [count]` → scalar.
public func precision(rankedRelevance: [Bool], atK k: Int) -> Double {
    precondition(k > 0, "precision(rankedRelevance:atK:): k must be positive, got \(k)")
    let hits = rankedRelevance.prefix(k).lazy.filter { $0 }.count
    return Double(hits) / Double(k)
}

/// A run of items tied at one score (one Hamming distance) in a ranking.
public struct TieGroup: Equatable, Sendable, Codable {
    /// The number of items in the group.
    public var size: Int
    /// How many of them are relevant (`0…size`).
    public var relevantCount: Int

    public init(size: Int, relevantCount: Int) {
        precondition(
            size >= 0 && relevantCount >= 0 && relevantCount <= size,
            "TieGroup: need 0 ≤ relevantCount ≤ size, got relevantCount \(relevantCount), size \(size)")
        self.size = size
        self.relevantCount = relevantCount
    }
}

/// Tie-aware average precision (McSherry & Najork, ECIR 2008): the expected AP@all when the items
/// within each tie group are put in a uniformly random order, computed in closed form.
///
/// For group `g` with `t` items of which `r` are relevant, preceded by `c` items of which `R⁻` are
/// relevant, the item at group position `j` (1…t) is relevant with probability `r/t`, and given
/// that, the relevant items ahead of it in the group number `(j − 1)(r − 1)/(t − 1)` on average. So
///
///     E[AP] = 1/R · Σ_g (r/t) · Σ_{j=1…t} (R⁻ + 1 + (j − 1)(r − 1)/(t − 1)) / (c + j)
///
/// with `R` all relevant items and the fraction `(r − 1)/(t − 1)` read as 0 when `t = 1`. Writing
/// `a = R⁻ + 1` and `b = (r − 1)/(t − 1)`, the inner sum is `t·b + (a − b − b·c)(H(c + t) − H(c))`
/// with `H` the harmonic numbers, so each group costs O(1). No relevant item gives 0; with no ties
/// this is the ordinary AP@all.
///
/// **Shape**: `tieGroups [groupCount]` (in rank order) → scalar.
public func tieAwareAveragePrecision(tieGroups: [TieGroup]) -> Double {
    let total = tieGroups.reduce(0) { $0 + $1.size }
    let harmonic = HarmonicNumbers(upTo: total)
    var sum = 0.0
    var before = 0
    var relevantBefore = 0
    var relevantTotal = 0
    for group in tieGroups {
        sum += harmonic.expectedPrecisionSum(
            groupSize: group.size, relevantInGroup: group.relevantCount, itemsBefore: before, relevantBefore: relevantBefore)
        before += group.size
        relevantBefore += group.relevantCount
        relevantTotal += group.relevantCount
    }
    return relevantTotal == 0 ? 0 : sum / Double(relevantTotal)
}

/// Harmonic numbers `H(n) = Σ_{i=1…n} 1/i` for `n = 0…upTo`, and the tie-group term of the
/// tie-aware AP built on them.
struct HarmonicNumbers: Sendable {
    let values: [Double]

    init(upTo limit: Int) {
        var values = [Double](repeating: 0, count: limit + 1)
        // Compensated (Kahan) summation keeps differences H(m) − H(n) accurate for large n.
        var sum = 0.0
        var compensation = 0.0
        for n in stride(from: 1, through: limit, by: 1) {
            let term = 1 / Double(n) - compensation
            let next = sum + term
            compensation = (next - sum) - term
            sum = next
            values[n] = sum
        }
        self.values = values
    }

    /// `Σ_{relevant items of a tie group} E[precision at the item]`:
    /// `(r/t) · [t·b + (a − b − b·c)(H(c + t) − H(c))]`, `a = R⁻ + 1`, `b = (r − 1)/(t − 1)`.
    @inline(__always)
    func expectedPrecisionSum(groupSize t: Int, relevantInGroup r: Int, itemsBefore c: Int, relevantBefore: Int) -> Double {
        if r == 0 { return 0 }
        let a = Double(relevantBefore + 1)
        let b = t > 1 ? Double(r - 1) / Double(t - 1) : 0
        let harmonicDifference: Double
        if t <= 8 {
            // Short groups: sum the reciprocals directly (exact to rounding, no cancellation).
            var difference = 0.0
            for j in 1...t { difference += 1 / Double(c + j) }
            harmonicDifference = difference
        } else {
            harmonicDifference = values[c + t] - values[c]
        }
        let inner = Double(t) * b + (a - b - b * Double(c)) * harmonicDifference
        return Double(r) / Double(t) * inner
    }
}

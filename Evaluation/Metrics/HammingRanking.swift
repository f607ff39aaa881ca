extension PackedCodes {
    /// The database (`self`) ranked for query `queryIndex` of `queries`: indices ordered by Hamming
    /// distance, nearest first, ties broken by ascending database index (a stable ranking).
    ///
    ///     rank(i) < rank(j)  ⇔  (d(q, i), i) < (d(q, j), j)   lexicographically
    ///
    /// Distances come from the runtime-dispatched popcount kernel (``distances(to:queryIndex:)``);
    /// they lie in `0…bitCount`, so the order is a counting sort: O(count + bitCount).
    ///
    /// **Shape**: `queries [Q, bitCount]`, `self [N, bitCount]` → `[N]` database indices.
    public func hammingRanking(to queries: PackedCodes, queryIndex: Int) -> [Int] {
        precondition(
            queryIndex >= 0 && queryIndex < queries.count,
            "hammingRanking: query \(queryIndex) out of range 0..<\(queries.count)")
        return stableOrder(distances: distances(to: queries, queryIndex: queryIndex), maximumDistance: bitCount)
    }
}

/// Indices `0..<distances.count` sorted by distance, ties by index (counting sort).
///
/// **Shape**: `distances [N]` with values in `0…maximumDistance` → `[N]` indices.
func stableOrder(distances: [UInt32], maximumDistance: Int) -> [Int] {
    var starts = [Int](repeating: 0, count: maximumDistance + 2)
    for distance in distances { starts[Int(distance) + 1] += 1 }
    for d in 0...maximumDistance { starts[d + 1] += starts[d] }
    var order = [Int](repeating: 0, count: distances.count)
    for (index, distance) in distances.enumerated() {
        order[starts[Int(distance)]] = index
        starts[Int(distance)] += 1
    }
    return order
}

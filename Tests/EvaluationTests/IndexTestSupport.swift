import Evaluation

/// Hamming distances by Swift's own `nonzeroBitCount`: independent of the C kernels under test.
func naiveDistance(_ a: PackedCodes, _ i: Int, _ b: PackedCodes, _ j: Int) -> Int {
    (0..<a.wordsPerCode).reduce(0) { $0 + (a.words[i * a.wordsPerCode + $1] ^ b.words[j * b.wordsPerCode + $1]).nonzeroBitCount }
}

/// Exact k-NN by sorting every (distance, index) pair.
func referenceNearest(_ database: PackedCodes, _ queries: PackedCodes, k: Int) -> [[HammingNeighbor]] {
    (0..<queries.count).map { q in
        let all = (0..<database.count).map { HammingNeighbor(index: $0, distance: naiveDistance(database, $0, queries, q)) }
        return Array(all.sorted().prefix(k))
    }
}

/// Exact radius search by checking every code.
func referenceWithinRadius(_ database: PackedCodes, _ queries: PackedCodes, radius: Int) -> [[HammingNeighbor]] {
    (0..<queries.count).map { q in
        (0..<database.count).map { HammingNeighbor(index: $0, distance: naiveDistance(database, $0, queries, q)) }.filter { $0.distance <= radius }
            .sorted()
    }
}

/// `count` codes near `centreCount` random centres: each bit differs from the centre with
/// probability 2^-flipExponent (the AND of flipExponent random words), so there are many ties and
/// duplicates.
func clusteredCodes(count: Int, bitCount: Int, centreCount: Int, flipExponent: Int, seed: UInt64) -> PackedCodes {
    let centres = PackedCodes.random(count: centreCount, bitCount: bitCount, seed: seed ^ 0xC0FFEE)
    let noise = PackedCodes.random(count: count * (flipExponent + 1), bitCount: bitCount, seed: seed)
    let w = centres.wordsPerCode
    var words = [UInt64](repeating: 0, count: count * w)
    for i in 0..<count {
        let centre = Int(noise.words[(count * flipExponent + i) * w] % UInt64(centreCount))
        for j in 0..<w {
            var flips = ~UInt64(0)
            for e in 0..<flipExponent { flips &= noise.words[(i * flipExponent + e) * w + j] }
            words[i * w + j] = centres.words[centre * w + j] ^ flips
        }
    }
    return try! PackedCodes(words: words, bitCount: bitCount)
}

/// Copies of database codes with `flips` random bits flipped (queries with close neighbors).
func perturbedQueries(_ database: PackedCodes, count: Int, flips: Int, seed: UInt64) -> PackedCodes {
    var state = seed
    func next() -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(truncatingIfNeeded: state >> 33)
    }
    var result = PackedCodes(bitCount: database.bitCount)
    for _ in 0..<count {
        var bits = database.bools(ofCode: next() % database.count)
        for _ in 0..<flips { bits[next() % database.bitCount].toggle() }
        result.append(bits: bits)
    }
    return result
}

import CHamming
import Foundation

/// Multi-index hashing (Norouzi, Punjani & Fleet, "Fast exact search in Hamming space with multi-index
/// hashing", TPAMI 2014): exact radius and k-nearest-neighbor search that probes hash tables instead of
/// scanning every code.
///
/// Each `bitCount`-bit code is cut into `m` disjoint substrings (lengths differ by at most one bit) and
/// each substring gets a hash table from its value to the codes that have it. By the pigeonhole
/// principle, a code within distance `r` of the query is within `⌊r/m⌋` of it on at least one
/// substring, so probing every bucket within `⌊r/m⌋` bit flips of each query substring finds every
/// such code. The tighter form used here: with `r = m·r' + a` (`0 ≤ a < m`), probing substrings
/// `0...a` within `r'` flips and the others within `r' − 1` is enough, since a code missed by all of
/// them differs in at least `(a + 1)(r' + 1) + (m − a − 1)·r' = r + 1` bits. Candidates are verified
/// with the full distance and deduplicated.
///
/// k-NN search probes with growing radius, one substring at a time: after probing substrings `0...i`
/// within `ρ` flips and the rest within `ρ − 1`, every code within `m·ρ + i` has been seen. It stops
/// as soon as at least `k` seen codes lie within that guaranteed radius; the answer is then the `k`
/// smallest by (distance, index) among them, which is exactly the flat scan's answer, ties included,
/// because every code at the k-th distance has been seen.
///
/// When a query would need more probes than ``maximumProbesPerQuery`` or verify more candidates than
/// ``maximumCandidatesPerQuery``, that query is answered by the flat scan instead: the result is the same, only
/// faster. Search is fast for small radii and for k-NN when neighbors are close, as for codes of
/// similar images; for uniformly random long codes a flat scan is better.
///
/// **Shape:** database `[count × bitCount]`; queries `[queryCount × bitCount]` → `queryCount` lists.
public struct MultiIndexHashing: HammingIndex {
    /// The flat index over the same codes: storage, candidate verification and fallback.
    public private(set) var flat: FlatHammingIndex
    /// The codes, row-major: candidates are verified here (one cache line per code).
    public let codes: PackedCodes
    /// The bit ranges of the substrings, in order.
    public let substringRanges: [Range<Int>]
    let tables: [SubstringTable]

    /// Above this many bucket probes for one query, that query is answered by the flat scan.
    public var maximumProbesPerQuery: Int
    /// Above this many candidate codes to verify for one query, that query is answered by the flat scan.
    public var maximumCandidatesPerQuery: Int

    /// Bits per code.
    public var bitCount: Int { flat.bitCount }
    /// The number of indexed codes.
    public var count: Int { flat.count }
    /// The number of substrings `m`.
    public var substringCount: Int { substringRanges.count }

    /// Norouzi et al.'s choice `m ≈ bitCount / log₂(count)`, at least `⌈bitCount / 64⌉` (a substring
    /// fits in 64 bits) and at most `bitCount`.
    public static func recommendedSubstringCount(bitCount: Int, count: Int) -> Int {
        let lower = (bitCount + 63) / 64
        guard count > 1 else { return lower }
        let m = Int((Double(bitCount) / log2(Double(count))).rounded())
        return min(bitCount, max(lower, m))
    }

    /// Indexes `codes`.
    ///
    /// - Parameters:
    ///   - substringCount: `m`, default ``recommendedSubstringCount(bitCount:count:)``.
    ///   - inlineCodes: whether each table also keeps a copy of the codes in bucket order (faster
    ///     verification, `m` more copies of the codes); default: when `m × wordsPerCode ≤ 8`.
    public init(_ codes: PackedCodes, substringCount: Int? = nil, inlineCodes: Bool? = nil) {
        self.init(flat: FlatHammingIndex(codes), codes: codes, substringCount: substringCount, inlineCodes: inlineCodes)
    }

    /// Indexes the codes of a flat index (see ``init(_:substringCount:inlineCodes:)-(PackedCodes,_,_)``).
    public init(_ flat: FlatHammingIndex, substringCount: Int? = nil, inlineCodes: Bool? = nil) {
        self.init(flat: flat, codes: flat.codes, substringCount: substringCount, inlineCodes: inlineCodes)
    }

    init(flat: FlatHammingIndex, codes: PackedCodes, substringCount: Int?, inlineCodes: Bool?) {
        let bitCount = codes.bitCount
        let m = substringCount ?? Self.recommendedSubstringCount(bitCount: bitCount, count: codes.count)
        precondition(m >= 1 && m <= bitCount, "MultiIndexHashing: substringCount must be in 1...\(bitCount), got \(m)")
        precondition((bitCount + m - 1) / m <= 64, "MultiIndexHashing: \(m) substrings of \(bitCount) bits exceed 64 bits each")
        var ranges: [Range<Int>] = []
        var start = 0
        for i in 0..<m {
            let length = bitCount / m + (i < bitCount % m ? 1 : 0)
            ranges.append(start..<start + length)
            start += length
        }
        self.flat = flat
        self.codes = codes
        self.substringRanges = ranges
        let inline = inlineCodes ?? (m * codes.wordsPerCode <= 8)
        self.tables = ranges.map { SubstringTable(codes: codes, bits: $0, inlineCodes: inline) }
        self.maximumProbesPerQuery = max(64, codes.count / 256)
        self.maximumCandidatesPerQuery = max(1024, codes.count / 4)
    }

    /// The flat scan's kernel, also used to verify candidates.
    public var kernel: HammingKernel {
        get { flat.kernel }
        set { flat.kernel = newValue }
    }

    /// The `min(k, count)` nearest codes to each query by probing with growing radius; exactly the
    /// flat scan's answer, ties included (see ``HammingIndex/search(_:k:threads:)``).
    public func search(_ queries: PackedCodes, k: Int, threads: Int) -> [[HammingNeighbor]] {
        checkQueries(queries, bitCount: bitCount)
        precondition(k >= 0, "MultiIndexHashing: k must be non-negative, got \(k)")
        let k = min(k, count)
        if k == 0 { return Array(repeating: [], count: queries.count) }
        return batch(queries, threads: threads, fallback: { flat.search($0, k: k, threads: 1) }) { worker, query in
            worker.nearest(query, k: k)
        }
    }

    /// Every code within `radius` (inclusive) of each query, by probing ``probeRadii(forRadius:)``.
    public func search(_ queries: PackedCodes, radius: Int, threads: Int) -> [[HammingNeighbor]] {
        checkQueries(queries, bitCount: bitCount)
        precondition(radius >= 0, "MultiIndexHashing: radius must be non-negative, got \(radius)")
        if count == 0 { return Array(repeating: [], count: queries.count) }
        let flips = probeRadii(forRadius: radius)
        // A radius whose probes cost more than a scan goes to the flat scan for every query.
        guard radius < bitCount, probeCount(flips) <= Double(maximumProbesPerQuery) else {
            return flat.search(queries, radius: radius, threads: threads)
        }
        return batch(queries, threads: threads, fallback: { flat.search($0, radius: radius, threads: 1) }) { worker, query in
            worker.withinRadius(query, radius: radius, flips: flips)
        }
    }

    /// The flips to probe in each substring for an exact radius-`radius` search: with
    /// `radius = m·r' + a`, `r'` for substrings `0...a` and `r' − 1` (none when negative) for the rest.
    public func probeRadii(forRadius radius: Int) -> [Int] {
        let m = substringCount
        return (0..<m).map { $0 <= radius % m ? radius / m : radius / m - 1 }
    }

    /// Bucket probes for the given flips per substring: `Σᵢ Σ_{ρ ≤ flipsᵢ} C(lengthᵢ, ρ)`.
    public func probeCount(_ flips: [Int]) -> Double {
        zip(substringRanges, flips).reduce(0) { total, item in
            let (bits, maximumFlips) = item
            return maximumFlips < 0 ? total : total + (0...min(maximumFlips, bits.count)).reduce(0) { $0 + binomial(bits.count, $1) }
        }
    }

    /// Runs `search` for each query on `threads` workers; queries it gives up on (nil) are answered
    /// together by `fallback`.
    private func batch(
        _ queries: PackedCodes, threads: Int, fallback: (PackedCodes) -> [[HammingNeighbor]],
        _ search: (inout MultiIndexWorker, UnsafePointer<UInt64>) -> [HammingNeighbor]?
    ) -> [[HammingNeighbor]] {
        parallelMap(count: queries.count, threads: threads) { range in
            var results: [[HammingNeighbor]?] = codes.words.withUnsafeBufferPointer { rows in
                queries.words.withUnsafeBufferPointer { words in
                    var worker = MultiIndexWorker(index: self, rows: rows.baseAddress!)
                    return range.map { search(&worker, words.baseAddress! + $0 * queries.wordsPerCode) }
                }
            }
            let missing = results.indices.filter { results[$0] == nil }
            if !missing.isEmpty {
                var subset = PackedCodes(bitCount: bitCount)
                for i in missing { subset.append(contentsOf: queries[(range.lowerBound + i)..<(range.lowerBound + i + 1)]) }
                for (i, answer) in zip(missing, fallback(subset)) { results[i] = answer }
            }
            return results.map { $0! }
        }
    }
}

/// `C(n, k)` as a Double (exact for the small values that matter here).
func binomial(_ n: Int, _ k: Int) -> Double {
    guard k >= 0 && k <= n else { return 0 }
    var result = 1.0
    for i in 0..<min(k, n - k) { result = result * Double(n - i) / Double(i + 1) }
    return result.rounded()
}

/// Bits `start ..< start + length` (`length ≤ 64`) of a row-major code, as an integer.
@inline(__always)
func substringValue(_ row: UnsafePointer<UInt64>, start: Int, length: Int) -> UInt64 {
    let word = start >> 6, offset = start & 63
    var value = row[word] >> UInt64(offset)
    if offset + length > 64 { value |= row[word + 1] << UInt64(64 - offset) }
    return length == 64 ? value : value & ((1 << UInt64(length)) - 1)
}

/// The hash table of one substring: distinct substring values → the ascending database indices of
/// the codes that have them, stored bucket after bucket in one array (compressed rows). Each slot of
/// the open-addressing table holds the key with its bucket's position, so a probe costs one cache
/// miss. With `inlineCodes`, the codes are also copied in bucket order, so verifying a bucket reads
/// memory sequentially instead of gathering codes from all over the database.
struct SubstringTable: Sendable {
    struct Entry: Sendable {
        var key: UInt64 = 0
        var start: UInt32 = 0
        /// Codes in the bucket; 0 marks an empty slot.
        var count: UInt32 = 0
    }

    let start: Int
    let length: Int
    private(set) var entries: [Entry] = []
    /// Database indices, bucket after bucket, ascending within a bucket.
    private(set) var ids: [UInt32] = []
    /// When not empty: the codes (row-major) in the order of `ids`.
    private(set) var codes: [UInt64] = []

    init(codes source: PackedCodes, bits: Range<Int>, inlineCodes: Bool) {
        start = bits.lowerBound
        length = bits.count
        let n = source.count, wordsPerCode = source.wordsPerCode
        let (start, length) = (start, length)
        var slotOfCode = [UInt32](repeating: 0, count: n)
        entries = [Entry](repeating: Entry(), count: Self.capacity(for: n))
        var distinct = 0
        source.words.withUnsafeBufferPointer { words in
            entries.withUnsafeMutableBufferPointer { table in
                for i in 0..<n {
                    let key = substringValue(words.baseAddress! + i * wordsPerCode, start: start, length: length)
                    var slot = Self.home(key, table.count)
                    while table[slot].count != 0 && table[slot].key != key { slot = slot + 1 == table.count ? 0 : slot + 1 }
                    if table[slot].count == 0 {
                        table[slot].key = key
                        distinct += 1
                    }
                    table[slot].count += 1
                    slotOfCode[i] = UInt32(slot)
                }
            }
        }
        // Buckets in slot order; ids ascending within each.
        var next: UInt32 = 0
        for slot in entries.indices where entries[slot].count != 0 {
            entries[slot].start = next
            next += entries[slot].count
        }
        var cursor = entries.map(\.start)
        ids = [UInt32](repeating: 0, count: n)
        for i in 0..<n {
            let slot = Int(slotOfCode[i])
            ids[Int(cursor[slot])] = UInt32(i)
            cursor[slot] += 1
        }
        if inlineCodes {
            var copied = [UInt64](repeating: 0, count: n * wordsPerCode)
            source.words.withUnsafeBufferPointer { words in
                for (position, id) in ids.enumerated() {
                    for w in 0..<wordsPerCode { copied[position * wordsPerCode + w] = words[Int(id) * wordsPerCode + w] }
                }
            }
            codes = copied
        }
        // Shrink the table to the distinct keys.
        let capacity = Self.capacity(for: distinct)
        if capacity < entries.count {
            var table = [Entry](repeating: Entry(), count: capacity)
            for entry in entries where entry.count != 0 {
                var slot = Self.home(entry.key, capacity)
                while table[slot].count != 0 { slot = slot + 1 == capacity ? 0 : slot + 1 }
                table[slot] = entry
            }
            entries = table
        }
    }

    /// Slots for `keys` keys: load factor at most 2/3.
    private static func capacity(for keys: Int) -> Int { max(4, keys + keys / 2 + 1) }

    /// The home slot of `key`: the high bits of a multiplicative hash, scaled to the capacity.
    @inline(__always) private static func home(_ key: UInt64, _ capacity: Int) -> Int {
        let hash = (key &* 0x9E37_79B9_7F4A_7C15) >> 32
        return Int(truncatingIfNeeded: (hash &* UInt64(capacity)) >> 32)
    }

    /// Starts loading the home slot of `key`, so that the lookups of several substrings overlap.
    @inline(__always) func prefetch(_ key: UInt64) {
        entries.withUnsafeBufferPointer { table in hamming_prefetch(table.baseAddress! + Self.home(key, table.count)) }
    }

    /// The bucket of `key`: its first position in `ids` and its size (0 when absent).
    @inline(__always) func bucket(_ key: UInt64) -> (start: Int, count: Int) {
        entries.withUnsafeBufferPointer { table in
            var slot = Self.home(key, table.count)
            while true {
                let entry = table[slot]
                if entry.count == 0 { return (0, 0) }
                if entry.key == key { return (Int(entry.start), Int(entry.count)) }
                slot = slot + 1 == table.count ? 0 : slot + 1
            }
        }
    }
}

/// Per-thread state of multi-index searches.
///
/// Deduplication: a radius search keeps a candidate found through substring `t` only if no earlier
/// probed substring `t' < t` is within its probe radius of the query (otherwise that substring found
/// it already); this needs a few substring distances for the few codes within the radius, and no
/// per-code state. A k-NN search records every candidate, so it marks seen codes in a bitset that is
/// cleared after each query.
struct MultiIndexWorker {
    let index: MultiIndexHashing
    /// The row-major codes of the index.
    let rows: UnsafePointer<UInt64>
    private var seen: [UInt64] = []
    private var foundIds: [UInt32] = []
    private var foundDistances: [UInt32] = []
    private var verified: [UInt32] = []
    private var histogram: [Int]
    private var positions: [Int] = []
    private var probes = 0
    private var candidates = 0
    private let candidateLimit: Int
    /// Radius search: the radius and the probe radius of each substring; nil for k-NN.
    private var radiusPlan: (radius: Int, flips: [Int])?

    init(index: MultiIndexHashing, rows: UnsafePointer<UInt64>) {
        self.index = index
        self.rows = rows
        self.histogram = [Int](repeating: 0, count: index.bitCount + 1)
        self.candidateLimit = index.maximumCandidatesPerQuery
    }

    private mutating func begin() {
        if !seen.isEmpty {
            for id in foundIds { seen[Int(id) >> 6] = 0 }
        }
        foundIds.removeAll(keepingCapacity: true)
        foundDistances.removeAll(keepingCapacity: true)
        probes = 0
        candidates = 0
    }

    /// Probes every bucket of substring `t` at exactly `flips` flipped bits from the query's value,
    /// verifying and recording new codes. False when the query's budget ran out.
    private mutating func probe(_ t: Int, flips: Int, query: UnsafePointer<UInt64>) -> Bool {
        let table = index.tables[t]
        let length = table.length
        guard flips <= length else { return true }
        let cost = binomial(length, flips)
        if Double(probes) + cost > Double(index.maximumProbesPerQuery) { return false }
        probes += Int(cost)
        let key = substringValue(query, start: table.start, length: length)
        if flips == 0 { return visit(t, table, key, query: query) }
        positions = Array(0..<flips)
        while true {
            var mask: UInt64 = 0
            for p in positions { mask |= 1 << UInt64(p) }
            if !visit(t, table, key ^ mask, query: query) { return false }
            var j = flips - 1
            while j >= 0 && positions[j] == length - flips + j { j -= 1 }
            if j < 0 { return true }
            positions[j] += 1
            for i in (j + 1)..<flips { positions[i] = positions[i - 1] + 1 }
        }
    }

    @inline(__always)
    private mutating func visit(_ t: Int, _ table: SubstringTable, _ key: UInt64, query: UnsafePointer<UInt64>) -> Bool {
        let (start, size) = table.bucket(key)
        if size == 0 { return true }
        candidates += size
        if candidates > candidateLimit { return false }
        if verified.count < size { verified = [UInt32](repeating: 0, count: max(size, 2 * verified.count)) }
        let kernel = index.flat.kernel.rawValue, words = index.flat.wordsPerCode, rows = rows
        verified.withUnsafeMutableBufferPointer { out in
            if table.codes.isEmpty {
                table.ids.withUnsafeBufferPointer { ids in
                    hamming_distances_rows_gather(kernel, rows, words, query, ids.baseAddress! + start, size, out.baseAddress!)
                }
            } else {
                table.codes.withUnsafeBufferPointer { codes in
                    hamming_distances_with_kernel(kernel, query, codes.baseAddress! + start * words, size, words, out.baseAddress!)
                }
            }
        }
        if let (radius, flips) = radiusPlan {
            for offset in 0..<size where Int(verified[offset]) <= radius {
                let id = table.ids[start + offset]
                let code = rows + Int(id) * words
                var foundBefore = false
                for earlier in 0..<t where flips[earlier] >= 0 {
                    let range = index.substringRanges[earlier]
                    let difference =
                        substringValue(code, start: range.lowerBound, length: range.count)
                        ^ substringValue(query, start: range.lowerBound, length: range.count)
                    if difference.nonzeroBitCount <= flips[earlier] {
                        foundBefore = true
                        break
                    }
                }
                if !foundBefore {
                    foundIds.append(id)
                    foundDistances.append(verified[offset])
                }
            }
            return true
        }
        table.ids.withUnsafeBufferPointer { ids in
            verified.withUnsafeBufferPointer { distances in
                seen.withUnsafeMutableBufferPointer { seen in
                    for offset in 0..<size {
                        let id = ids[start + offset]
                        let word = Int(id) >> 6, bit = UInt64(1) << UInt64(id & 63)
                        if seen[word] & bit != 0 { continue }
                        seen[word] |= bit
                        let distance = distances[offset]
                        foundIds.append(id)
                        foundDistances.append(distance)
                        histogram[Int(distance)] += 1
                    }
                }
            }
        }
        return true
    }

    /// Every code within `radius`, or nil when the query's budget ran out.
    mutating func withinRadius(_ query: UnsafePointer<UInt64>, radius: Int, flips: [Int]) -> [HammingNeighbor]? {
        begin()
        radiusPlan = (radius, flips)
        defer { radiusPlan = nil }
        // Start the first lookup of every substring at once: each is a likely cache miss.
        for t in 0..<index.substringCount where flips[t] >= 0 {
            let table = index.tables[t]
            table.prefetch(substringValue(query, start: table.start, length: table.length))
        }
        for t in 0..<index.substringCount where flips[t] >= 0 {
            for rho in 0...flips[t] where !probe(t, flips: rho, query: query) { return nil }
        }
        var result: [HammingNeighbor] = []
        result.reserveCapacity(foundIds.count)
        for (id, distance) in zip(foundIds, foundDistances) { result.append(HammingNeighbor(index: Int(id), distance: Int(distance))) }
        result.sort()
        foundIds.removeAll(keepingCapacity: true)
        foundDistances.removeAll(keepingCapacity: true)
        return result
    }

    /// The `k` nearest codes (`1 ≤ k ≤ count`), or nil when the query's budget ran out.
    mutating func nearest(_ query: UnsafePointer<UInt64>, k: Int) -> [HammingNeighbor]? {
        if seen.isEmpty { seen = [UInt64](repeating: 0, count: (index.count + 63) / 64) }
        begin()
        defer {
            begin()
            for d in histogram.indices { histogram[d] = 0 }
        }
        let m = index.substringCount, bitCount = index.bitCount
        var rho = 0
        while true {
            for t in 0..<m {
                if !probe(t, flips: rho, query: query) { return nil }
                // Every code within `guaranteed` has now been seen.
                let guaranteed = min(m * rho + t, bitCount)
                var within = 0
                for d in 0...guaranteed { within += histogram[d] }
                if within >= k { return select(k, guaranteed: guaranteed) }
            }
            rho += 1
        }
    }

    /// The k best by (distance, index) among the seen codes, all of which within `guaranteed` are known.
    private func select(_ k: Int, guaranteed: Int) -> [HammingNeighbor] {
        var cutoff = 0, below = 0
        while below + histogram[cutoff] < k {
            below += histogram[cutoff]
            cutoff += 1
        }
        var result: [HammingNeighbor] = []
        result.reserveCapacity(below + histogram[cutoff])
        for (id, distance) in zip(foundIds, foundDistances) where distance <= cutoff {
            result.append(HammingNeighbor(index: Int(id), distance: Int(distance)))
        }
        result.sort()
        return Array(result.prefix(k))
    }
}

import CHamming

/// Exact k-nearest-neighbor and radius search by scanning every code: the baseline every other index
/// must agree with.
///
/// The codes are stored in a blocked layout (word `w` of 8 consecutive codes side by side, see
/// `CHamming.h`) so that the SIMD kernels compare 8 codes per instruction with no horizontal sums.
/// One pass over the database serves all the queries of a batch: it is read in L1-sized chunks, each
/// chunk against every query, and each query keeps its candidates in a buffer with a running distance
/// threshold (a code enters only if strictly closer than the current k-th best, since later codes at
/// the same distance have larger indices). Distances are small integers (`0...bitCount`), so the buffer
/// is cut back to the k best by counting, not by a heap, and the final order is a stable counting sort:
/// distance first, then database index.
///
/// Kernels are chosen at run time (``HammingKernel``): AVX-512 VPOPCNTDQ, AVX2 (`vpshufb` nibble
/// table), scalar POPCNT, or portable C, with specialised loops for 64- and 256-bit codes. On AVX2,
/// a batch of 8 or more queries of up to 256 bits takes a byte-sliced path: each chunk is copied so
/// that nibble `l` of 32 codes is one vector, the query folds into per-nibble look-up tables, each
/// nibble vector serves 8 queries, and one table look-up serves two queries (their counts in two
/// 4-bit fields): 2–2.5 times the nibble kernel's speed.
///
/// **Shape:** database `[count × bitCount]`; queries `[queryCount × bitCount]` → `queryCount` lists.
public struct FlatHammingIndex: HammingIndex {
    /// Bits per code.
    public let bitCount: Int
    /// The number of indexed codes.
    public let count: Int
    /// 64-bit words per code: `⌈bitCount / 64⌉`.
    public let wordsPerCode: Int
    /// The codes in the blocked layout, padded to a multiple of 8 codes with zero codes.
    let blocked: [UInt64]

    /// The kernel the searches use; ``HammingKernel/automatic`` (the default) picks the best for this CPU.
    /// An unsupported kernel falls back to the automatic choice.
    public var kernel: HammingKernel = .automatic

    /// Database codes per chunk of the batched scan (`0` = sized for a 32 KiB L1 data cache).
    public var chunkCodes: Int = 0

    /// Indexes `codes` (a copy, in the blocked layout).
    public init(_ codes: PackedCodes) {
        precondition(codes.count <= Int(UInt32.max), "FlatHammingIndex: at most \(UInt32.max) codes")
        self.bitCount = codes.bitCount
        self.count = codes.count
        self.wordsPerCode = codes.wordsPerCode
        let blockedCount = hamming_blocked_word_count(codes.count, codes.wordsPerCode)
        self.blocked = [UInt64](unsafeUninitializedCapacity: blockedCount) { buffer, initialized in
            codes.words.withUnsafeBufferPointer { rows in
                if blockedCount > 0 { hamming_pack_blocked(rows.baseAddress!, codes.count, codes.wordsPerCode, buffer.baseAddress!) }
            }
            initialized = blockedCount
        }
    }

    /// The indexed codes, back in row-major order.
    public var codes: PackedCodes {
        let words = [UInt64](unsafeUninitializedCapacity: count * wordsPerCode) { buffer, initialized in
            blocked.withUnsafeBufferPointer { source in
                if count > 0 { hamming_unpack_blocked(source.baseAddress!, 0, count, wordsPerCode, buffer.baseAddress!) }
            }
            initialized = count * wordsPerCode
        }
        return PackedCodes(uncheckedWords: words, bitCount: bitCount)
    }

    /// Hamming distances from code `queryIndex` of `queries` to every indexed code. **Shape:** `[count]`.
    public func distances(to queries: PackedCodes, queryIndex: Int) -> [UInt32] {
        checkQueries(queries, bitCount: bitCount)
        precondition(queryIndex >= 0 && queryIndex < queries.count, "FlatHammingIndex: query \(queryIndex) out of range")
        guard count > 0 else { return [] }
        return [UInt32](unsafeUninitializedCapacity: count) { out, initialized in
            blocked.withUnsafeBufferPointer { codes in
                queries.words.withUnsafeBufferPointer { q in
                    hamming_distances_blocked(
                        kernel.rawValue, codes.baseAddress!, count, wordsPerCode, q.baseAddress! + queryIndex * wordsPerCode, out.baseAddress!)
                }
            }
            initialized = count
        }
    }

    /// The `min(k, count)` nearest codes to each query, ties to the smaller index: one fused scan per
    /// thread, queries split across `threads` (see ``HammingIndex/search(_:k:threads:)``).
    public func search(_ queries: PackedCodes, k: Int, threads: Int) -> [[HammingNeighbor]] {
        checkQueries(queries, bitCount: bitCount)
        precondition(k >= 0, "FlatHammingIndex: k must be non-negative, got \(k)")
        if k == 0 { return Array(repeating: [], count: queries.count) }
        return parallelMap(count: queries.count, threads: threads) { scan(queries, range: $0, k: k, radius: 0) }
    }

    /// Every code within `radius` (inclusive) of each query, sorted by distance then index.
    public func search(_ queries: PackedCodes, radius: Int, threads: Int) -> [[HammingNeighbor]] {
        checkQueries(queries, bitCount: bitCount)
        precondition(radius >= 0, "FlatHammingIndex: radius must be non-negative, got \(radius)")
        let clamped = UInt32(min(radius, bitCount))
        return parallelMap(count: queries.count, threads: threads) { scan(queries, range: $0, k: 0, radius: clamped) }
    }

    /// One batched pass of the C scan for queries `range` (k > 0: k-NN; k == 0: radius).
    func scan(_ queries: PackedCodes, range: Range<Int>, k: Int, radius: UInt32) -> [[HammingNeighbor]] {
        guard !range.isEmpty else { return [] }
        guard count > 0 else { return Array(repeating: [], count: range.count) }
        var hits = [hamming_hits](repeating: hamming_hits(), count: range.count)
        let status = blocked.withUnsafeBufferPointer { codes in
            queries.words.withUnsafeBufferPointer { q in
                hits.withUnsafeMutableBufferPointer { out in
                    hamming_scan_blocked(
                        kernel.rawValue, codes.baseAddress!, count, wordsPerCode, q.baseAddress! + range.lowerBound * wordsPerCode, range.count,
                        k, radius, chunkCodes, out.baseAddress!)
                }
            }
        }
        guard status == 0 else { fatalError("FlatHammingIndex: out of memory while scanning \(count) codes") }
        defer { hamming_hits_free(&hits, hits.count) }
        return hits.map { hit in
            (0..<hit.count).map { HammingNeighbor(index: Int(hit.ids[$0]), distance: Int(hit.distances[$0])) }
        }
    }
}

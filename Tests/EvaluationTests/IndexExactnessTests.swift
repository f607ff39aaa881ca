import Evaluation
import Testing

@Suite("Hamming index exactness")
struct IndexExactnessTests {
    static let widths = [32, 64, 100, 128, 256, 320]

    @Test(arguments: widths)
    func flatScanMatchesReferenceOnEveryKernel(bitCount: Int) {
        let random = PackedCodes.random(count: 1_001, bitCount: bitCount, seed: UInt64(bitCount))
        let clustered = clusteredCodes(count: 1_003, bitCount: bitCount, centreCount: 3, flipExponent: 5, seed: UInt64(bitCount) + 1)
        for database in [random, clustered] {
            let queries = perturbedQueries(database, count: 6, flips: bitCount / 16, seed: 5)
            let expectedNearest = [1, 10, 100, 2_000].map { referenceNearest(database, queries, k: $0) }
            let expectedRadius = [0, 3, bitCount / 4, bitCount].map { referenceWithinRadius(database, queries, radius: $0) }
            for kernel in HammingKernel.supported {
                for chunkCodes in [0, 40] {
                    var index = FlatHammingIndex(database)
                    index.kernel = kernel
                    index.chunkCodes = chunkCodes
                    for (k, expected) in zip([1, 10, 100, 2_000], expectedNearest) {
                        #expect(index.search(queries, k: k) == expected, "kernel \(kernel), \(bitCount) bits, k = \(k)")
                    }
                    for (radius, expected) in zip([0, 3, bitCount / 4, bitCount], expectedRadius) {
                        #expect(index.search(queries, radius: radius) == expected, "kernel \(kernel), \(bitCount) bits, r = \(radius)")
                    }
                }
            }
        }
    }

    /// Batches of at least 8 queries on codes of at most 4 words take the AVX2 kernel's byte-sliced,
    /// query-blocked path (blocks of 8 queries, then at most one each of 4, 2 and 1: 23 queries use
    /// all four, the last query paired with itself); saturated byte counters (256 bits) and padding
    /// in the last group of 32 codes must not change any result.
    @Test(arguments: [32, 64, 100, 128, 192, 256])
    func batchedQueriesMatchReferenceOnEveryKernel(bitCount: Int) {
        let random = PackedCodes.random(count: 1_001, bitCount: bitCount, seed: UInt64(bitCount) + 7)
        let clustered = clusteredCodes(count: 999, bitCount: bitCount, centreCount: 3, flipExponent: 5, seed: UInt64(bitCount) + 8)
        for database in [random, clustered] {
            var queries = perturbedQueries(database, count: 21, flips: bitCount / 16, seed: 9)
            queries.append(contentsOf: PackedCodes.random(count: 2, bitCount: bitCount, seed: 10))
            expectOneThreadBatchesMatchReference(
                database, queries, ks: [1, 10, 100, 2_000], radii: [0, 3, bitCount / 4, bitCount], chunkCodes: [0, 40])
        }
    }

    /// A batch in which some queries have more exact copies in the database than k: their threshold
    /// falls to 0 early in the scan (they accept nothing more) while the other queries of their
    /// block keep searching, and later copies, which the byte-sliced path's shared test flags, must
    /// not enter.
    @Test(arguments: [64, 256])
    func queriesWithManyExactCopiesInABatch(bitCount: Int) {
        var database = PackedCodes.random(count: 700, bitCount: bitCount, seed: UInt64(bitCount) + 11)
        let copied = [5, 17, 300]
        for round in 0..<12 {
            for source in copied { database.append(bits: database.bools(ofCode: source)) }
            database.append(contentsOf: PackedCodes.random(count: 40, bitCount: bitCount, seed: UInt64(round) + 100))
        }
        var queries = PackedCodes(bitCount: bitCount)
        for source in copied { queries.append(bits: database.bools(ofCode: source)) }
        queries.append(contentsOf: perturbedQueries(database, count: 9, flips: bitCount / 16, seed: 12))
        expectOneThreadBatchesMatchReference(database, queries, ks: [1, 5, 13, 40], radii: [0], chunkCodes: [0, 64])
    }

    /// Every supported kernel at every chunk size, on one thread (so a batch stays whole), gives
    /// the reference's k-NN and radius results.
    func expectOneThreadBatchesMatchReference(_ database: PackedCodes, _ queries: PackedCodes, ks: [Int], radii: [Int], chunkCodes: [Int]) {
        let expectedNearest = ks.map { referenceNearest(database, queries, k: $0) }
        let expectedRadius = radii.map { referenceWithinRadius(database, queries, radius: $0) }
        let bitCount = database.bitCount
        for kernel in HammingKernel.supported {
            for chunk in chunkCodes {
                var index = FlatHammingIndex(database)
                index.kernel = kernel
                index.chunkCodes = chunk
                for (k, expected) in zip(ks, expectedNearest) {
                    #expect(index.search(queries, k: k, threads: 1) == expected, "kernel \(kernel), \(bitCount) bits, k = \(k)")
                }
                for (radius, expected) in zip(radii, expectedRadius) {
                    #expect(index.search(queries, radius: radius, threads: 1) == expected, "kernel \(kernel), \(bitCount) bits, r = \(radius)")
                }
            }
        }
    }

    @Test func wideCodesUseTheGenericKernels() {
        // 40 words per code: the AVX2 kernel must flush its byte counters every 31 words.
        let database = PackedCodes.random(count: 77, bitCount: 2_560, seed: 1)
        var queries = database[3..<4]
        queries.append(contentsOf: PackedCodes.random(count: 2, bitCount: 2_560, seed: 2))
        let expected = referenceNearest(database, queries, k: 9)
        for kernel in HammingKernel.supported {
            var index = FlatHammingIndex(database)
            index.kernel = kernel
            #expect(index.search(queries, k: 9) == expected, "kernel \(kernel)")
            #expect(index.search(queries, radius: 1_250) == referenceWithinRadius(database, queries, radius: 1_250), "kernel \(kernel)")
        }
    }

    @Test func tiesGoToTheSmallestDatabaseIndex() {
        let a = [true, false, true, false], b = [false, true, false, true], c = [true, true, true, false]
        let database = PackedCodes(bits: [b, a, c, a, a, b, c], bitCount: 4)
        let query = PackedCodes(bits: [a], bitCount: 4)
        let expected = [
            HammingNeighbor(index: 1, distance: 0), HammingNeighbor(index: 3, distance: 0), HammingNeighbor(index: 4, distance: 0),
            HammingNeighbor(index: 2, distance: 1), HammingNeighbor(index: 6, distance: 1),
        ]
        for index in [FlatHammingIndex(database) as any HammingIndex, MultiIndexHashing(database, substringCount: 2)] {
            #expect(index.search(query, k: 4) == [Array(expected.prefix(4))])
            #expect(index.search(query, k: 5) == [expected])
            #expect(index.search(query, radius: 1) == [expected])
            #expect(index.search(query, radius: 4).first?.count == 7)
        }
    }

    @Test func emptyAndDegenerateSearches() {
        let database = PackedCodes.random(count: 20, bitCount: 64, seed: 1)
        let queries = PackedCodes.random(count: 3, bitCount: 64, seed: 2)
        let empty = PackedCodes(bitCount: 64)
        for index in [FlatHammingIndex(database) as any HammingIndex, MultiIndexHashing(database)] {
            #expect(index.search(queries, k: 0) == [[], [], []])
            #expect(index.search(empty, k: 5).isEmpty)
            #expect(index.search(queries, k: 50).map(\.count) == [20, 20, 20])
            #expect(index.search(queries, radius: 64).map(\.count) == [20, 20, 20])
            #expect(index.search(queries, radius: 1_000) == index.search(queries, radius: 64))
        }
        for index in [FlatHammingIndex(empty) as any HammingIndex, MultiIndexHashing(empty)] {
            #expect(index.search(queries, k: 5) == [[], [], []])
            #expect(index.search(queries, radius: 3) == [[], [], []])
        }
    }

    @Test func substringsAndProbeRadiiFollowThePigeonholeBound() {
        let index = MultiIndexHashing(PackedCodes.random(count: 10, bitCount: 64, seed: 1), substringCount: 3)
        #expect(index.substringRanges == [0..<22, 22..<43, 43..<64])
        #expect(index.probeRadii(forRadius: 0) == [0, -1, -1])
        #expect(index.probeRadii(forRadius: 1) == [0, 0, -1])
        #expect(index.probeRadii(forRadius: 2) == [0, 0, 0])
        #expect(index.probeRadii(forRadius: 4) == [1, 1, 0])
        #expect(index.probeCount([0, 0, 0]) == 3)
        #expect(index.probeCount([1, 0, -1]) == 1 + 22 + 1)
        #expect(MultiIndexHashing.recommendedSubstringCount(bitCount: 64, count: 1_000_000) == 3)
        #expect(MultiIndexHashing.recommendedSubstringCount(bitCount: 256, count: 1_000_000) == 13)
        #expect(MultiIndexHashing.recommendedSubstringCount(bitCount: 256, count: 2) == 256)
        #expect(MultiIndexHashing.recommendedSubstringCount(bitCount: 512, count: 1) == 8)
    }

    /// Multi-index hashing with no fallback to the scan must give exactly the flat scan's results.
    @Test(arguments: [32, 64, 128, 256])
    func multiIndexMatchesFlatScan(bitCount: Int) {
        let random = PackedCodes.random(count: 2_000, bitCount: bitCount, seed: UInt64(bitCount) &* 31)
        let clustered = clusteredCodes(count: 2_000, bitCount: bitCount, centreCount: 4, flipExponent: 4, seed: UInt64(bitCount) &* 37)
        for (name, database) in [("random", random), ("clustered", clustered)] {
            let flat = FlatHammingIndex(database)
            var queries = perturbedQueries(database, count: 8, flips: 2, seed: 3)
            queries.append(contentsOf: perturbedQueries(database, count: 4, flips: bitCount / 10, seed: 4))
            let substringCounts = Set([
                MultiIndexHashing.recommendedSubstringCount(bitCount: bitCount, count: 2_000), (bitCount + 63) / 64 + 1, bitCount / 8,
            ])
            for m in substringCounts.sorted() {
                var mih = MultiIndexHashing(flat, substringCount: m)
                mih.maximumProbesPerQuery = .max
                mih.maximumCandidatesPerQuery = .max
                // Radii whose probe count stays small (a large radius on few substrings enumerates millions of buckets).
                for radius in [0, 1, 2, 3, 5, 8, bitCount / 8] where mih.probeCount(mih.probeRadii(forRadius: radius)) <= 5_000 {
                    #expect(
                        mih.search(queries, radius: radius) == flat.search(queries, radius: radius), "\(name) \(bitCount) bits m=\(m) r=\(radius)")
                }
                // k-NN with unlimited probing is only cheap with short substrings (random 32/64-bit codes,
                // clustered codes); otherwise the default budgets mix probing and fallback scans.
                if bitCount / m > 16 || (name == "random" && bitCount > 64) {
                    mih.maximumProbesPerQuery = 2_000
                    mih.maximumCandidatesPerQuery = 1_000
                }
                for k in [1, 5, 50] {
                    #expect(mih.search(queries, k: k) == flat.search(queries, k: k), "\(name) \(bitCount) bits m=\(m) k=\(k)")
                }
            }
        }
    }

    @Test(arguments: [64, 256])
    func multiIndexFallbackToTheScanIsExactToo(bitCount: Int) {
        let database = clusteredCodes(count: 1_500, bitCount: bitCount, centreCount: 3, flipExponent: 3, seed: 9)
        let queries = perturbedQueries(database, count: 10, flips: 3, seed: 10)
        let flat = FlatHammingIndex(database)
        for (probes, candidates) in [(0, Int.max), (Int.max, 1), (5, 200), (Int.max, Int.max)] {
            var mih = MultiIndexHashing(flat)
            mih.maximumProbesPerQuery = probes
            mih.maximumCandidatesPerQuery = candidates
            for k in [1, 7, 100] { #expect(mih.search(queries, k: k) == flat.search(queries, k: k), "budget \(probes)/\(candidates), k=\(k)") }
            for r in [0, 2, 6] {
                #expect(mih.search(queries, radius: r) == flat.search(queries, radius: r), "budget \(probes)/\(candidates), r=\(r)")
            }
        }
    }

    @Test func inlineAndGatheredVerificationAgree() {
        let database = clusteredCodes(count: 1_200, bitCount: 128, centreCount: 5, flipExponent: 4, seed: 21)
        let queries = perturbedQueries(database, count: 10, flips: 2, seed: 22)
        let flat = FlatHammingIndex(database)
        for kernel in HammingKernel.supported {
            var inline = MultiIndexHashing(database, substringCount: 4, inlineCodes: true)
            var gathered = MultiIndexHashing(database, substringCount: 4, inlineCodes: false)
            inline.kernel = kernel
            gathered.kernel = kernel
            #expect(inline.search(queries, radius: 4) == flat.search(queries, radius: 4), "kernel \(kernel)")
            #expect(gathered.search(queries, radius: 4) == flat.search(queries, radius: 4), "kernel \(kernel)")
            #expect(inline.search(queries, k: 20) == flat.search(queries, k: 20), "kernel \(kernel)")
            #expect(gathered.search(queries, k: 20) == flat.search(queries, k: 20), "kernel \(kernel)")
        }
    }

    @Test func resultsDoNotDependOnTheThreadCount() {
        let database = clusteredCodes(count: 3_000, bitCount: 64, centreCount: 10, flipExponent: 3, seed: 77)
        let queries = perturbedQueries(database, count: 41, flips: 2, seed: 78)
        let flat = FlatHammingIndex(database)
        let mih = MultiIndexHashing(flat)
        let flatNearest = flat.search(queries, k: 25, threads: 1), flatRadius = flat.search(queries, radius: 3, threads: 1)
        #expect(flatNearest == referenceNearest(database, queries, k: 25))
        for threads in [2, 3, 8, 64] {
            #expect(flat.search(queries, k: 25, threads: threads) == flatNearest)
            #expect(flat.search(queries, radius: 3, threads: threads) == flatRadius)
            #expect(mih.search(queries, k: 25, threads: threads) == flatNearest)
            #expect(mih.search(queries, radius: 3, threads: threads) == flatRadius)
        }
    }

    @Test func flatIndexKeepsTheCodes() {
        let codes = PackedCodes.random(count: 13, bitCount: 200, seed: 4)
        #expect(FlatHammingIndex(codes).codes == codes)
        #expect(MultiIndexHashing(codes).flat.codes == codes)
        #expect(HammingKernel.supported.contains(.portable))
        #expect(HammingKernel.best.isSupported)
    }
}

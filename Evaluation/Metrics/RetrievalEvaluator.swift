import CHamming
import Dispatch
import Foundation

/// What to measure besides mAP@all and the tie-aware mAP.
public struct RetrievalOptions: Codable, Equatable, Sendable {
    /// The cut-off K of mAP@K (DeepHash-pytorch's `topK`; 1000 for ImageNet, 5000 for NUS-WIDE and
    /// COCO there). Must be positive; a K at or beyond the database size gives mAP@all.
    public var topK: Int
    /// The K values of the precision@K curve, each positive; kept in the given order.
    public var precisionCutoffs: [Int]
    /// The Hamming radius r of precision and recall within radius (`distance ≤ r`, inclusive);
    /// must be ≥ 0. A radius ≥ the bit count retrieves the whole database.
    public var radius: Int

    /// The default precision@K cut-offs: 1, 5, 10, 20, 50, 100, 200, 500, 1000.
    public static let defaultPrecisionCutoffs = [1, 5, 10, 20, 50, 100, 200, 500, 1000]

    public init(topK: Int = 1000, precisionCutoffs: [Int] = RetrievalOptions.defaultPrecisionCutoffs, radius: Int = 2) {
        self.topK = topK
        self.precisionCutoffs = precisionCutoffs
        self.radius = radius
    }

    /// Throws ``EvaluationError/nonPositiveCutoff(_:)`` for a K ≤ 0 and
    /// ``EvaluationError/negativeRadius(_:)`` for r < 0.
    public func validate() throws {
        if topK <= 0 { throw EvaluationError.nonPositiveCutoff(topK) }
        for cutoff in precisionCutoffs where cutoff <= 0 { throw EvaluationError.nonPositiveCutoff(cutoff) }
        if radius < 0 { throw EvaluationError.negativeRadius(radius) }
    }
}

/// The retrieval metrics of one query.
///
/// Conventions (see ``RetrievalEvaluator``): ties in distance are broken by ascending database
/// index; AP@K is normalised by the relevant items retrieved in the top K; a query without any
/// relevant item has AP 0 and recall 0; a radius that retrieves nothing has precision 0.
///
/// **Shape**: `precisionAtCutoffs [cutoffCount]`, `retrievedWithinRadius` and
/// `relevantWithinRadius [bitCount + 1]`.
public struct QueryRetrievalMetrics: Equatable, Sendable {
    /// The relevant items in the whole database.
    public var relevantCount: Int
    /// AP@all of the ranking with ties broken by database index.
    public var averagePrecision: Double
    /// The expected AP@all over random orders within tied distances (McSherry & Najork).
    public var tieAwareAveragePrecision: Double
    /// AP@K, K = ``RetrievalOptions/topK``, normalised by the relevant items in the top K.
    public var averagePrecisionAtK: Double
    /// Precision@K for each of ``RetrievalOptions/precisionCutoffs``, in that order.
    public var precisionAtCutoffs: [Double]
    /// Element `r` (`0…bitCount`): database items at distance ≤ r.
    public var retrievedWithinRadius: [Int]
    /// Element `r` (`0…bitCount`): relevant database items at distance ≤ r.
    public var relevantWithinRadius: [Int]

    /// Precision within Hamming radius r: `relevantWithinRadius[r] / retrievedWithinRadius[r]`,
    /// or 0 when nothing is retrieved. Radii beyond the bit count retrieve everything.
    public func precision(withinRadius radius: Int) -> Double {
        precondition(radius >= 0, "precision(withinRadius:): radius must be ≥ 0, got \(radius)")
        let r = min(radius, retrievedWithinRadius.count - 1)
        return retrievedWithinRadius[r] == 0 ? 0 : Double(relevantWithinRadius[r]) / Double(retrievedWithinRadius[r])
    }

    /// Recall within Hamming radius r: `relevantWithinRadius[r] / relevantCount`, or 0 when the
    /// database holds no relevant item.
    public func recall(withinRadius radius: Int) -> Double {
        precondition(radius >= 0, "recall(withinRadius:): radius must be ≥ 0, got \(radius)")
        let r = min(radius, relevantWithinRadius.count - 1)
        return relevantCount == 0 ? 0 : Double(relevantWithinRadius[r]) / Double(relevantCount)
    }
}

/// Retrieval metrics of query codes against database codes by Hamming ranking.
///
/// For each query the database is ranked by Hamming distance (the runtime-dispatched popcount
/// kernel of ``PackedCodes``), ties broken by ascending database index — a stable ranking, done as
/// a counting sort since distances lie in `0…bitCount`. Relevance follows ``RelevanceLabels``
/// (equal class, or at least one shared label). Per query:
///
/// - AP@all `= 1/R · Σ_{relevant i} hits(i)/i` (ranks 1-based, `R` all relevant items);
/// - tie-aware AP: its expectation over random orders within tied distances (McSherry & Najork
///   2008), see ``tieAwareAveragePrecision(tieGroups:)``;
/// - AP@K `= Σ_{relevant i ≤ K} hits(i)/i ÷ hits(K)`: normalised by the relevant items **retrieved
///   in the top K**, as DeepHash-pytorch's `CalcTopMap` does;
/// - P@K `= hits(min(K, N)) / K`;
/// - within radius r (`distance ≤ r`, inclusive): precision `= relevant retrieved / retrieved`
///   (0 when nothing is retrieved), recall `= relevant retrieved / R`.
///
/// Every mean is over **all** queries: a query with no relevant item (in the database, or in the
/// top K for AP@K) contributes AP = 0 and recall = 0 and still counts in the denominator. This
/// matches DeepHash-pytorch's `CalcTopMap`, which skips such a query's sum (`continue`) but divides
/// by the total number of queries. Where we differ from DeepHash-pytorch, on purpose: it ranks
/// with `np.argsort`'s default, non-stable sort (ties in an unspecified order; we break them by
/// index and also report the tie-aware AP); its `topK = -1` for "all" slices `[0:-1]` and drops the
/// last database item (we have no such sentinel: `topK ≥ N` is all); and its `CalcTopMapWithPR`
/// leaves queries without a relevant item in the top K out of its precision–recall and P@K curves
/// (we keep every query in every mean).
///
/// **Shape**: `queries [Q, bitCount]`, `queryLabels [Q]`, `database [N, bitCount]`,
/// `databaseLabels [N]` → per-query metrics, or their means in a ``RetrievalReport``.
///
/// Cost: O(N + bitCount) per query after the distance scan (one pass builds the distance
/// histograms and the relevant items' places in the ranking), parallel over queries; the means are
/// reduced in query order over fixed blocks of queries, so the result does not depend on the
/// number of threads.
public struct RetrievalEvaluator: Sendable {
    /// The query codes.
    public let queries: PackedCodes
    /// The database codes.
    public let database: PackedCodes
    let relevance: RelevanceStorage

    enum RelevanceStorage: Sendable {
        case classes(queries: [Int], database: [Int])
        case labelSets(queries: [UInt64], database: [UInt64], wordsPerItem: Int)
    }

    /// Checks and stores the codes and labels.
    ///
    /// - Throws: ``EvaluationError/bitCountMismatch(queryBits:databaseBits:)``,
    ///   ``EvaluationError/labelCountMismatch(role:labelCount:codeCount:)``,
    ///   ``EvaluationError/emptyDatabase``, or ``EvaluationError/negativeLabel(label:item:)`` when a
    ///   negative single-label class has to be compared with multi-label sets.
    public init(queries: PackedCodes, queryLabels: RelevanceLabels, database: PackedCodes, databaseLabels: RelevanceLabels) throws {
        if queries.bitCount != database.bitCount {
            throw EvaluationError.bitCountMismatch(queryBits: queries.bitCount, databaseBits: database.bitCount)
        }
        if queryLabels.count != queries.count {
            throw EvaluationError.labelCountMismatch(role: "query", labelCount: queryLabels.count, codeCount: queries.count)
        }
        if databaseLabels.count != database.count {
            throw EvaluationError.labelCountMismatch(role: "database", labelCount: databaseLabels.count, codeCount: database.count)
        }
        if database.count == 0 { throw EvaluationError.emptyDatabase }
        precondition(database.count < Int(UInt32.max), "RetrievalEvaluator: \(database.count) database codes exceed the 32-bit index range")
        self.queries = queries
        self.database = database
        switch (queryLabels.storage, databaseLabels.storage) {
        case (.classes(let queryClasses), .classes(let databaseClasses)):
            relevance = .classes(queries: queryClasses, database: databaseClasses)
        default:
            let width = max(queryLabels.labelWordsPerItem, databaseLabels.labelWordsPerItem, 1)
            let query = try queryLabels.labelSetWords(minimumWordsPerItem: width)
            let base = try databaseLabels.labelSetWords(minimumWordsPerItem: width)
            relevance = .labelSets(queries: query.words, database: base.words, wordsPerItem: width)
        }
    }

    /// The number of queries.
    public var queryCount: Int { queries.count }
    /// The number of database codes.
    public var databaseCount: Int { database.count }
    /// Bits per code.
    public var bitCount: Int { database.bitCount }

    /// The database ranked for query `queryIndex`: indices by distance, ties by ascending index.
    public func ranking(forQuery queryIndex: Int) -> [Int] {
        database.hammingRanking(to: queries, queryIndex: queryIndex)
    }

    /// The relevance of every database item (by database index) to query `queryIndex`.
    public func relevance(forQuery queryIndex: Int) -> [Bool] {
        checkQueryIndex(queryIndex)
        switch relevance {
        case .classes(let queryClasses, let databaseClasses):
            let queryClass = queryClasses[queryIndex]
            return databaseClasses.map { $0 == queryClass }
        case .labelSets(let queryWords, let databaseWords, let width):
            return (0..<databaseCount).map { item in
                (0..<width).contains { queryWords[queryIndex * width + $0] & databaseWords[item * width + $0] != 0 }
            }
        }
    }

    /// All metrics of query `queryIndex`.
    ///
    /// - Throws: ``EvaluationError`` when `options` are invalid (see ``RetrievalOptions/validate()``).
    public func metrics(forQuery queryIndex: Int, options: RetrievalOptions = RetrievalOptions()) throws -> QueryRetrievalMetrics {
        try options.validate()
        checkQueryIndex(queryIndex)
        let scratch = QueryScratch(databaseCount: databaseCount, bitCount: bitCount)
        let harmonic = HarmonicNumbers(upTo: databaseCount)
        let relevantCount = scan(query: queryIndex, into: scratch)
        var retrieved = [Int](repeating: 0, count: bitCount + 1)
        var relevantRetrieved = [Int](repeating: 0, count: bitCount + 1)
        var runningRetrieved = 0
        var runningRelevant = 0
        for distance in 0...bitCount {
            runningRetrieved += scratch.countByDistance[distance]
            runningRelevant += scratch.relevantByDistance[distance]
            retrieved[distance] = runningRetrieved
            relevantRetrieved[distance] = runningRelevant
        }
        return QueryRetrievalMetrics(
            relevantCount: relevantCount,
            averagePrecision: scratch.averagePrecision(relevantCount: relevantCount, topK: Int.max),
            tieAwareAveragePrecision: scratch.tieAwareAveragePrecision(relevantCount: relevantCount, bitCount: bitCount, harmonic: harmonic),
            averagePrecisionAtK: scratch.averagePrecision(relevantCount: relevantCount, topK: options.topK),
            precisionAtCutoffs: options.precisionCutoffs.map {
                Double(scratch.relevantInTop($0, relevantCount: relevantCount)) / Double($0)
            },
            retrievedWithinRadius: retrieved,
            relevantWithinRadius: relevantRetrieved)
    }

    /// The means of all metrics over all queries, as a report.
    ///
    /// - Parameters:
    ///   - options: the cut-offs and radius to report.
    ///   - threadCount: worker threads (default: the active processor count); the result is the
    ///     same for any value.
    /// - Throws: ``EvaluationError/noQueries`` when there are no queries, or an invalid-option error.
    public func evaluate(options: RetrievalOptions = RetrievalOptions(), threadCount: Int? = nil) throws -> RetrievalReport {
        try options.validate()
        if queryCount == 0 { throw EvaluationError.noQueries }
        let sums = parallelSums(options: options, threadCount: threadCount ?? ProcessInfo.processInfo.activeProcessorCount)
        let queryTotal = Double(queryCount)
        let effectiveRadius = min(options.radius, bitCount)
        return RetrievalReport(
            queryCount: queryCount,
            databaseCount: databaseCount,
            bitCount: bitCount,
            queriesWithoutRelevantItems: sums.queriesWithoutRelevantItems,
            meanAveragePrecision: sums.averagePrecision / queryTotal,
            tieAwareMeanAveragePrecision: sums.tieAwareAveragePrecision / queryTotal,
            topK: options.topK,
            meanAveragePrecisionAtK: sums.averagePrecisionAtK / queryTotal,
            precisionAtK: zip(options.precisionCutoffs, sums.precisionAtCutoffs).map {
                PrecisionAtK(k: $0, precision: $1 / queryTotal)
            },
            radius: options.radius,
            precisionWithinRadius: sums.precisionWithinRadius[effectiveRadius] / queryTotal,
            recallWithinRadius: sums.recallWithinRadius[effectiveRadius] / queryTotal,
            precisionRecallCurve: (0...bitCount).map {
                PrecisionRecallPoint(
                    radius: $0, precision: sums.precisionWithinRadius[$0] / queryTotal,
                    recall: sums.recallWithinRadius[$0] / queryTotal)
            })
    }

    /// mAP@K over all queries (`topK = nil`: mAP@all), ties broken by database index; each AP is
    /// normalised by the relevant items retrieved in the top K, and queries without any count as 0.
    /// For model selection on a validation split.
    ///
    /// - Throws: ``EvaluationError/nonPositiveCutoff(_:)`` for `topK ≤ 0`, or
    ///   ``EvaluationError/noQueries``.
    public func meanAveragePrecision(topK: Int? = nil, threadCount: Int? = nil) throws -> Double {
        let options = RetrievalOptions(topK: topK ?? databaseCount, precisionCutoffs: [], radius: 0)
        return try evaluate(options: options, threadCount: threadCount).meanAveragePrecisionAtK
    }

    // MARK: - The per-query scan

    private func checkQueryIndex(_ queryIndex: Int) {
        precondition(
            queryIndex >= 0 && queryIndex < queryCount,
            "RetrievalEvaluator: query \(queryIndex) out of range 0..<\(queryCount)")
    }

    /// Fills `scratch` for one query: distances, the histograms of all and of relevant items by
    /// distance, and the ranks (0-based, ascending) of the relevant items. Returns their number.
    func scan(query queryIndex: Int, into scratch: QueryScratch) -> Int {
        let count = databaseCount
        let wordsPerCode = database.wordsPerCode
        queries.words.withUnsafeBufferPointer { queryWords in
            database.words.withUnsafeBufferPointer { databaseWords in
                // The same kernel as `PackedCodes.distances(to:queryIndex:)`, into a reused buffer.
                hamming_distances(
                    queryWords.baseAddress! + queryIndex * wordsPerCode, databaseWords.baseAddress!, count, wordsPerCode,
                    scratch.distances)
            }
        }
        scratch.clearHistograms()
        let relevantCount: Int
        switch relevance {
        case .classes(let queryClasses, let databaseClasses):
            relevantCount = databaseClasses.withUnsafeBufferPointer {
                scratch.histogram(ClassEquality(classes: $0.baseAddress!, queryClass: queryClasses[queryIndex]), count: count)
            }
        case .labelSets(let queryWords, let databaseWords, let width):
            relevantCount = databaseWords.withUnsafeBufferPointer { base in
                queryWords.withUnsafeBufferPointer { query in
                    if width == 1 {
                        return scratch.histogram(
                            SharedLabelInOneWord(labelWords: base.baseAddress!, queryWord: query[queryIndex]), count: count)
                    }
                    return scratch.histogram(
                        SharedLabel(labelWords: base.baseAddress!, queryWords: query.baseAddress! + queryIndex * width, wordsPerItem: width),
                        count: count)
                }
            }
        }
        scratch.placeRelevantItems(relevantCount: relevantCount, bitCount: bitCount)
        return relevantCount
    }

    /// Sums of the per-query metrics over all queries, in query order within fixed blocks and
    /// block order across them.
    private func parallelSums(options: RetrievalOptions, threadCount: Int) -> MetricSums {
        let blockSize = 64
        let blockCount = (queryCount + blockSize - 1) / blockSize
        let workerCount = max(1, min(threadCount, blockCount))
        let harmonic = HarmonicNumbers(upTo: databaseCount)
        let empty = MetricSums(cutoffCount: options.precisionCutoffs.count, bitCount: bitCount)
        var blocks = [MetricSums](repeating: empty, count: blockCount)
        blocks.withUnsafeMutableBufferPointer { buffer in
            let results = buffer.baseAddress!
            let work = { (worker: Int) in
                let scratch = QueryScratch(databaseCount: databaseCount, bitCount: bitCount)
                for block in stride(from: worker, to: blockCount, by: workerCount) {
                    var sums = empty
                    for query in (block * blockSize)..<min(queryCount, (block + 1) * blockSize) {
                        let relevantCount = scan(query: query, into: scratch)
                        sums.add(scratch: scratch, relevantCount: relevantCount, options: options, bitCount: bitCount, harmonic: harmonic)
                    }
                    results[block] = sums
                }
            }
            if workerCount == 1 {
                work(0)
            } else {
                DispatchQueue.concurrentPerform(iterations: workerCount, execute: work)
            }
        }
        var total = empty
        for block in blocks { total.add(block) }
        return total
    }
}

/// Running sums of the per-query metrics.
struct MetricSums: Sendable {
    var averagePrecision = 0.0
    var tieAwareAveragePrecision = 0.0
    var averagePrecisionAtK = 0.0
    var precisionAtCutoffs: [Double]
    var precisionWithinRadius: [Double]
    var recallWithinRadius: [Double]
    var queriesWithoutRelevantItems = 0

    init(cutoffCount: Int, bitCount: Int) {
        precisionAtCutoffs = [Double](repeating: 0, count: cutoffCount)
        precisionWithinRadius = [Double](repeating: 0, count: bitCount + 1)
        recallWithinRadius = [Double](repeating: 0, count: bitCount + 1)
    }

    mutating func add(scratch: QueryScratch, relevantCount: Int, options: RetrievalOptions, bitCount: Int, harmonic: HarmonicNumbers) {
        if relevantCount == 0 { queriesWithoutRelevantItems += 1 }
        averagePrecision += scratch.averagePrecision(relevantCount: relevantCount, topK: Int.max)
        tieAwareAveragePrecision += scratch.tieAwareAveragePrecision(relevantCount: relevantCount, bitCount: bitCount, harmonic: harmonic)
        averagePrecisionAtK += scratch.averagePrecision(relevantCount: relevantCount, topK: options.topK)
        for (slot, cutoff) in options.precisionCutoffs.enumerated() {
            precisionAtCutoffs[slot] += Double(scratch.relevantInTop(cutoff, relevantCount: relevantCount)) / Double(cutoff)
        }
        var retrieved = 0
        var relevantRetrieved = 0
        for distance in 0...bitCount {
            retrieved += scratch.countByDistance[distance]
            relevantRetrieved += scratch.relevantByDistance[distance]
            if retrieved > 0 { precisionWithinRadius[distance] += Double(relevantRetrieved) / Double(retrieved) }
            if relevantCount > 0 { recallWithinRadius[distance] += Double(relevantRetrieved) / Double(relevantCount) }
        }
    }

    mutating func add(_ other: MetricSums) {
        averagePrecision += other.averagePrecision
        tieAwareAveragePrecision += other.tieAwareAveragePrecision
        averagePrecisionAtK += other.averagePrecisionAtK
        for i in precisionAtCutoffs.indices { precisionAtCutoffs[i] += other.precisionAtCutoffs[i] }
        for i in precisionWithinRadius.indices {
            precisionWithinRadius[i] += other.precisionWithinRadius[i]
            recallWithinRadius[i] += other.recallWithinRadius[i]
        }
        queriesWithoutRelevantItems += other.queriesWithoutRelevantItems
    }
}

// MARK: - Relevance predicates for the hot loop (specialised generically)

protocol RelevancePredicate {
    /// 1 when database item `index` is relevant, else 0.
    func relevance(_ index: Int) -> Int
}

struct ClassEquality: RelevancePredicate {
    let classes: UnsafePointer<Int>
    let queryClass: Int
    @inline(__always) func relevance(_ index: Int) -> Int { classes[index] == queryClass ? 1 : 0 }
}

struct SharedLabelInOneWord: RelevancePredicate {
    let labelWords: UnsafePointer<UInt64>
    let queryWord: UInt64
    @inline(__always) func relevance(_ index: Int) -> Int { labelWords[index] & queryWord != 0 ? 1 : 0 }
}

struct SharedLabel: RelevancePredicate {
    let labelWords: UnsafePointer<UInt64>
    let queryWords: UnsafePointer<UInt64>
    let wordsPerItem: Int
    @inline(__always) func relevance(_ index: Int) -> Int {
        var shared: UInt64 = 0
        for word in 0..<wordsPerItem { shared |= labelWords[index * wordsPerItem + word] & queryWords[word] }
        return shared != 0 ? 1 : 0
    }
}

// MARK: - Per-worker buffers

/// Buffers reused across the queries one worker evaluates.
final class QueryScratch {
    let databaseCount: Int
    let bitCount: Int
    /// `[N]` Hamming distances by database index.
    let distances: UnsafeMutablePointer<UInt32>
    /// `[bitCount + 1]` items at each distance.
    let countByDistance: UnsafeMutablePointer<Int>
    /// `[bitCount + 1]` relevant items at each distance.
    let relevantByDistance: UnsafeMutablePointer<Int>
    /// `[N + 1]` distance of the k-th relevant item in database order (one spare slot for the
    /// branch-free write).
    let relevantDistances: UnsafeMutablePointer<UInt32>
    /// `[N + 1]` place of the k-th relevant item among the items at its distance.
    let relevantOrdinals: UnsafeMutablePointer<UInt32>
    /// `[N]` 0-based ranks of the relevant items in the stable ranking, ascending.
    let relevantRanks: UnsafeMutablePointer<Int>
    /// `[bitCount + 1]` scratch for prefix sums.
    let firstRank: UnsafeMutablePointer<Int>
    let nextRelevantSlot: UnsafeMutablePointer<Int>

    init(databaseCount: Int, bitCount: Int) {
        self.databaseCount = databaseCount
        self.bitCount = bitCount
        distances = .allocate(capacity: databaseCount)
        countByDistance = .allocate(capacity: bitCount + 1)
        relevantByDistance = .allocate(capacity: bitCount + 1)
        relevantDistances = .allocate(capacity: databaseCount + 1)
        relevantOrdinals = .allocate(capacity: databaseCount + 1)
        relevantRanks = .allocate(capacity: databaseCount)
        firstRank = .allocate(capacity: bitCount + 1)
        nextRelevantSlot = .allocate(capacity: bitCount + 1)
    }

    deinit {
        distances.deallocate()
        countByDistance.deallocate()
        relevantByDistance.deallocate()
        relevantDistances.deallocate()
        relevantOrdinals.deallocate()
        relevantRanks.deallocate()
        firstRank.deallocate()
        nextRelevantSlot.deallocate()
    }

    func clearHistograms() {
        countByDistance.update(repeating: 0, count: bitCount + 1)
        relevantByDistance.update(repeating: 0, count: bitCount + 1)
    }

    /// One pass over the database: histograms by distance, and for each relevant item (in database
    /// order) its distance and its place among the items at that distance. Branch-free: every item
    /// writes the next relevant slot, which only advances for relevant items.
    @inline(__always)
    func histogram<Predicate: RelevancePredicate>(_ predicate: Predicate, count: Int) -> Int {
        var relevantCount = 0
        for index in 0..<count {
            let distance = Int(distances[index])
            let ordinal = countByDistance[distance]
            countByDistance[distance] = ordinal &+ 1
            let relevant = predicate.relevance(index)
            relevantByDistance[distance] &+= relevant
            relevantDistances[relevantCount] = UInt32(truncatingIfNeeded: distance)
            relevantOrdinals[relevantCount] = UInt32(truncatingIfNeeded: ordinal)
            relevantCount &+= relevant
        }
        return relevantCount
    }

    /// Counting sort of the relevant items by distance (stable, so database order within a
    /// distance): their ranks, ascending, into `relevantRanks`.
    func placeRelevantItems(relevantCount: Int, bitCount: Int) {
        var rank = 0
        var slot = 0
        for distance in 0...bitCount {
            firstRank[distance] = rank
            nextRelevantSlot[distance] = slot
            rank += countByDistance[distance]
            slot += relevantByDistance[distance]
        }
        for k in 0..<relevantCount {
            let distance = Int(relevantDistances[k])
            relevantRanks[nextRelevantSlot[distance]] = firstRank[distance] + Int(relevantOrdinals[k])
            nextRelevantSlot[distance] += 1
        }
    }

    /// AP over the relevant items ranked within the top `topK`, normalised by their number
    /// (`topK = Int.max`: AP@all).
    func averagePrecision(relevantCount: Int, topK: Int) -> Double {
        var sum = 0.0
        var hits = 0
        while hits < relevantCount {
            let rank = relevantRanks[hits]
            if rank >= topK { break }
            hits += 1
            sum += Double(hits) / Double(rank + 1)
        }
        return hits == 0 ? 0 : sum / Double(hits)
    }

    /// Relevant items ranked within the top `k` (binary search over the ascending ranks).
    func relevantInTop(_ k: Int, relevantCount: Int) -> Int {
        var low = 0
        var high = relevantCount
        while low < high {
            let middle = (low + high) / 2
            if relevantRanks[middle] < k { low = middle + 1 } else { high = middle }
        }
        return low
    }

    func tieAwareAveragePrecision(relevantCount: Int, bitCount: Int, harmonic: HarmonicNumbers) -> Double {
        if relevantCount == 0 { return 0 }
        var sum = 0.0
        var before = 0
        var relevantBefore = 0
        for distance in 0...bitCount {
            let size = countByDistance[distance]
            let relevant = relevantByDistance[distance]
            sum += harmonic.expectedPrecisionSum(
                groupSize: size, relevantInGroup: relevant, itemsBefore: before, relevantBefore: relevantBefore)
            before += size
            relevantBefore += relevant
        }
        return sum / Double(relevantCount)
    }
}

/// The labels of a set of items, and the rule that decides which database items are relevant to
/// a query.
///
/// Two kinds, chosen by the initialiser:
/// - **single-label** (``init(classes:)``): one class per item; a database item is relevant to a
///   query when their classes are equal.
/// - **multi-label** (``init(labelSets:)``, ``init(multiHot:)``): a set of labels per item, stored
///   as a bit matrix (bit `l` of item `i` set when the item carries label `l`, 64 labels to a
///   `UInt64` word); a database item is relevant when the two sets share at least one label:
///   `relevant(q, i) = |labels(q) ∩ labels(i)| ≥ 1`. An item with an empty set is relevant to
///   nothing, and no query is relevant to it.
///
/// Single-label classes are the multi-label case with one label per item, so queries and a
/// database of different kinds are compared by converting the single-label side to sets.
///
/// **Shape**: `classes [N]` or `labelSets [N][*]` or `multiHot [N, labelCount]` → `count = N`.
public struct RelevanceLabels: Equatable, Sendable {
    enum Storage: Equatable, Sendable {
        case classes([Int])
        case labelSets(words: [UInt64], wordsPerItem: Int)
    }

    let storage: Storage

    /// Single-label items: `classes[i]` is the class of item `i`; relevance is class equality.
    public init(classes: [Int]) {
        storage = .classes(classes)
    }

    /// Multi-label items: `labelSets[i]` lists the labels (indices ≥ 0, in any order, duplicates
    /// allowed) of item `i`; relevance is sharing at least one label.
    ///
    /// - Throws: ``EvaluationError/negativeLabel(label:item:)`` for a label below zero.
    public init(labelSets: [[Int]]) throws {
        var largest = -1
        for (item, labels) in labelSets.enumerated() {
            for label in labels {
                if label < 0 { throw EvaluationError.negativeLabel(label: label, item: item) }
                largest = max(largest, label)
            }
        }
        let wordsPerItem = max(1, (largest + 64) / 64)
        var words = [UInt64](repeating: 0, count: labelSets.count * wordsPerItem)
        for (item, labels) in labelSets.enumerated() {
            for label in labels { words[item * wordsPerItem + label >> 6] |= 1 << UInt64(label & 63) }
        }
        storage = .labelSets(words: words, wordsPerItem: wordsPerItem)
    }

    /// Multi-label items from a multi-hot matrix: item `i` carries label `l` when
    /// `multiHot[i][l]` is `true` (rows may differ in length; missing entries are `false`).
    public init(multiHot: [[Bool]]) {
        let labelSets = multiHot.map { row in row.indices.filter { row[$0] } }
        // Indices from `filter` are never negative, so this cannot throw.
        self = try! RelevanceLabels(labelSets: labelSets)
    }

    /// The number of items.
    public var count: Int {
        switch storage {
        case .classes(let classes): return classes.count
        case .labelSets(let words, let wordsPerItem): return words.count / wordsPerItem
        }
    }

    /// Whether the items carry label sets (multi-label) rather than one class each.
    public var isMultiLabel: Bool {
        if case .labelSets = storage { return true }
        return false
    }

    /// The labels of item `index`, ascending (for a single-label item, its class).
    public func labels(ofItem index: Int) -> [Int] {
        precondition(index >= 0 && index < count, "RelevanceLabels: item \(index) out of range 0..<\(count)")
        switch storage {
        case .classes(let classes):
            return [classes[index]]
        case .labelSets(let words, let wordsPerItem):
            var labels: [Int] = []
            for word in 0..<wordsPerItem {
                var bits = words[index * wordsPerItem + word]
                while bits != 0 {
                    labels.append(word * 64 + bits.trailingZeroBitCount)
                    bits &= bits - 1
                }
            }
            return labels
        }
    }

    /// Whether database item `databaseIndex` (of `self`) is relevant to query `queryIndex` of
    /// `queries`.
    public func isRelevant(_ databaseIndex: Int, toQuery queryIndex: Int, of queries: RelevanceLabels) -> Bool {
        precondition(databaseIndex >= 0 && databaseIndex < count, "RelevanceLabels: database item \(databaseIndex) out of range 0..<\(count)")
        precondition(queryIndex >= 0 && queryIndex < queries.count, "RelevanceLabels: query \(queryIndex) out of range 0..<\(queries.count)")
        switch (queries.storage, storage) {
        case (.classes(let queryClasses), .classes(let classes)):
            return queryClasses[queryIndex] == classes[databaseIndex]
        default:
            let queryLabels = Set(queries.labels(ofItem: queryIndex))
            return labels(ofItem: databaseIndex).contains { queryLabels.contains($0) }
        }
    }

    /// These labels as multi-label sets with at least `minimumWordsPerItem` words per item.
    ///
    /// - Throws: ``EvaluationError/negativeLabel(label:item:)`` when a single-label class is negative.
    func labelSetWords(minimumWordsPerItem: Int) throws -> (words: [UInt64], wordsPerItem: Int) {
        switch storage {
        case .classes(let classes):
            var largest = -1
            for (item, label) in classes.enumerated() {
                if label < 0 { throw EvaluationError.negativeLabel(label: label, item: item) }
                largest = max(largest, label)
            }
            let wordsPerItem = max(minimumWordsPerItem, (largest + 64) / 64, 1)
            var words = [UInt64](repeating: 0, count: classes.count * wordsPerItem)
            for (item, label) in classes.enumerated() {
                words[item * wordsPerItem + label >> 6] |= 1 << UInt64(label & 63)
            }
            return (words, wordsPerItem)
        case .labelSets(let words, let wordsPerItem):
            if wordsPerItem >= minimumWordsPerItem { return (words, wordsPerItem) }
            var widened = [UInt64](repeating: 0, count: count * minimumWordsPerItem)
            for item in 0..<count {
                for word in 0..<wordsPerItem {
                    widened[item * minimumWordsPerItem + word] = words[item * wordsPerItem + word]
                }
            }
            return (widened, minimumWordsPerItem)
        }
    }

    /// The words per item of the multi-label storage, or 0 for single-label items.
    var labelWordsPerItem: Int {
        if case .labelSets(_, let wordsPerItem) = storage { return wordsPerItem }
        return 0
    }
}

extension RelevanceLabels {
    /// Multi-label items when `labelSets` are given (relevance: sharing a label), otherwise
    /// single-label `classes` (relevance: the same class).
    ///
    /// - Throws: ``EvaluationError/negativeLabel(label:item:)`` for a negative label in a set.
    public init(classes: [Int], labelSets: [[Int]]?) throws {
        if let labelSets { try self.init(labelSets: labelSets) } else { self.init(classes: classes) }
    }

    /// The relevance rule in words, as reports state it: `shares a label` or `same class`.
    public var relevanceRule: String { isMultiLabel ? "shares a label" : "same class" }

    /// The mean, over `queries`, of the fraction of these database items relevant to a query: the
    /// precision of a random ranking, which a ranking must beat to have learned anything (for
    /// "shares a label" on sets of 2–3 of 10 classes it is about one half, not one tenth).
    ///
    /// - Throws: ``EvaluationError/negativeLabel(label:item:)`` for a negative label.
    public func meanRelevantFraction(toQueries queries: RelevanceLabels) throws -> Double {
        guard count > 0, queries.count > 0 else { return 0 }
        let width = max(labelWordsPerItem, queries.labelWordsPerItem, 1)
        let (databaseWords, _) = try labelSetWords(minimumWordsPerItem: width)
        let (queryWords, _) = try queries.labelSetWords(minimumWordsPerItem: width)
        // Items with equal label sets are relevant to the same queries: count each set once.
        func histogram(_ words: [UInt64]) -> [ArraySlice<UInt64>: Int] {
            var counts: [ArraySlice<UInt64>: Int] = [:]
            for item in 0..<(words.count / width) { counts[words[(item * width)..<((item + 1) * width)], default: 0] += 1 }
            return counts
        }
        let databaseSets = histogram(databaseWords)
        // Relevant (query, item) pairs counted exactly in integers, so the result does not depend
        // on the dictionaries' (per-process) iteration order.
        var relevantPairs = 0
        for (querySet, queryCount) in histogram(queryWords) {
            let relevant = databaseSets.reduce(0) { sum, entry in
                sum + (zip(querySet, entry.key).contains { $0 & $1 != 0 } ? entry.value : 0)
            }
            relevantPairs += queryCount * relevant
        }
        return Double(relevantPairs) / (Double(count) * Double(queries.count))
    }
}

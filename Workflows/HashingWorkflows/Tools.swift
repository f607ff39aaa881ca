import Evaluation
import Foundation

/// Hamming index files from codes files, and searches in them.
public enum IndexTools {
    /// Builds an index of set `set` of a codes file: a flat scan index (`substrings == 0`) or
    /// multi-index hashing with that many substrings, written atomically to `output`.
    public static func build(codesAt url: URL, set: String, substrings: Int, output: URL) throws -> HammingIndexFile {
        try build(codesAt: [url], set: set, substrings: substrings, output: output)
    }

    /// Builds an index of set `set` of several codes files taken in order, as `hashing encode
    /// --shard i/n` writes them (shard 0 first): the same index as one file of the whole set.
    /// Where the files record image indices, they must continue one another in increasing order
    /// (a shard given out of order or twice is an error naming the files).
    public static func build(codesAt urls: [URL], set: String, substrings: Int, output: URL) throws -> HammingIndexFile {
        guard let first = urls.first else { throw WorkflowError.invalid("no codes file given") }
        let parts = try urls.map { try CodeFile.read(set, from: $0) }
        var packed = parts[0].codes
        for (position, part) in parts.enumerated().dropFirst() {
            guard part.codes.bitCount == packed.bitCount else {
                throw WorkflowError.invalid(
                    "\(urls[position].path) holds \(part.codes.bitCount)-bit codes, \(first.path) \(packed.bitCount)-bit ones")
            }
            if let previous = parts[position - 1].indices?.last, let next = part.indices?.first, next <= previous {
                throw WorkflowError.invalid(
                    "codes files out of shard order: \(urls[position].path) starts at image \(next), "
                        + "but \(urls[position - 1].path) ends at image \(previous)")
            }
            packed.append(contentsOf: part.codes)
        }
        guard substrings >= 0 && substrings <= packed.bitCount else {
            throw WorkflowError.invalid("--substrings must be in 0…\(packed.bitCount) for \(packed.bitCount)-bit codes, got \(substrings)")
        }
        let file = HammingIndexFile(kind: substrings == 0 ? .flat : .multiIndex, substringCount: substrings, codes: packed)
        try file.write(to: output)
        return file
    }

    /// One query's neighbours, with labels.
    public struct QueryResult {
        public var query: Int
        /// The query's label (its first object's class in multi-label data).
        public var label: Int
        /// The query's classes in multi-label data; `[label]` otherwise.
        public var labelSet: [Int]
        public var neighbours: [(index: Int, distance: Int, label: Int, labelSet: [Int])]
        /// The neighbours relevant to the query (``RelevanceLabels``: the same class, or sharing a
        /// label in multi-label data).
        public var relevantCount: Int
    }

    /// Searches the first `count` queries of set `querySet` of a codes file in an index whose
    /// items are set `databaseSet` of the same file: k nearest neighbours, or every item within
    /// `radius` when given.
    public static func search(
        index: URL, codes: URL, querySet: String, databaseSet: String, k: Int, radius: Int?, count: Int
    ) throws -> [QueryResult] {
        guard k >= 1 else { throw WorkflowError.invalid("k must be at least 1, got \(k)") }
        let queries = try CodeFile.read(querySet, from: codes)
        let database = try CodeFile.read(databaseSet, from: codes)
        let file: HammingIndexFile
        do {
            file = try HammingIndexFile.read(from: index, expectedBitCount: queries.codes.bitCount)
        } catch {
            throw WorkflowError.invalid("\(index.path): \(error)")
        }
        guard file.codes.count == database.codes.count else {
            throw WorkflowError.invalid(
                "the index holds \(file.codes.count) codes but set '\(databaseSet)' of \(codes.path) has \(database.codes.count)")
        }
        let shown = min(count, queries.codes.count)
        let searcher: any HammingIndex =
            file.kind == .flat ? FlatHammingIndex(file.codes) : MultiIndexHashing(file.codes, substringCount: file.substringCount)
        let selected = queries.codes[0..<shown]
        let results = radius.map { searcher.search(selected, radius: $0) } ?? searcher.search(selected, k: k)
        let queryLabels = try RelevanceLabels(classes: queries.labels, labelSets: queries.labelSets)
        let databaseLabels = try RelevanceLabels(classes: database.labels, labelSets: database.labelSets)
        return results.enumerated().map { query, neighbours in
            QueryResult(
                query: query, label: queries.labels[query], labelSet: queries.labelSets?[query] ?? [queries.labels[query]],
                neighbours: neighbours.map {
                    (
                        index: $0.index, distance: $0.distance, label: database.labels[$0.index],
                        labelSet: database.labelSets?[$0.index] ?? [database.labels[$0.index]]
                    )
                },
                relevantCount: neighbours.filter { databaseLabels.isRelevant($0.index, toQuery: query, of: queryLabels) }.count)
        }
    }
}

/// Runs a data set's fetch scripts.
public enum DataFetch {
    /// Runs each script with bash from the current directory (the package root).
    public static func run(scripts: [String]) throws {
        for script in scripts {
            guard FileManager.default.fileExists(atPath: script) else {
                throw WorkflowError.invalid("\(script) not found: run this from the package root")
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [script]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw WorkflowError.invalid("\(script) failed with status \(process.terminationStatus)")
            }
        }
    }
}

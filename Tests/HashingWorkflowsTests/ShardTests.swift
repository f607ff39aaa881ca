import Evaluation
import Foundation
import HashingWorkflows
import Testing

@Suite("Sharded encoding: encode --shard i/n, index from the shards")
struct ShardTests {
    @Test func slicesCoverTheSetInWholeBatchesAndInOrder() throws {
        for total in [0, 1, 499, 500, 501, 2_997, 10_000, 60_000] {
            for n in [1, 2, 3, 4, 7] {
                let ranges = try (0..<n).map { try Shard(index: $0, count: n).range(of: total) }
                #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == total, "\(total) images, \(n) shards")
                for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
                // Every boundary but the end falls on an encoding batch.
                #expect(ranges.allSatisfy { $0.lowerBound % Shard.batch == 0 })
                // Shards differ by at most one batch.
                let sizes = ranges.map { ($0.count + Shard.batch - 1) / Shard.batch }
                #expect(sizes.max()! - sizes.min()! <= 1)
            }
        }
    }

    @Test func badShardsAreOneLineErrors() throws {
        for text in ["3/3", "-1/2", "1/0", "1", "a/b", "1/2/3", ""] {
            #expect(throws: WorkflowError.self, "\(text)") { try Shard(parsing: text) }
        }
        #expect(try Shard(parsing: "2/5") == Shard(index: 2, count: 5))
    }

    @Test func shardsEncodeAndIndexExactlyAsOneProcess() throws {
        var specification = RunSpecification()
        specification.dataset = "embedded-digits"
        specification.bits = 16
        specification.queryPerClass = 20
        specification.trainingPerClass = 50
        specification.validationPerClass = 10
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hashing-shards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        specification.trainer.outputDirectory = directory.appendingPathComponent("run").path
        let experiment = try Experiment(specification)
        let whole = try experiment.encode(.database, domain: .source)
        #expect(whole.codes.count > 2 * Shard.batch)  // several batches, so the shards differ
        var files: [URL] = []
        var joined: EncodedSet?
        for i in 0..<3 {
            let part = try experiment.encode(.database, domain: .source, shard: Shard(index: i, count: 3))
            let url = directory.appendingPathComponent("shard\(i).npz")
            try CodeFile.write([CodeFile.Set(name: "database", part)], to: url)
            files.append(url)
            if var sofar = joined {
                sofar.codes.append(contentsOf: part.codes)
                sofar.labels += part.labels
                sofar.indices += part.indices
                joined = sofar
            } else {
                joined = part
            }
        }
        #expect(joined == whole)
        let wholeFile = directory.appendingPathComponent("whole.npz")
        try CodeFile.write([CodeFile.Set(name: "database", whole)], to: wholeFile)
        for substrings in [0, 2] {
            let fromShards = directory.appendingPathComponent("shards-\(substrings).hidx")
            let fromWhole = directory.appendingPathComponent("whole-\(substrings).hidx")
            _ = try IndexTools.build(codesAt: files, set: "database", substrings: substrings, output: fromShards)
            _ = try IndexTools.build(codesAt: wholeFile, set: "database", substrings: substrings, output: fromWhole)
            #expect(try Data(contentsOf: fromShards) == Data(contentsOf: fromWhole), "\(substrings) substrings")
        }
        // Shards out of order are refused, naming the files.
        #expect(throws: WorkflowError.self) {
            try IndexTools.build(codesAt: [files[1], files[0]], set: "database", substrings: 0, output: directory.appendingPathComponent("x"))
        }
    }
}

import BenchSupport
import Evaluation
import Foundation

/// Times a full retrieval evaluation at the size of MNIST's protocol (10,000 queries against
/// 55,000 database codes of 48 bits, 10 classes, clustered codes) at 1 and all threads, and
/// checks the reports agree.
@main
struct BenchEval {
    static func main() throws {
        let (queryCount, databaseCount, bitCount, classCount) = (10_000, 55_000, 48, 10)
        var generator = SeededBits(seed: 2024)
        let centres = (0..<classCount).map { _ in (0..<bitCount).map { _ in generator.nextBool(probability: 0.5) } }
        func clustered(_ count: Int) -> (PackedCodes, [Int]) {
            var codes = PackedCodes(bitCount: bitCount)
            var classes: [Int] = []
            for index in 0..<count {
                let label = index % classCount
                classes.append(label)
                codes.append(bits: centres[label].map { generator.nextBool(probability: 0.15) ? !$0 : $0 })
            }
            return (codes, classes)
        }
        let (queries, queryClasses) = clustered(queryCount)
        let (database, databaseClasses) = clustered(databaseCount)
        let evaluator = try RetrievalEvaluator(
            queries: queries, queryLabels: RelevanceLabels(classes: queryClasses),
            database: database, databaseLabels: RelevanceLabels(classes: databaseClasses))
        print("bench-eval: \(cpuDescription())")
        var reports: [RetrievalReport] = []
        for threads in Set([1, ProcessInfo.processInfo.activeProcessorCount]).sorted() {
            let start = DispatchTime.now().uptimeNanoseconds
            reports.append(try evaluator.evaluate(options: RetrievalOptions(topK: 1000), threadCount: threads))
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            print(
                "retrieval-eval queries=\(queryCount) database=\(databaseCount) bits=\(bitCount) threads=\(threads) seconds=\(String(format: "%.3f", seconds))"
            )
        }
        print("reports identical across thread counts: \(reports.allSatisfy { $0 == reports[0] })")
    }
}

/// A small seeded bit source for the benchmark's codes.
struct SeededBits {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextBool(probability: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < probability }
}

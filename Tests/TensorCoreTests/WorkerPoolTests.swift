import Dispatch
import Foundation
import TensorCore
import Testing

/// The engine's worker pool (`parallelChunks`): every chunk runs exactly once, nested and
/// concurrent callers (which fall back to libdispatch) still run every chunk once, and results do
/// not depend on which of the two runs them.
@Suite("Worker pool")
struct WorkerPoolTests {
    /// Runs `parallelChunks` and counts how often each chunk ran.
    func chunkCounts(_ chunkCount: Int, threads: Int) -> [Int] {
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: chunkCount)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0)
        Engine.withThreadCount(threads) {
            parallelChunks(chunkCount) { chunk in counts[chunk] += 1 }
        }
        return Array(counts)
    }

    @Test(arguments: [2, 3, 7, 64, 1000])
    func everyChunkRunsExactlyOnce(chunkCount: Int) {
        for threads in [2, 4] {
            for _ in 0..<50 {
                #expect(chunkCounts(chunkCount, threads: threads) == [Int](repeating: 1, count: chunkCount))
            }
        }
    }

    /// The thread count is a cap: after a 4-thread job has started three workers, a 2-thread job
    /// runs on at most two threads, and a 1-thread job on the caller alone.
    @Test func theThreadCountCapsTheThreadsThatTakePart() {
        func threadsTakingPart(_ threads: Int) -> Set<UInt> {
            let chunkCount = 64
            let identities = UnsafeMutableBufferPointer<UInt>.allocate(capacity: chunkCount)
            defer { identities.deallocate() }
            Engine.withThreadCount(threads) {
                parallelChunks(chunkCount) { chunk in
                    var total: Float = 0
                    for i in 0..<20_000 { total += Float(i % 7) }
                    identities[chunk] = unsafeBitCast(pthread_self(), to: UInt.self) &+ (total < 0 ? 1 : 0)
                }
            }
            return Set(identities)
        }
        _ = threadsTakingPart(4)
        for _ in 0..<20 { #expect(threadsTakingPart(2).count <= 2) }
        #expect(threadsTakingPart(1) == [unsafeBitCast(pthread_self(), to: UInt.self)])
    }

    @Test func nestedAndConcurrentCallersRunEveryChunkOnce() {
        let outer = 8
        let inner = 16
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 4 * outer * inner)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0)
        // Four callers at once (only one gets the pool), each with nested regions inside its chunks.
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            Engine.withThreadCount(2) {
                parallelChunks(outer) { o in
                    parallelChunks(inner) { i in counts[(caller * outer + o) * inner + i] += 1 }
                }
            }
        }
        #expect(Array(counts) == [Int](repeating: 1, count: 4 * outer * inner))
    }

    /// A convolution's forward and backward at two threads give the same bits on the pool and on
    /// libdispatch.
    @Test func thePoolAndLibdispatchGiveTheSameBits() {
        var generator = SeededGenerator(seed: 5)
        let input = Tensor.uniform([16, 3, 12, 12], low: -1, high: 1, generator: &generator)
        let weight = Tensor.uniform([8, 3, 5, 5], low: -1, high: 1, generator: &generator)
        let bias = Tensor.uniform([8], low: -1, high: 1, generator: &generator)
        func run() -> [[Float]] {
            Engine.withThreadCount(2) {
                let (value, gradients) = valueAndGradient(at: [input, weight, bias]) { x in
                    (x[0].conv2d(weight: x[1], bias: x[2]).maxPool2d(kernelSize: 2) * 0.5).sum()
                }
                return [value.scalars] + gradients.map(\.scalars)
            }
        }
        let pooled = run()
        let saved = Engine.usesWorkerPool
        Engine.usesWorkerPool = false
        let dispatched = run()
        Engine.usesWorkerPool = saved
        #expect(pooled == dispatched)
    }
}

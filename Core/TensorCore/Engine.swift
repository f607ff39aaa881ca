import CKernels
import Dispatch
import Foundation

#if canImport(Accelerate)
    import Accelerate
#else
    import CBLAS
#endif

/// Process-wide settings of the engine.
public enum Engine {
    /// How many threads kernels split their work across (default: the `HASHING_THREADS`
    /// environment variable, else the number of active processors).
    ///
    /// Work is split into a fixed number of chunks that depends only on this count, so a given
    /// thread count always gives bit-identical results. BLAS itself always runs on one thread
    /// per call: the engine does the splitting.
    ///
    /// Inside ``withThreadCount(_:_:)`` the count bound there, on that task's thread; elsewhere the
    /// process-wide setting.
    public static var threadCount: Int {
        get { boundThreadCount ?? _threadCount }
        set {
            precondition(newValue >= 1, "Engine.threadCount must be at least 1, got \(newValue)")
            _threadCount = newValue
        }
    }

    /// Runs `body` with `threads` as ``threadCount`` for the calling task only, leaving the
    /// process-wide setting (and any other task running at the same time) untouched — for tests
    /// that compare thread counts inside a process that runs other work concurrently.
    public static func withThreadCount<Result>(_ threads: Int, _ body: () throws -> Result) rethrows -> Result {
        precondition(threads >= 1, "Engine.withThreadCount needs at least 1 thread, got \(threads)")
        return try $boundThreadCount.withValue(threads, operation: body)
    }

    @TaskLocal private static var boundThreadCount: Int?

    nonisolated(unsafe) private static var _threadCount: Int = {
        _ = blasInitialized
        if let text = ProcessInfo.processInfo.environment["HASHING_THREADS"], let value = Int(text), value >= 1 {
            return value
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Whether parallel chunks run on the engine's spinning worker pool (default) rather than
    /// libdispatch; `HASHING_POOL=dispatch` switches the pool off.
    nonisolated(unsafe) public static var usesWorkerPool: Bool = ProcessInfo.processInfo.environment["HASHING_POOL"] != "dispatch"

    /// The size (in floats) of the column buffers convolutions work in (at least one sample per
    /// block); small enough that a block stays in the L2 cache between im2col and the GEMM that
    /// reads it. 64K floats (256 KB) measured best for LeNet at batch 128 (2026-12-04, Xeon with
    /// AVX-512, bench-epoch with the grids paused: 8.07 s an epoch at 1 thread against 8.59 s at
    /// 32K, 8.67 s at 128K and 9.49 s at the former 1M; 5.38 / 5.60 / 5.76 / 5.91 s at 2 threads).
    /// `HASHING_CONV_BLOCK` overrides it.
    nonisolated(unsafe) public static var convolutionBlockFloats: Int = {
        if let text = ProcessInfo.processInfo.environment["HASHING_CONV_BLOCK"], let value = Int(text), value > 0 { return value }
        return 65_536
    }()

    static let blasInitialized: Bool = {
        #if !canImport(Accelerate)
            blasCoreName = String(cString: hashing_openblas_select_core())
            openblas_set_num_threads(1)
        #endif
        return true
    }()

    nonisolated(unsafe) private static var blasCoreName = "Accelerate"

    /// The BLAS kernels in use: OpenBLAS's core (`SkylakeX`, `Haswell`, …) or `Accelerate`. On
    /// a CPU its OpenBLAS does not know, the engine picks the core from the CPU's features rather
    /// than accept the SSE3 fallback (`OPENBLAS_CORETYPE` overrides); benchmarks print it.
    public static var blasCore: String {
        _ = blasInitialized
        return blasCoreName
    }
}

/// Runs `body(chunk)` for `chunk` in `0..<chunkCount`: in order on the calling thread when
/// ``Engine/threadCount`` is 1, else concurrently on at most that many threads: the calling thread
/// and the engine's worker pool (`hashing_pool_run` in CKernels: workers
/// that spin briefly between jobs instead of sleeping, so a step's many short parallel regions do
/// not each wait for a thread to wake), or on libdispatch when the pool is busy with another
/// caller's job (nested or concurrent calls) or `HASHING_POOL=dispatch` is set. Which thread runs a
/// chunk never changes what it computes.

public func parallelChunks(_ chunkCount: Int, _ body: (Int) -> Void) {
    if chunkCount <= 1 {
        if chunkCount == 1 { body(0) }
        return
    }
    let threads = Engine.threadCount
    if threads == 1 {
        for chunk in 0..<chunkCount { body(chunk) }
        return
    }
    if Engine.usesWorkerPool {
        let ran = withoutActuallyEscaping(body) { escapable -> Bool in
            var closure = escapable
            return withUnsafeMutablePointer(to: &closure) { pointer in
                hashing_pool_run(chunkCount, Int32(clamping: threads), runPoolChunk, pointer) == 0
            }
        }
        if ran { return }
    }
    DispatchQueue.concurrentPerform(iterations: chunkCount, execute: body)
}

/// Calls the Swift closure behind a pool job's context pointer (it returns before the chunk counts
/// as finished, so the closure is released by then).
private let runPoolChunk: hashing_chunk_function = { context, chunk in
    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(chunk)
}

/// Splits `0..<count` into at most `Engine.threadCount` contiguous ranges of at least
/// `minimumPerChunk` items and runs `body` on each range, concurrently.

public func parallelFor(_ count: Int, minimumPerChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let chunks = max(1, min(Engine.threadCount, count / max(1, minimumPerChunk)))
    if chunks == 1 { body(0..<count); return }
    parallelChunks(chunks) { chunk in
        let start = count * chunk / chunks
        let end = count * (chunk + 1) / chunks
        body(start..<end)
    }
}

/// Copies `count` floats; for the short runs of im2col this beats a `memmove` call.
@inline(__always)
func copyFloats(_ destination: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, _ count: Int) {
    var i = 0
    while i &+ 8 <= count {
        let vector = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(destination + i).storeBytes(of: vector, as: SIMD8<Float>.self)
        i &+= 8
    }
    while i < count {
        destination[i] = source[i]
        i &+= 1
    }
}

/// `destination[i] += source[i]` for `count` floats, vectorised.
@inline(__always)
func addFloats(_ destination: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, _ count: Int) {
    var i = 0
    while i &+ 8 <= count {
        let a = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<Float>.self)
        let b = UnsafeRawPointer(destination + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(destination + i).storeBytes(of: a + b, as: SIMD8<Float>.self)
        i &+= 8
    }
    while i < count {
        destination[i] += source[i]
        i &+= 1
    }
}

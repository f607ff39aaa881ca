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
    public static var threadCount: Int {
        get { _threadCount }
        set {
            precondition(newValue >= 1, "Engine.threadCount must be at least 1, got \(newValue)")
            _threadCount = newValue
        }
    }

    nonisolated(unsafe) private static var _threadCount: Int = {
        _ = blasInitialized
        if let text = ProcessInfo.processInfo.environment["HASHING_THREADS"], let value = Int(text), value >= 1 {
            return value
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    static let blasInitialized: Bool = {
        #if !canImport(Accelerate)
        openblas_set_num_threads(1)
        #endif
        return true
    }()
}

/// Runs `body(chunk)` for `chunk` in `0..<chunkCount`, concurrently when there is more than one.

public func parallelChunks(_ chunkCount: Int, _ body: (Int) -> Void) {
    if chunkCount <= 1 {
        if chunkCount == 1 { body(0) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: chunkCount, execute: body)
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

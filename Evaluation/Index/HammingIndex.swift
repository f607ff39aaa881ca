import CHamming
import Dispatch

/// One search result: a database code and its Hamming distance to the query.
///
/// Results are ordered by distance, then by database index: ties at equal distance go to the smaller
/// index, the same order a stable sort of the distances gives.
public struct HammingNeighbor: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The code's position in the database.
    public var index: Int
    /// The Hamming distance to the query.
    public var distance: Int

    /// A result: database code `index` at Hamming distance `distance`.
    public init(index: Int, distance: Int) {
        self.index = index
        self.distance = distance
    }

    /// Closer first; at equal distance, the smaller database index first.
    public static func < (a: HammingNeighbor, b: HammingNeighbor) -> Bool {
        (a.distance, a.index) < (b.distance, b.index)
    }

    public var description: String { "(\(index), d=\(distance))" }
}

/// The popcount kernels of the C target, chosen at run time for the CPU (baseline x86-64 has no POPCNT).
public enum HammingKernel: Int32, CaseIterable, Sendable, CustomStringConvertible {
    /// The best kernel this CPU supports.
    case automatic = 0
    /// SWAR bit counting in plain C: any CPU.
    case portable = 1
    /// The scalar POPCNT instruction.
    case popcnt = 2
    /// AVX2: a nibble look-up table with `vpshufb`, bytes summed with `vpsadbw`.
    case avx2 = 3
    /// AVX-512 VPOPCNTDQ: `vpopcntq` on eight 64-bit words per instruction.
    case avx512 = 4

    /// The kernel ``automatic`` resolves to on this CPU.
    public static var best: HammingKernel { HammingKernel(rawValue: hamming_best_kernel()) ?? .portable }

    /// The kernels that can run on this CPU (``automatic`` excluded).
    public static var supported: [HammingKernel] { allCases.filter { $0 != .automatic && $0.isSupported } }

    /// Whether this kernel can run on this CPU.
    public var isSupported: Bool { hamming_kernel_is_supported(rawValue) != 0 }

    public var description: String { String(cString: hamming_kernel_name(rawValue)) }
}

/// An exact Hamming-space index over a fixed set of packed binary codes.
///
/// Both searches are exact and return, for each query, neighbors sorted by distance then database
/// index. Batched queries may run on several threads; the results never depend on the thread count.
public protocol HammingIndex: Sendable {
    /// Bits per code.
    var bitCount: Int { get }
    /// The number of database codes.
    var count: Int { get }

    /// The `min(k, count)` nearest codes to each query; ties at the k-th distance go to the smallest
    /// database indices.
    ///
    /// **Shape:** `queries [queryCount × bitCount]` → `queryCount` lists of `min(k, count)` neighbors.
    /// - Parameters:
    ///   - queries: codes of ``bitCount`` bits.
    ///   - k: neighbors per query, `k >= 0`.
    ///   - threads: worker threads for the batch (queries are split across them), `>= 1`.
    func search(_ queries: PackedCodes, k: Int, threads: Int) -> [[HammingNeighbor]]

    /// Every code within Hamming distance `radius` (inclusive) of each query.
    ///
    /// **Shape:** `queries [queryCount × bitCount]` → `queryCount` lists.
    func search(_ queries: PackedCodes, radius: Int, threads: Int) -> [[HammingNeighbor]]
}

extension HammingIndex {
    /// ``search(_:k:threads:)`` on one thread.
    public func search(_ queries: PackedCodes, k: Int) -> [[HammingNeighbor]] { search(queries, k: k, threads: 1) }

    /// ``search(_:radius:threads:)`` on one thread.
    public func search(_ queries: PackedCodes, radius: Int) -> [[HammingNeighbor]] { search(queries, radius: radius, threads: 1) }
}

/// A pointer shared by worker threads that write disjoint elements.
struct SharedMutablePointer<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>
}

/// Runs `body` on `threads` contiguous, near-equal parts of `0..<count` (fewer parts when `count` is
/// small), concurrently when there is more than one part, and returns the per-index results in order.
func parallelMap<Result>(count: Int, threads: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> [Result]) -> [Result] {
    precondition(threads >= 1, "threads must be at least 1, got \(threads)")
    let parts = max(1, min(threads, count / max(1, minimumPerThread)))
    if parts == 1 { return body(0..<count) }
    let output = UnsafeMutablePointer<[Result]>.allocate(capacity: parts)
    output.initialize(repeating: [], count: parts)
    defer {
        output.deinitialize(count: parts)
        output.deallocate()
    }
    let shared = SharedMutablePointer(base: output)
    withoutActuallyEscaping(body) { body in
        let box = UncheckedSendableBox(body)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let lower = count * part / parts, upper = count * (part + 1) / parts
            shared.base[part] = box.value(lower..<upper)
        }
    }
    return (0..<parts).flatMap { output[$0] }
}

struct UncheckedSendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

func checkQueries(_ queries: PackedCodes, bitCount: Int) {
    precondition(queries.bitCount == bitCount, "HammingIndex: \(queries.bitCount)-bit queries against a \(bitCount)-bit index")
}

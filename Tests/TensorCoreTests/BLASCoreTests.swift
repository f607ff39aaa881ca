import Foundation
import Testing

@testable import TensorCore

/// The BLAS kernels the engine runs on. OpenBLAS picks them from the CPU's family and model and
/// falls back to SSE3 ("Prescott") on a CPU newer than itself, which made every GEMM 2–3 times
/// slower on this project's machines; the engine then picks them from the CPU's features.
@Suite("BLAS kernels")
struct BLASCoreTests {
    static let flags: Set<String> = {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return [] }
        return Set(line.split(separator: " ").map(String.init))
    }()

    @Test("a CPU with AVX2 and FMA never runs OpenBLAS's SSE3 fallback", .enabled(if: flags.contains("avx2") && flags.contains("fma")))
    func noSSE3FallbackOnAVX2() {
        #expect(Engine.blasCore.lowercased() != "prescott", "BLAS core \(Engine.blasCore)")
        #expect(!Engine.blasCore.isEmpty)
    }

    @Test("the GEMM in use agrees with a naive product")
    func gemmStillCorrect() {
        let (m, n, k) = (37, 29, 53)
        let a = (0..<(m * k)).map { Float(($0 * 7) % 13) - 6 }
        let b = (0..<(k * n)).map { Float(($0 * 5) % 11) - 5 }
        var c = [Float](repeating: 0, count: m * n)
        gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n)
        for row in 0..<m {
            for column in 0..<n {
                let expected = (0..<k).reduce(Float(0)) { $0 + a[row * k + $1] * b[$1 * n + column] }
                #expect(c[row * n + column] == expected, "C[\(row), \(column)]")
            }
        }
    }
}

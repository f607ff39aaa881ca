#if canImport(Accelerate)
    import Accelerate
#else
    import CBLAS
#endif

/// Row-major single-precision matrix multiply: `C = alpha · op(A) · op(B) + beta · C`.
///
/// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`. With `threads > 1` the rows of `C`
/// are split into that many blocks, each computed by a single-threaded BLAS call (the result
/// depends only on the thread count, never on scheduling).

public func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
    threads: Int = 1
) {
    _ = Engine.blasInitialized
    guard m > 0, n > 0 else { return }
    if k == 0 {
        // BLAS leaves C untouched when k == 0 only for beta == 1; do it explicitly.
        for row in 0..<m {
            for column in 0..<n { c[row * ldc + column] = beta == 0 ? 0 : beta * c[row * ldc + column] }
        }
        return
    }
    let transA = transposeA ? CblasTrans : CblasNoTrans
    let transB = transposeB ? CblasTrans : CblasNoTrans
    // For beta == 0 OpenBLAS zeroes C in a separate pass and then accumulates into it; on some
    // cores (Zen, Haswell: a generic C loop of scalar stores) that pass cost 5 % of an SSDH epoch.
    // Zeroing C here with vector stores and passing beta = 1 does the same arithmetic (0 + the
    // product) at a fraction of the cost.
    let zeroesC = beta == 0
    let effectiveBeta: Float = zeroesC ? 1 : beta
    func zeroRows(_ rows: Range<Int>) {
        if ldc == n {
            (c + rows.lowerBound * ldc).update(repeating: 0, count: rows.count * n)
        } else {
            for row in rows { (c + row * ldc).update(repeating: 0, count: n) }
        }
    }
    // Split rows of C when each block still has a useful amount of work.
    let blocks = max(1, min(threads, m / 16, (m * n * k) / 200_000))
    if blocks <= 1 {
        if zeroesC { zeroRows(0..<m) }
        cblas_sgemm(
            CblasRowMajor, transA, transB, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
            effectiveBeta, c, Int32(ldc))
        return
    }
    parallelChunks(blocks) { block in
        let start = m * block / blocks
        let end = m * (block + 1) / blocks
        guard end > start else { return }
        // Row r of op(A): A[r, :] when not transposed (offset r·lda), column r when transposed (offset r).
        let aOffset = transposeA ? start : start * lda
        if zeroesC { zeroRows(start..<end) }
        cblas_sgemm(
            CblasRowMajor, transA, transB, Int32(end - start), Int32(n), Int32(k), alpha, a + aOffset, Int32(lda),
            b, Int32(ldb), effectiveBeta, c + start * ldc, Int32(ldc))
    }
}

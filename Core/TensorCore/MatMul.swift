extension Tensor {
    /// The matrix product `op(self) · op(other)`, where `op` transposes when asked (without
    /// copying: the flags go to BLAS).
    ///
    /// **Shape**: `op(self) [m, k]`, `op(other) [k, n]` → `[m, n]`.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul: expects rank-2 operands, got \(shape) and \(other.shape)")
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let otherK = transposeOther ? other.shape[1] : other.shape[0]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        precondition(
            k == otherK,
            "matmul: inner dimensions differ: \(shape)\(transposeSelf ? "ᵀ" : "") · \(other.shape)\(transposeOther ? "ᵀ" : "")")
        let threads = Engine.threadCount
        let value = Tensor(
            shape: [m, n],
            unsafeUninitialized: { out in
                scalars.withUnsafeBufferPointer { a in
                    other.scalars.withUnsafeBufferPointer { b in
                        gemm(
                            transposeA: transposeSelf, transposeB: transposeOther, m: m, n: n, k: k,
                            a: a.baseAddress!, lda: shape[1], b: b.baseAddress!, ldb: other.shape[1],
                            c: out.baseAddress!, ldc: n, threads: threads)
                    }
                }
            })
        let (a, b) = (detached(), other.detached())
        return recordOperation(value, inputs: [self, other]) { g, needs in
            let gradientA: Tensor? =
                needs[0]
                ? (transposeSelf
                    ? b.matmul(g, transposeSelf: transposeOther, transposeOther: true)
                    : g.matmul(b, transposeSelf: false, transposeOther: !transposeOther))
                : nil
            let gradientB: Tensor? =
                needs[1]
                ? (transposeOther
                    ? g.matmul(a, transposeSelf: true, transposeOther: transposeSelf)
                    : a.matmul(g, transposeSelf: !transposeSelf, transposeOther: false))
                : nil
            return [gradientA, gradientB]
        }
    }
}

import TensorCore
import Testing

/// `Tensor.isFinite`, which the trainer runs on every gradient: a single ±∞ or NaN anywhere (in
/// the 16-wide body or the tail) makes it false; finite extremes do not.
@Suite("Finite check")
struct FiniteCheckTests {
    @Test(arguments: [0, 1, 15, 16, 17, 33, 1000])
    func oneNonFiniteElementAnywhereIsFound(count: Int) {
        var values = (0..<count).map { Float($0 % 7) - 3 }
        #expect(Tensor(shape: [count], scalars: values).isFinite)
        guard count > 0 else { return }
        values[0] = .greatestFiniteMagnitude
        values[count - 1] = -.greatestFiniteMagnitude
        #expect(Tensor(shape: [count], scalars: values).isFinite, "finite extremes")
        for position in Set([0, count / 2, count - 1]) {
            for bad in [Float.infinity, -.infinity, .nan] {
                var broken = values
                broken[position] = bad
                #expect(!Tensor(shape: [count], scalars: broken).isFinite, "\(bad) at \(position) of \(count)")
            }
        }
    }
}

import Evaluation
import Testing

@Suite("Packed codes")
struct PackedCodesTests {
    @Test func distancesCountDifferingBits() {
        let codes = PackedCodes(bits: [[true, false, true], [false, false, false], [true, true, true]], bitCount: 3)
        #expect(codes.distances(to: codes, queryIndex: 0) == [0, 2, 1])
        let wide = PackedCodes(bits: [Array(repeating: true, count: 130), Array(repeating: false, count: 130)], bitCount: 130)
        #expect(wide.distances(to: wide, queryIndex: 1) == [130, 0])
    }
}

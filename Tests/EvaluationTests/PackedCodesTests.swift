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

    @Test func bitOrderIsLittleEndianWithinWords() {
        var bits = [Bool](repeating: false, count: 70)
        bits[0] = true
        bits[63] = true
        bits[64] = true
        bits[69] = true
        let codes = PackedCodes(bits: [bits], bitCount: 70)
        #expect(codes.wordsPerCode == 2)
        #expect(codes.words == [1 | 1 << 63, 1 | 1 << 5] as [UInt64])
        #expect(Array(codes[0]) == [1 | 1 << 63, 1 | 1 << 5] as [UInt64])
        #expect(codes.bit(69, ofCode: 0) && !codes.bit(68, ofCode: 0))
    }

    @Test(arguments: [1, 7, 63, 64, 65, 128, 130, 256])
    func conversionsRoundTrip(bitCount: Int) throws {
        let codes = PackedCodes.random(count: 9, bitCount: bitCount, seed: UInt64(bitCount))
        let bools = codes.allBools()
        #expect(bools.count == 9 * bitCount)
        #expect(PackedCodes(bits: bools, bitCount: bitCount) == codes)
        #expect(PackedCodes(bits: (0..<9).map { codes.bools(ofCode: $0) }, bitCount: bitCount) == codes)
        let signs = codes.allSigns()
        #expect(signs.allSatisfy { $0 == 1 || $0 == -1 })
        #expect(PackedCodes(signs: signs, bitCount: bitCount) == codes)
        #expect(PackedCodes(signs: (0..<9).map { codes.signs(ofCode: $0) }, bitCount: bitCount) == codes)
        #expect(try PackedCodes(binary: bools.map { $0 ? UInt8(1) : 0 }, bitCount: bitCount) == codes)
        #expect(try PackedCodes(binary: bools.map { $0 ? Float(1) : 0 }, bitCount: bitCount) == codes)
        #expect(try PackedCodes(words: codes.words, bitCount: bitCount) == codes)
    }

    @Test func signConventionIsGreaterOrEqualZero() {
        let codes = PackedCodes(signs: [0.3, -0.2, 0, -0.0, .nan, -.infinity, .infinity, -1e-30], bitCount: 8)
        #expect(codes.bools(ofCode: 0) == [true, false, true, true, false, false, true, false])
    }

    @Test func invalidBinaryValuesThrow() {
        #expect(throws: PackedCodesError.invalidBinaryValue(position: 2, value: 2)) { try PackedCodes(binary: [0, 1, 2, 0] as [UInt8], bitCount: 2) }
        #expect(throws: PackedCodesError.invalidBinaryValue(position: 1, value: -1)) { try PackedCodes(binary: [0, -1] as [Float], bitCount: 2) }
        #expect(throws: PackedCodesError.lengthNotMultiple(length: 3, of: 2)) { try PackedCodes(binary: [0, 1, 1] as [UInt8], bitCount: 2) }
        #expect(throws: PackedCodesError.invalidBitCount(0)) { try PackedCodes(binary: [] as [UInt8], bitCount: 0) }
    }

    @Test func rawWordsAreValidated() throws {
        // 70 bits: two words per code, only the low 6 bits of the second word may be set.
        #expect(throws: PackedCodesError.nonZeroPaddingBits(code: 1)) { try PackedCodes(words: [0, 0x3F, 0, 0x40], bitCount: 70) }
        #expect(throws: PackedCodesError.lengthNotMultiple(length: 3, of: 2)) { try PackedCodes(words: [0, 0, 0], bitCount: 70) }
        #expect(throws: PackedCodesError.invalidBitCount(-1)) { try PackedCodes(words: [], bitCount: -1) }
        #expect(try PackedCodes(words: [~0, 0x3F], bitCount: 70).count == 1)
        #expect(try PackedCodes(words: [~0, ~0], bitCount: 128).count == 1)
    }

    @Test func randomCodesAreSeededAndMasked() {
        let a = PackedCodes.random(count: 50, bitCount: 100, seed: 7)
        #expect(a == PackedCodes.random(count: 50, bitCount: 100, seed: 7))
        #expect(a != PackedCodes.random(count: 50, bitCount: 100, seed: 8))
        #expect((0..<50).allSatisfy { a.words[2 * $0 + 1] >> 36 == 0 })
    }

    @Test func rowsRangesAndAppending() {
        let codes = PackedCodes.random(count: 10, bitCount: 130, seed: 3)
        var rebuilt = codes[0..<4]
        rebuilt.append(contentsOf: codes[4..<10])
        #expect(rebuilt == codes)
        #expect(codes[3..<3].count == 0)
        #expect(Array(codes[5]) == Array(codes.words[15..<18]))
    }

    @Test(arguments: [1, 64, 100, 256, 320])
    func distancesMatchNaiveCountForEveryKernelPath(bitCount: Int) {
        let database = PackedCodes.random(count: 37, bitCount: bitCount, seed: 11)
        let queries = PackedCodes.random(count: 3, bitCount: bitCount, seed: 12)
        for q in 0..<3 {
            let expected = (0..<37).map { i in
                UInt32(
                    (0..<database.wordsPerCode).reduce(0) {
                        $0 + (database[i][i * database.wordsPerCode + $1] ^ queries[q][q * queries.wordsPerCode + $1]).nonzeroBitCount
                    })
            }
            #expect(database.distances(to: queries, queryIndex: q) == expected)
            #expect((0..<37).map { database.distance($0, to: queries, q) } == expected.map(Int.init))
            #expect(FlatHammingIndex(database).distances(to: queries, queryIndex: q) == expected)
        }
    }
}

import CHamming

/// Binary codes packed 64 bits to a word, one row of `wordsPerCode` words per code; bit `j` of a
/// code is bit `j % 64` of word `j / 64`. Unused high bits of the last word are zero.
public struct PackedCodes: Equatable, Sendable {
    /// Bits per code.
    public let bitCount: Int
    /// 64-bit words per code: `⌈bitCount / 64⌉`.
    public let wordsPerCode: Int
    /// The words of all codes, row-major.
    public private(set) var words: [UInt64]

    /// The number of codes.
    public var count: Int { wordsPerCode == 0 ? 0 : words.count / wordsPerCode }

    /// Creates an empty set of codes of `bitCount` bits.
    public init(bitCount: Int) {
        precondition(bitCount > 0, "PackedCodes: bitCount must be positive, got \(bitCount)")
        self.bitCount = bitCount
        self.wordsPerCode = (bitCount + 63) / 64
        self.words = []
    }

    /// Packs codes given as bits (`true` = 1), all of length `bitCount`.
    public init(bits: [[Bool]], bitCount: Int) {
        self.init(bitCount: bitCount)
        for code in bits { append(bits: code) }
    }

    /// Appends one code given as bits.
    public mutating func append(bits: [Bool]) {
        precondition(bits.count == bitCount, "PackedCodes: code of \(bits.count) bits, expected \(bitCount)")
        var row = [UInt64](repeating: 0, count: wordsPerCode)
        for (j, bit) in bits.enumerated() where bit { row[j >> 6] |= 1 << UInt64(j & 63) }
        words.append(contentsOf: row)
    }

    /// Bit `bit` of code `index`.
    public func bit(_ bit: Int, ofCode index: Int) -> Bool {
        precondition(index >= 0 && index < count && bit >= 0 && bit < bitCount, "PackedCodes: bit \(bit) of code \(index) out of range")
        return words[index * wordsPerCode + bit >> 6] >> UInt64(bit & 63) & 1 == 1
    }

    /// Hamming distances from code `queryIndex` of `queries` to every code here.
    public func distances(to queries: PackedCodes, queryIndex: Int) -> [UInt32] {
        precondition(queries.bitCount == bitCount, "PackedCodes: \(queries.bitCount)-bit queries against \(bitCount)-bit codes")
        var result = [UInt32](repeating: 0, count: count)
        queries.words.withUnsafeBufferPointer { q in
            words.withUnsafeBufferPointer { c in
                result.withUnsafeMutableBufferPointer { d in
                    hamming_distances(q.baseAddress! + queryIndex * wordsPerCode, c.baseAddress!, count, wordsPerCode, d.baseAddress!)
                }
            }
        }
        return result
    }
}

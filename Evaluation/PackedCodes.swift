import CHamming

/// An error in the values given to build ``PackedCodes``.
public enum PackedCodesError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bit count is not positive.
    case invalidBitCount(Int)
    /// A flat array whose length is not a multiple of the bit count (or words per code).
    case lengthNotMultiple(length: Int, of: Int)
    /// A {0, 1} value that is neither 0 nor 1, at this flat position.
    case invalidBinaryValue(position: Int, value: Double)
    /// Code `code` has a bit set above `bitCount` in its last word.
    case nonZeroPaddingBits(code: Int)

    public var description: String {
        switch self {
        case .invalidBitCount(let bitCount): "bit count must be positive, got \(bitCount)"
        case .lengthNotMultiple(let length, let unit): "\(length) values do not split into rows of \(unit)"
        case .invalidBinaryValue(let position, let value): "value \(value) at position \(position) is neither 0 nor 1"
        case .nonZeroPaddingBits(let code): "code \(code) has bits set above the bit count in its last word"
        }
    }
}

/// Binary codes packed 64 bits to a word, one row of ``wordsPerCode`` words per code.
///
/// Bit `j` of a code is bit `j % 64` of word `j / 64` (little-endian bit order, the same bytes as
/// FAISS's `uint8` codes on a little-endian machine). Unused high bits of the last word are always
/// zero, so the Hamming distance is `popcount(a XOR b)` summed over words.
///
/// **Shape:** `words [count × wordsPerCode]`, row-major.
///
/// Conversions: from `Bool` (`true` = 1), from {0, 1} values, and from real values by sign, where
/// `x >= 0` gives 1 and `x < 0` gives 0 (so `+0.0` and `-0.0` give 1, and NaN gives 0); back to `Bool`
/// and to ±1 (`1 → +1`, `0 → -1`).
public struct PackedCodes: Equatable, Sendable {
    /// Bits per code.
    public let bitCount: Int
    /// 64-bit words per code: `⌈bitCount / 64⌉`.
    public let wordsPerCode: Int
    /// The words of all codes, row-major.
    public private(set) var words: [UInt64]

    /// The number of codes.
    public var count: Int { words.count / wordsPerCode }

    /// The mask of the used bits of a code's last word.
    var lastWordMask: UInt64 { bitCount % 64 == 0 ? ~0 : (1 << UInt64(bitCount % 64)) - 1 }

    /// Creates an empty set of codes of `bitCount` bits (`bitCount > 0`).
    public init(bitCount: Int) {
        precondition(bitCount > 0, "PackedCodes: bitCount must be positive, got \(bitCount)")
        self.bitCount = bitCount
        self.wordsPerCode = (bitCount + 63) / 64
        self.words = []
    }

    /// Creates codes from raw row-major words, checking them.
    ///
    /// - Throws: ``PackedCodesError/invalidBitCount(_:)``, ``PackedCodesError/lengthNotMultiple(length:of:)`` when
    ///   `words.count` is not a multiple of ``wordsPerCode``, ``PackedCodesError/nonZeroPaddingBits(code:)`` when a
    ///   code has a bit set at or above `bitCount`.
    public init(words: [UInt64], bitCount: Int) throws {
        guard bitCount > 0 else { throw PackedCodesError.invalidBitCount(bitCount) }
        self.init(bitCount: bitCount)
        guard words.count % wordsPerCode == 0 else { throw PackedCodesError.lengthNotMultiple(length: words.count, of: wordsPerCode) }
        let mask = lastWordMask
        if mask != ~0 {
            var code = 0
            for index in stride(from: wordsPerCode - 1, to: words.count, by: wordsPerCode) {
                if words[index] & ~mask != 0 { throw PackedCodesError.nonZeroPaddingBits(code: code) }
                code += 1
            }
        }
        self.words = words
    }

    /// Creates codes from raw words already known to be valid (internal: skips the padding check).
    init(uncheckedWords words: [UInt64], bitCount: Int) {
        self.init(bitCount: bitCount)
        self.words = words
    }

    /// Packs codes given as rows of bits (`true` = 1), each of length `bitCount`.
    public init(bits: [[Bool]], bitCount: Int) {
        self.init(bitCount: bitCount)
        words.reserveCapacity(bits.count * wordsPerCode)
        for code in bits { append(bits: code) }
    }

    /// Packs codes given as one flat row-major array of bits, `bitCount` per code.
    ///
    /// **Shape:** `bits [count × bitCount]` → `count` codes.
    public init(bits: [Bool], bitCount: Int) {
        self.init(bitCount: bitCount)
        precondition(bits.count % bitCount == 0, "PackedCodes: \(bits.count) bits do not split into codes of \(bitCount)")
        bits.withUnsafeBufferPointer { b in pack(count: bits.count / bitCount) { b[$0] } }
    }

    /// Packs real-valued codes by sign, one flat row-major array: `x >= 0` → 1, else 0 (NaN → 0).
    ///
    /// Typical input: the `tanh` or `sign` outputs of a hashing layer, `[count, bitCount]`, as ±1.
    ///
    /// **Shape:** `values [count × bitCount]` → `count` codes.
    public init(signs values: [Float], bitCount: Int) {
        self.init(bitCount: bitCount)
        precondition(values.count % bitCount == 0, "PackedCodes: \(values.count) values do not split into codes of \(bitCount)")
        values.withUnsafeBufferPointer { v in pack(count: values.count / bitCount) { v[$0] >= 0 } }
    }

    /// Packs real-valued codes given as rows, by sign: `x >= 0` → 1, else 0 (NaN → 0).
    public init(signs rows: [[Float]], bitCount: Int) {
        self.init(bitCount: bitCount)
        words.reserveCapacity(rows.count * wordsPerCode)
        for row in rows { append(bits: row.map { $0 >= 0 }) }
    }

    /// Packs {0, 1} codes given as one flat row-major array of bytes.
    ///
    /// **Shape:** `values [count × bitCount]` → `count` codes.
    /// - Throws: ``PackedCodesError/invalidBinaryValue(position:value:)`` for a value other than 0 or 1,
    ///   ``PackedCodesError/lengthNotMultiple(length:of:)``, ``PackedCodesError/invalidBitCount(_:)``.
    public init(binary values: [UInt8], bitCount: Int) throws {
        guard bitCount > 0 else { throw PackedCodesError.invalidBitCount(bitCount) }
        guard values.count % bitCount == 0 else { throw PackedCodesError.lengthNotMultiple(length: values.count, of: bitCount) }
        if let position = values.firstIndex(where: { $0 > 1 }) {
            throw PackedCodesError.invalidBinaryValue(position: position, value: Double(values[position]))
        }
        self.init(bitCount: bitCount)
        values.withUnsafeBufferPointer { v in pack(count: values.count / bitCount) { v[$0] == 1 } }
    }

    /// Packs {0, 1} codes given as one flat row-major array of floats (exactly 0 or 1).
    ///
    /// **Shape:** `values [count × bitCount]` → `count` codes.
    /// - Throws: as the `[UInt8]` form.
    public init(binary values: [Float], bitCount: Int) throws {
        guard bitCount > 0 else { throw PackedCodesError.invalidBitCount(bitCount) }
        guard values.count % bitCount == 0 else { throw PackedCodesError.lengthNotMultiple(length: values.count, of: bitCount) }
        if let position = values.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw PackedCodesError.invalidBinaryValue(position: position, value: Double(values[position]))
        }
        self.init(bitCount: bitCount)
        values.withUnsafeBufferPointer { v in pack(count: values.count / bitCount) { v[$0] == 1 } }
    }

    /// Packs `count` codes whose bits are `isSet(code * bitCount + bit)`.
    private mutating func pack(count: Int, _ isSet: (Int) -> Bool) {
        let wordsPerCode = wordsPerCode, bitCount = bitCount
        var packed = [UInt64](repeating: 0, count: count * wordsPerCode)
        packed.withUnsafeMutableBufferPointer { out in
            for code in 0..<count {
                let base = code * bitCount
                for bit in 0..<bitCount where isSet(base + bit) {
                    out[code * wordsPerCode + bit >> 6] |= 1 << UInt64(bit & 63)
                }
            }
        }
        words = packed
    }

    /// `count` codes of `bitCount` uniformly random bits from a seeded SplitMix64 stream: the same codes
    /// for the same seed on every platform. For tests and benchmarks.
    public static func random(count: Int, bitCount: Int, seed: UInt64) -> PackedCodes {
        var codes = PackedCodes(bitCount: bitCount)
        var state = seed
        let mask = codes.lastWordMask
        var words = [UInt64](repeating: 0, count: count * codes.wordsPerCode)
        for index in words.indices {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            words[index] = z ^ (z >> 31)
            if index % codes.wordsPerCode == codes.wordsPerCode - 1 { words[index] &= mask }
        }
        codes.words = words
        return codes
    }

    // MARK: - Rows and bits

    /// The words of code `index`.
    public subscript(index: Int) -> ArraySlice<UInt64> {
        precondition(index >= 0 && index < count, "PackedCodes: code \(index) out of range 0..<\(count)")
        return words[index * wordsPerCode..<(index + 1) * wordsPerCode]
    }

    /// The codes `range` as a new set.
    public subscript(range: Range<Int>) -> PackedCodes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "PackedCodes: codes \(range) out of range 0..<\(count)")
        return PackedCodes(uncheckedWords: Array(words[range.lowerBound * wordsPerCode..<range.upperBound * wordsPerCode]), bitCount: bitCount)
    }

    /// The codes at `positions`, in that order, as a new set.
    public func rows(_ positions: [Int]) -> PackedCodes {
        var selected: [UInt64] = []
        selected.reserveCapacity(positions.count * wordsPerCode)
        for position in positions { selected.append(contentsOf: self[position]) }
        return PackedCodes(uncheckedWords: selected, bitCount: bitCount)
    }

    /// Bit `bit` of code `index`.
    public func bit(_ bit: Int, ofCode index: Int) -> Bool {
        precondition(index >= 0 && index < count && bit >= 0 && bit < bitCount, "PackedCodes: bit \(bit) of code \(index) out of range")
        return words[index * wordsPerCode + bit >> 6] >> UInt64(bit & 63) & 1 == 1
    }

    /// Code `index` as bits (`true` = 1).
    public func bools(ofCode index: Int) -> [Bool] {
        let row = self[index]
        return (0..<bitCount).map { row[row.startIndex + $0 >> 6] >> UInt64($0 & 63) & 1 == 1 }
    }

    /// Code `index` as ±1 (`1 → +1`, `0 → -1`).
    public func signs(ofCode index: Int) -> [Float] { bools(ofCode: index).map { $0 ? 1 : -1 } }

    /// All codes as one flat row-major array of bits. **Shape:** `[count × bitCount]`.
    public func allBools() -> [Bool] { (0..<count).flatMap { bools(ofCode: $0) } }

    /// All codes as one flat row-major array of ±1. **Shape:** `[count × bitCount]`.
    public func allSigns() -> [Float] { (0..<count).flatMap { signs(ofCode: $0) } }

    // MARK: - Appending

    /// Appends one code given as bits.
    public mutating func append(bits: [Bool]) {
        precondition(bits.count == bitCount, "PackedCodes: code of \(bits.count) bits, expected \(bitCount)")
        var row = [UInt64](repeating: 0, count: wordsPerCode)
        for (j, bit) in bits.enumerated() where bit { row[j >> 6] |= 1 << UInt64(j & 63) }
        words.append(contentsOf: row)
    }

    /// Appends the codes of `other`, which must have the same bit count.
    public mutating func append(contentsOf other: PackedCodes) {
        precondition(other.bitCount == bitCount, "PackedCodes: appending \(other.bitCount)-bit codes to \(bitCount)-bit codes")
        words.append(contentsOf: other.words)
    }

    // MARK: - Distances

    /// The Hamming distance between code `index` here and code `otherIndex` of `other`.
    public func distance(_ index: Int, to other: PackedCodes, _ otherIndex: Int) -> Int {
        precondition(other.bitCount == bitCount, "PackedCodes: \(other.bitCount)-bit codes against \(bitCount)-bit codes")
        var result: UInt32 = 0
        self[index].withUnsafeBufferPointer { a in
            other[otherIndex].withUnsafeBufferPointer { b in
                hamming_distances(a.baseAddress!, b.baseAddress!, 1, wordsPerCode, &result)
            }
        }
        return Int(result)
    }

    /// Hamming distances from code `queryIndex` of `queries` to every code here, with the kernel
    /// ``HammingKernel/best`` for this CPU.
    ///
    /// **Shape:** one query → `[count]`.
    public func distances(to queries: PackedCodes, queryIndex: Int) -> [UInt32] {
        precondition(queries.bitCount == bitCount, "PackedCodes: \(queries.bitCount)-bit queries against \(bitCount)-bit codes")
        precondition(queryIndex >= 0 && queryIndex < queries.count, "PackedCodes: query \(queryIndex) out of range 0..<\(queries.count)")
        let count = count
        guard count > 0 else { return [] }
        return [UInt32](unsafeUninitializedCapacity: count) { d, initialized in
            queries.words.withUnsafeBufferPointer { q in
                words.withUnsafeBufferPointer { c in
                    hamming_distances(q.baseAddress! + queryIndex * wordsPerCode, c.baseAddress!, count, wordsPerCode, d.baseAddress!)
                }
            }
            initialized = count
        }
    }
}

import TensorCore

/// The deterministic random choices behind splits, batching, augmentation and colour digits.
///
/// Every random choice in `Datasets` goes through these helpers, seeded from a user's seed mixed
/// with a *stream* (what the choice is for) and coordinates (a class, an epoch, a batch, an
/// image). Each choice therefore depends only on its own coordinates: the order of epoch 7 does
/// not depend on whether epochs 0–6 were run, and one class's split does not depend on another's.
///
/// The shuffle and the bounded integers are written here rather than taken from the standard
/// library (`shuffled(using:)`, `Int.random(in:using:)`), whose algorithms may change between
/// Swift versions: a seed gives the same splits and orders on every toolchain.
enum SeededSampling {
    /// What a random choice is for; mixed into the seed so that streams never coincide.
    enum Stream: UInt64 {
        case perClassSplit = 1
        case officialValidation = 2
        case epochOrder = 3
        case augmentation = 4
        case colorDigits = 5
        case pairedSource = 6
        case pairedTarget = 7
        case multiDigits = 8
    }

    /// SplitMix64's finaliser: a bijective mix of 64 bits.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A seed derived from `seed`, a stream and coordinates; different inputs give unrelated seeds.
    static func derivedSeed(_ seed: UInt64, _ stream: Stream, _ coordinates: [Int] = []) -> UInt64 {
        var state = mix(seed ^ mix(stream.rawValue))
        for coordinate in coordinates {
            state = mix(state ^ mix(UInt64(bitPattern: Int64(coordinate)) &+ 0x632B_E59B_D9B4_E019))
        }
        return state
    }

    /// A generator for one stream and coordinates.
    static func generator(seed: UInt64, _ stream: Stream, _ coordinates: [Int] = []) -> SeededGenerator {
        SeededGenerator(seed: derivedSeed(seed, stream, coordinates))
    }

    /// A uniform integer in `0..<bound`, without bias (Lemire's multiply-and-reject method).
    ///
    /// - Precondition: `bound > 0`.
    static func uniformIndex(below bound: Int, using generator: inout SeededGenerator) -> Int {
        precondition(bound > 0, "uniformIndex: bound \(bound) is not positive")
        let range = UInt64(bound)
        var product = generator.next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = generator.next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// Shuffles in place (Fisher–Yates, from the end).
    static func shuffle<Element>(_ elements: inout [Element], using generator: inout SeededGenerator) {
        guard elements.count > 1 else { return }
        for position in stride(from: elements.count - 1, to: 0, by: -1) {
            let other = uniformIndex(below: position + 1, using: &generator)
            if other != position {
                elements.swapAt(position, other)
            }
        }
    }

    /// A shuffled copy.
    static func shuffled<Element>(_ elements: [Element], using generator: inout SeededGenerator) -> [Element] {
        var copy = elements
        shuffle(&copy, using: &generator)
        return copy
    }
}

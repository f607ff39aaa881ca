/// Seeded random and mutated inputs for the fuzz tests of file readers: every reader must return or
/// throw its own error type for each of them, never trap.
public enum FuzzInputs {
    /// Applies one to four random edits to `bytes`: a bit flipped, a byte replaced, a byte removed or a
    /// byte inserted. An empty input stays empty.
    public static func mutate(_ bytes: inout [UInt8], using generator: inout SplitMix64) {
        for _ in 0..<Int.random(in: 1...4, using: &generator) where !bytes.isEmpty {
            let position = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: bytes[position] ^= UInt8(1) << UInt8.random(in: 0...7, using: &generator)
            case 1: bytes[position] = UInt8.random(in: 0...255, using: &generator)
            case 2: bytes.remove(at: position)
            default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: position)
            }
        }
    }

    /// `count` copies of `input`, each with one to four random edits (see ``mutate(_:using:)``).
    public static func mutations(of input: [UInt8], seed: UInt64, count: Int) -> [[UInt8]] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            var mutant = input
            mutate(&mutant, using: &generator)
            return mutant
        }
    }

    /// `count` strings of 0 to `maximumLength` random bytes, the `i`-th behind `prefixes[i % prefixes.count]`,
    /// so that some get past a reader's magic number.
    public static func randomInputs(seed: UInt64, count: Int, prefixes: [[UInt8]] = [[]], maximumLength: Int) -> [[UInt8]] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { index in
            let length = Int.random(in: 0...maximumLength, using: &generator)
            return prefixes[index % prefixes.count] + generator.bytes(count: length)
        }
    }
}

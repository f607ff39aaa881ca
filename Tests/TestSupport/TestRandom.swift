/// SplitMix64 (Steele, Lea and Flood, 2014): the tests' small seeded generator, so that random and
/// fuzz inputs repeat exactly from run to run.
///
/// The tests keep their own generator rather than TensorCore's `SeededGenerator` (xoshiro256**) so
/// that their inputs never change when the library's generator does. Every test that needs seeded
/// random input uses this one.
///
/// ```swift
/// var generator = SplitMix64(seed: 7)
/// let noise = generator.bytes(count: 100)
/// let length = Int.random(in: 0...160, using: &generator)
/// ```
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    /// Creates a generator whose whole sequence is determined by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// `count` uniformly random bytes.
    public mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

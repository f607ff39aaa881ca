import TestSupport
import Testing

/// The shared test generator and fuzz inputs in TestSupport: the fuzz tests of every target rely on
/// their streams staying exactly the same.
@Suite struct TestRandomTests {
    @Test func splitMix64MatchesTheReferenceStream() {
        // The first outputs of the reference splitmix64.c (Vigna) for seed 0.
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(generator.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func sameSeedSameInputs() {
        var first = SplitMix64(seed: 42)
        var second = SplitMix64(seed: 42)
        #expect(first.bytes(count: 64) == second.bytes(count: 64))
        let input = Array(UInt8(0)..<UInt8(40))
        #expect(FuzzInputs.mutations(of: input, seed: 9, count: 20) == FuzzInputs.mutations(of: input, seed: 9, count: 20))
        #expect(FuzzInputs.mutations(of: input, seed: 9, count: 20) != FuzzInputs.mutations(of: input, seed: 10, count: 20))
    }

    /// The Levenshtein distance: the fewest single-byte substitutions, insertions and deletions.
    func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    @Test func mutationsMakeOneToFourSingleByteEdits() {
        #expect(editDistance([1, 2, 3], [1, 3]) == 1)
        #expect(editDistance([1, 2, 3], [9, 1, 2, 4]) == 2)
        #expect(editDistance([], [5, 6]) == 2)
        let input = Array(UInt8(0)..<UInt8(100))
        let mutants = FuzzInputs.mutations(of: input, seed: 3, count: 300)
        #expect(mutants.count == 300)
        let distances = mutants.map { editDistance($0, input) }
        #expect(distances.allSatisfy { $0 <= 4 })
        #expect(distances.filter { $0 == 0 }.count < 10)
        #expect(Set(distances) == [0, 1, 2, 3, 4] || Set(distances) == [1, 2, 3, 4])
        #expect(Set(mutants.map(\.count)).count > 3)
        #expect(FuzzInputs.mutations(of: [], seed: 1, count: 5) == Array(repeating: [], count: 5))
    }

    @Test func randomInputsFollowTheirPrefixes() {
        let prefixes: [[UInt8]] = [[], [0xAB, 0xCD]]
        let inputs = FuzzInputs.randomInputs(seed: 5, count: 50, prefixes: prefixes, maximumLength: 10)
        for (index, input) in inputs.enumerated() {
            let prefix = prefixes[index % 2]
            #expect(input.starts(with: prefix))
            #expect(input.count - prefix.count <= 10)
        }
        #expect(Set(inputs.map(\.count)).count > 5)
    }
}

import Foundation
import TestSupport
import Testing

@testable import Datasets

/// Seeded random and mutated inputs fed to every reader: each must return or throw a
/// ``DatasetError``, never crash, hang or throw anything else.
@Suite("Fuzzing")
struct FuzzTests {
    /// Runs a reader on an input and counts whether it succeeded or threw a ``DatasetError``.
    static func feed(_ input: [UInt8], to reader: ([UInt8]) throws -> Void, counts: inout (succeeded: Int, failed: Int)) {
        do {
            try reader(input)
            counts.succeeded += 1
        } catch is DatasetError {
            counts.failed += 1
        } catch {
            Issue.record("A reader threw \(error), which is not a DatasetError, for input \(input.prefix(32))")
        }
    }

    static let gzipHeader: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 0xFF]

    @Test("Zlib survives random and mutated streams")
    func zlib() {
        var counts = (succeeded: 0, failed: 0)
        let valid = Zlib.compress(Array("The quick brown fox jumps over the lazy dog. ".utf8) + Array(0..<200), format: .gzip)
        let inputs =
            FuzzInputs.randomInputs(seed: 1, count: 1_500, prefixes: [[], Self.gzipHeader, [0x78, 0x9C]], maximumLength: 160)
            + FuzzInputs.mutations(of: valid, seed: 2, count: 1_500)
        for input in inputs {
            Self.feed(input, to: { _ = try Zlib.decompress($0, source: "fuzz", maximumSize: 1 << 20) }, counts: &counts)
        }
        #expect(counts.failed > 0)
    }

    @Test("The PNG decoder survives random and mutated files")
    func png() {
        var counts = (succeeded: 0, failed: 0)
        let pixels = (0..<(9 * 6 * 3)).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let valid = TestPNG.encode(width: 9, height: 6, colorType: 2, pixels: pixels, idatPieces: 3)
        let headerChunk = PNGDecoder.signature + TestPNG.chunk("IHDR", TestPNG.header(width: 4, height: 4, colorType: 0))
        var inputs = FuzzInputs.randomInputs(seed: 3, count: 1_500, prefixes: [[], PNGDecoder.signature, headerChunk], maximumLength: 160)
        inputs += FuzzInputs.mutations(of: valid, seed: 4, count: 1_500)
        // Mutations behind valid CRCs reach the header checks, inflation and unfiltering.
        var generator = SplitMix64(seed: 5)
        let filtered = TestPNG.filter(pixels: pixels, width: 9, height: 6, bytesPerPixel: 3, filters: [0, 1, 2, 3, 4])
        for header in FuzzInputs.mutations(of: TestPNG.header(width: 9, height: 6, colorType: 2), seed: 6, count: 500) {
            inputs.append(TestPNG.assemble(header: header, compressed: Zlib.compress(filtered)))
        }
        for data in FuzzInputs.mutations(of: filtered, seed: 7, count: 500) {
            let compressed =
                Int.random(in: 0..<2, using: &generator) == 0
                ? Zlib.compress(data) : FuzzInputs.mutations(of: Zlib.compress(filtered), seed: generator.next(), count: 1)[0]
            inputs.append(
                TestPNG.assemble(
                    header: TestPNG.header(width: 9, height: 6, colorType: 2), compressed: compressed, idatPieces: 2))
        }
        for input in inputs {
            Self.feed(input, to: { _ = try PNGDecoder(alphaHandling: .drop).decode($0, source: "fuzz") }, counts: &counts)
        }
        #expect(counts.failed > 0 && counts.succeeded > 0)
    }

    @Test("The IDX reader survives random and mutated files, plain and gzipped")
    func idx() {
        var counts = (succeeded: 0, failed: 0)
        let valid = IDXArray(dimensions: [2, 3, 5], unsignedBytes: Array(0..<30)).encoded()
        var inputs = FuzzInputs.randomInputs(
            seed: 8, count: 1_500, prefixes: [[], [0, 0, 8, 1], [0, 0, 0x0D, 3], Self.gzipHeader], maximumLength: 160)
        inputs += FuzzInputs.mutations(of: valid, seed: 9, count: 1_000)
        inputs += FuzzInputs.mutations(of: Zlib.compress(valid, format: .gzip), seed: 10, count: 500)
        inputs += FuzzInputs.mutations(of: valid, seed: 11, count: 500).map { Zlib.compress($0, format: .gzip) }
        for input in inputs {
            Self.feed(input, to: { _ = try IDXReader.read($0, source: "fuzz").floatValues() }, counts: &counts)
        }
        #expect(counts.failed > 0 && counts.succeeded > 0)
    }

    @Test("The one-hot label reader survives random bytes")
    func oneHotLabels() {
        var counts = (succeeded: 0, failed: 0)
        var generator = SplitMix64(seed: 12)
        for _ in 0..<1_000 {
            let rows = Int.random(in: 0...5, using: &generator)
            let input: [UInt8] =
                (0..<(rows * 10)).map { _ -> UInt8 in UInt8.random(in: 0...2, using: &generator) == 0 ? 1 : 0 }
                + (Int.random(in: 0..<4, using: &generator) == 0 ? [1] : [])
            Self.feed(input, to: { _ = try MNIST.readOneHotLabels($0, imageCount: rows, source: "fuzz") }, counts: &counts)
        }
        #expect(counts.failed > 0 && counts.succeeded > 0)
    }
}

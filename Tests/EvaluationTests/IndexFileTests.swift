import Evaluation
import Foundation
import TestSupport
import Testing

/// CRC-32C bit by bit (reflected polynomial 0x82F63B78): an independent check of the C table/SSE 4.2 code.
private func referenceCRC32C(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var crc: UInt32 = ~0
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }
    return ~crc
}

/// Rewrites the checksum of a (modified) file so that only the check under test can fail.
private func resealed(_ bytes: [UInt8]) -> [UInt8] {
    var bytes = bytes
    let crc = referenceCRC32C(bytes[0..<40] + bytes[48...])
    for i in 0..<4 { bytes[40 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
    return bytes
}

private func setUInt32(_ bytes: inout [UInt8], at offset: Int, _ value: UInt32) {
    for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
}

private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("hamming-index-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite("Hamming index file")
struct IndexFileTests {
    let codes = PackedCodes.random(count: 37, bitCount: 70, seed: 5)

    @Test func headerLayoutAndChecksum() {
        let bytes = HammingIndexFile(kind: .multiIndex, substringCount: 3, codes: codes).serialized()
        #expect(bytes.count == 48 + 37 * 2 * 8)
        #expect(Array(bytes[0..<8]) == HammingIndexFile.magic)
        #expect(bytes[8] == 1 && bytes[12] == 1 && bytes[16] == 70 && bytes[20] == 3 && bytes[24] == 37 && Int(bytes[32]) == (37 * 16) % 256)
        let stored = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[40 + $1]) << (8 * UInt32($1)) }
        #expect(stored == referenceCRC32C(bytes[0..<40] + bytes[48...]))
        #expect(referenceCRC32C(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test func roundTripsThroughDisk() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let queries = PackedCodes.random(count: 4, bitCount: 70, seed: 6)

        let flatURL = directory.appendingPathComponent("flat.hidx")
        let flat = FlatHammingIndex(codes)
        try flat.write(to: flatURL)
        let loadedFlat = try FlatHammingIndex(contentsOf: flatURL, expectedBitCount: 70)
        #expect(loadedFlat.codes == codes)
        #expect(loadedFlat.search(queries, k: 5) == flat.search(queries, k: 5))

        let mihURL = directory.appendingPathComponent("mih.hidx")
        let mih = MultiIndexHashing(codes, substringCount: 5)
        try mih.write(to: mihURL)
        let loaded = try MultiIndexHashing(contentsOf: mihURL)
        #expect(loaded.substringCount == 5)
        #expect(loaded.codes == codes)
        #expect(loaded.search(queries, radius: 30) == flat.search(queries, radius: 30))
        let file = try HammingIndexFile.read(from: mihURL)
        #expect(file.kind == .multiIndex && file.substringCount == 5 && file.codes == codes)

        // Overwriting is atomic and leaves no temporary files behind.
        try FlatHammingIndex(codes[0..<3]).write(to: flatURL)
        #expect(try FlatHammingIndex(contentsOf: flatURL).count == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["flat.hidx", "mih.hidx"])

        // An empty index is a valid file too.
        try FlatHammingIndex(PackedCodes(bitCount: 64)).write(to: flatURL)
        #expect(try FlatHammingIndex(contentsOf: flatURL).count == 0)
    }

    @Test func ioErrorsAreReported() throws {
        let missing = URL(fileURLWithPath: "/nonexistent-directory-\(UUID().uuidString)/index.hidx")
        #expect(throws: HammingIndexFileError.self) { try FlatHammingIndex(codes).write(to: missing) }
        do {
            _ = try HammingIndexFile.read(from: missing)
            Issue.record("reading a missing file must throw")
        } catch let error as HammingIndexFileError {
            guard case .io = error else { Issue.record("expected .io, got \(error)"); return }
        }
    }

    @Test func truncatedFilesAreReportedAtEveryLength() {
        let bytes = HammingIndexFile(kind: .flat, substringCount: 0, codes: codes[0..<3]).serialized()
        for length in 0..<bytes.count {
            let expected =
                length < 48
                ? HammingIndexFileError.truncated(expectedBytes: 48, actualBytes: length)
                : HammingIndexFileError.truncated(expectedBytes: bytes.count, actualBytes: length)
            #expect(throws: expected) { try HammingIndexFile(bytes: Array(bytes.prefix(length))) }
        }
        #expect(throws: HammingIndexFileError.trailingBytes(expectedBytes: bytes.count, actualBytes: bytes.count + 1)) {
            try HammingIndexFile(bytes: bytes + [0])
        }
    }

    @Test func headerErrorsAreSpecific() {
        let bytes = HammingIndexFile(kind: .flat, substringCount: 0, codes: codes).serialized()

        var magic = bytes
        magic[1] = UInt8(ascii: "X")
        #expect(throws: HammingIndexFileError.wrongMagic) { try HammingIndexFile(bytes: magic) }
        #expect(throws: HammingIndexFileError.wrongMagic) { try HammingIndexFile(bytes: Array("PK\u{3}\u{4}".utf8)) }

        var version = bytes
        setUInt32(&version, at: 8, 2)
        #expect(throws: HammingIndexFileError.unsupportedVersion(found: 2, supported: 1)) { try HammingIndexFile(bytes: version) }

        #expect(throws: HammingIndexFileError.bitCountMismatch(expected: 64, found: 70)) { try HammingIndexFile(bytes: bytes, expectedBitCount: 64) }
        #expect(throws: HammingIndexFileError.bitCountMismatch(expected: 128, found: 70)) {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("mismatch-\(UUID().uuidString).hidx")
            defer { try? FileManager.default.removeItem(at: url) }
            try FlatHammingIndex(codes).write(to: url)
            _ = try MultiIndexHashing(contentsOf: url, expectedBitCount: 128)
        }

        var kind = bytes
        setUInt32(&kind, at: 12, 7)
        #expect(throws: HammingIndexFileError.corruptHeader("unknown index kind 7")) { try HammingIndexFile(bytes: kind) }

        var zeroBits = bytes
        setUInt32(&zeroBits, at: 16, 0)
        #expect(throws: HammingIndexFileError.corruptHeader("bit count 0")) { try HammingIndexFile(bytes: zeroBits) }

        var substrings = bytes
        setUInt32(&substrings, at: 12, 1)
        setUInt32(&substrings, at: 20, 71)
        #expect(throws: HammingIndexFileError.corruptHeader("71 substrings of 70-bit codes")) { try HammingIndexFile(bytes: substrings) }

        var count = bytes
        count[24] = 38
        #expect(throws: HammingIndexFileError.corruptHeader("payload of 592 bytes for 38 codes of 70 bits")) { try HammingIndexFile(bytes: count) }
    }

    @Test func corruptionIsCaughtByTheChecksum() throws {
        let bytes = HammingIndexFile(kind: .flat, substringCount: 0, codes: codes).serialized()
        for position in [9, 16, 21, 30, 40, 48, 100, bytes.count - 1] {
            var corrupt = bytes
            corrupt[position] ^= 0x10
            #expect(throws: (any Error).self) { try HammingIndexFile(bytes: corrupt) }
        }
        var payload = bytes
        payload[200] ^= 1
        do {
            _ = try HammingIndexFile(bytes: payload)
            Issue.record("a flipped payload bit must be caught")
        } catch let error as HammingIndexFileError {
            guard case .checksumMismatch = error else { Issue.record("expected a checksum mismatch, got \(error)"); return }
        }
        // Bits above the bit count with a valid checksum: the codes themselves are refused.
        var padding = bytes
        padding[48 + 8 + 7] |= 0x80  // high bit of code 0's second word
        #expect(throws: HammingIndexFileError.invalidCodes(.nonZeroPaddingBits(code: 0))) { try HammingIndexFile(bytes: resealed(padding)) }
    }

    /// Random bytes, random mutations and truncations of valid files, and random header fields:
    /// every input is either read or refused with an error; nothing traps.
    @Test func fuzzNeverCrashes() {
        var generator = SplitMix64(seed: 0x5EED)
        func next() -> UInt64 { generator.next() }
        let valid = [
            HammingIndexFile(kind: .flat, substringCount: 0, codes: codes).serialized(),
            HammingIndexFile(kind: .multiIndex, substringCount: 4, codes: PackedCodes.random(count: 9, bitCount: 256, seed: 1)).serialized(),
            HammingIndexFile(kind: .flat, substringCount: 0, codes: PackedCodes(bitCount: 3)).serialized(),
        ]
        var accepted = 0, refused = 0
        for iteration in 0..<3_000 {
            var bytes: [UInt8]
            switch iteration % 4 {
            case 0:  // pure noise, sometimes behind a valid magic and version
                bytes = (0..<Int(next() % 400)).map { _ in UInt8(truncatingIfNeeded: next()) }
                if next() % 2 == 0 && bytes.count >= 12 {
                    bytes.replaceSubrange(0..<8, with: HammingIndexFile.magic)
                    setUInt32(&bytes, at: 8, 1)
                }
            case 1:  // a few bytes flipped, replaced, removed or inserted
                bytes = valid[Int(next() % 3)]
                FuzzInputs.mutate(&bytes, using: &generator)
            case 2:  // truncated or extended
                bytes = valid[Int(next() % 3)]
                bytes = next() % 2 == 0 ? Array(bytes.prefix(Int(next() % UInt64(bytes.count)))) : bytes + [UInt8(truncatingIfNeeded: next())]
            default:  // random header fields, checksum made valid so the later checks run
                bytes = valid[Int(next() % 3)]
                for offset in [12, 16, 20, 24, 28, 32, 36] where next() % 3 == 0 {
                    setUInt32(&bytes, at: offset, UInt32(truncatingIfNeeded: next() % 4 == 0 ? next() : next() % 300))
                }
                bytes = resealed(bytes)
            }
            do {
                let file = try HammingIndexFile(bytes: bytes)
                accepted += 1
                _ = FlatHammingIndex(file.codes).search(file.codes, k: 2)
            } catch is HammingIndexFileError {
                refused += 1
            } catch {
                Issue.record("unexpected error type \(error)")
            }
        }
        #expect(accepted + refused == 3_000)
        #expect(refused > 2_000)
    }
}

import Foundation
import Testing

@testable import Datasets

/// The data directory the fetch scripts fill, for the tests that compare with fetched files.
private let dataDirectory = DataDirectory.resolved()

private func fetched(_ relativePath: String) -> Bool {
    FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent(relativePath).path)
}

@Suite("Embedded digits")
struct EmbeddedDigitsTests {
    @Test("optdigits: 1,797 images 8×8, the class counts scikit-learn reports, pixels scaled to 0–255")
    func optdigits() throws {
        let digits = try EmbeddedDigits.optdigits()
        #expect(digits.count == 1_797)
        #expect(digits.imageShape == [1, 8, 8])
        #expect(digits.labelHistogram() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
        #expect(digits.images.max() == 255)
        let allowed = Set((0...16).map(Optdigits.scaledPixel))
        #expect(Set(digits.images).isSubset(of: allowed))
        // The first row of digits.csv: 0,0,5,13,9,1,0,0, label 0.
        #expect(Array(digits.image(at: 0).prefix(8)) == [0, 0, 5, 13, 9, 1, 0, 0].map(Optdigits.scaledPixel))
        #expect(digits.labels.prefix(4) == [0, 1, 2, 3])
    }

    @Test("mfeat-pix: 2,000 images 16×15, 200 per class, pixels scaled to 0–255")
    func multipleFeatures() throws {
        let digits = try EmbeddedDigits.multipleFeatures()
        #expect(digits.count == 2_000)
        #expect(digits.imageShape == [1, 16, 15])
        #expect(digits.labelHistogram() == [Int](repeating: 200, count: 10))
        #expect(digits.labels == (0..<2_000).map { $0 / 200 })
        #expect(Set(digits.images) == Set((0...6).map(MultipleFeatures.scaledPixel)))
    }

    @Test("the documented scalings")
    func scaling() {
        #expect((0...16).map(Optdigits.scaledPixel) == [0, 16, 32, 48, 64, 80, 96, 112, 128, 143, 159, 175, 191, 207, 223, 239, 255])
        #expect((0...6).map(MultipleFeatures.scaledPixel) == [0, 43, 85, 128, 170, 213, 255])
    }

    @Test("every embedded file is gzip and decompresses; a missing one names the script that writes it")
    func embeddedFiles() throws {
        for name in EmbeddedDigits.files {
            #expect(try !EmbeddedDigits.content(of: name).isEmpty, "\(name)")
        }
        expectDatasetError("missingFile", containing: ["make_embedded_data.py"]) { try EmbeddedDigits.content(of: "no-such-file.gz") }
    }

    @Test("a corrupted or cut embedded file throws: gzip's CRC-32 and length, checked by zlib, stand in for a checksum of ours")
    func corruptedFiles() throws {
        let stored = try EmbeddedDigits.storedBytes(of: EmbeddedDigits.optdigitsImages).bytes
        let content = try EmbeddedDigits.decompressedContent(stored, source: "optdigits.gz")
        // A flipped byte anywhere in the deflate payload (after the 10-byte header, before the
        // 8-byte trailer) is caught, by inflate itself or by the CRC-32.
        for position in stride(from: 10, to: stored.count - 8, by: 1_009) {
            var flipped = stored
            flipped[position] ^= 0x20
            expectDatasetError("corruptCompressedData", containing: ["optdigits.gz"]) {
                try EmbeddedDigits.decompressedContent(flipped, source: "optdigits.gz")
            }
        }
        // In a stored (level 0) gzip file a flipped payload byte still inflates, so only the
        // CRC-32 can catch it; a wrong length field is caught by the length check.
        let plain = Zlib.compress(content, format: .gzip, level: 0)
        #expect(try EmbeddedDigits.decompressedContent(plain, source: "plain.gz") == content)
        var flippedPixel = plain
        flippedPixel[plain.count / 2] ^= 0x01
        expectDatasetError("corruptCompressedData", containing: ["plain.gz", "incorrect data check"]) {
            try EmbeddedDigits.decompressedContent(flippedPixel, source: "plain.gz")
        }
        var wrongLength = plain
        wrongLength[plain.count - 4] ^= 0x01
        expectDatasetError("corruptCompressedData", containing: ["plain.gz", "incorrect length check"]) {
            try EmbeddedDigits.decompressedContent(wrongLength, source: "plain.gz")
        }
        // Cut anywhere, inside the trailer included.
        for length in [0, 1, 2, 10, 11, stored.count / 2, stored.count - 8, stored.count - 4, stored.count - 1] {
            expectDatasetError("truncated", containing: ["optdigits.gz"]) {
                try EmbeddedDigits.decompressedContent(Array(stored.prefix(length)), source: "optdigits.gz")
            }
        }
        expectDatasetError("wrongMagic", containing: ["raw.idx", "gzip"]) {
            try EmbeddedDigits.decompressedContent(content, source: "raw.idx")
        }
    }

    @Test("both sets at a common size, and combined")
    func commonSize() throws {
        let (optdigits, multipleFeatures) = try EmbeddedDigits.commonSize(ImageSize(side: 16))
        #expect(optdigits.imageShape == [1, 16, 16])
        #expect(multipleFeatures.imageShape == [1, 16, 16])
        let combined = try EmbeddedDigits.combined()
        #expect(combined.count == 3_797)
        #expect(combined.imageShape == [1, 28, 28])
        #expect(combined.name == "embedded-digits")
        #expect(combined.labels.suffix(2_000) == ArraySlice(multipleFeatures.labels))
    }

    @Test("the loaders reject a file with the wrong number of rows, and scale as documented")
    func csvErrors() throws {
        let oneRow = Array((String(repeating: "0,", count: 64) + "3\n").utf8)
        expectDatasetError("unexpectedShape", containing: ["1797 rows", "found 1 rows"]) {
            try Optdigits.parse(csv: oneRow, source: "digits.csv")
        }
        let header = (0..<241).map(String.init).joined(separator: ",") + "\n"
        let outOfRange = Array((header + String(repeating: "7,", count: 240) + "3\n").utf8)
        expectDatasetError("unexpectedShape", containing: ["2000 rows"]) {
            try MultipleFeatures.parse(csv: outOfRange, source: "mfeat-pix.csv")
        }
        // The parsers agree with the documented scaling on the fetched files' format.
        let row = (0...16).map(String.init) + [String](repeating: "0", count: 47) + ["4"]
        let rows = Array(String(repeating: row.joined(separator: ",") + "\n", count: 1_797).utf8)
        let parsed = try Optdigits.parse(csv: rows, source: "digits.csv")
        #expect(Array(parsed.image(at: 0).prefix(17)) == (0...16).map(Optdigits.scaledPixel))
        #expect(parsed.labels.allSatisfy { $0 == 4 })
    }

    @Test("missing fetched files name their fetch scripts")
    func missingFiles() throws {
        try withTemporaryDirectory { directory in
            expectDatasetError("missingFile", containing: ["Scripts/fetch-optdigits.sh"]) { try Optdigits.load(dataDirectory: directory) }
            expectDatasetError("missingFile", containing: ["Scripts/fetch-mfeat.sh"]) { try MultipleFeatures.load(dataDirectory: directory) }
        }
    }

    @Test("the fetched optdigits equals the embedded copy", .enabled(if: fetched(Optdigits.relativePath)))
    func fetchedOptdigits() throws {
        #expect(try Optdigits.load() == EmbeddedDigits.optdigits())
    }

    @Test("the fetched mfeat-pix equals the embedded copy", .enabled(if: fetched(MultipleFeatures.relativePath)))
    func fetchedMultipleFeatures() throws {
        #expect(try MultipleFeatures.load() == EmbeddedDigits.multipleFeatures())
    }
}

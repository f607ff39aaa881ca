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
    @Test("SHA-256 matches the standard test vectors")
    func sha256() {
        #expect(SHA256.hexDigest([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hexDigest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256.hexDigest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000))
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

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

    @Test("every embedded file's content matches its recorded checksum")
    func checksums() throws {
        for file in EmbeddedDigits.files {
            _ = try EmbeddedDigits.verifiedContent(of: file)
        }
        let wrong = EmbeddedDigits.File(name: EmbeddedDigits.optdigitsLabels.name, contentSHA256: String(repeating: "0", count: 64))
        expectDatasetError("checksumMismatch", containing: ["SHA-256"]) { try EmbeddedDigits.verifiedContent(of: wrong) }
        let missing = EmbeddedDigits.File(name: "no-such-file.gz", contentSHA256: "")
        expectDatasetError("missingFile", containing: ["make_embedded_data.py"]) { try EmbeddedDigits.verifiedContent(of: missing) }
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

import Foundation
import TestSupport
import Testing

@testable import Datasets

@Suite("JPEG decoder")
struct JPEGTests {
    struct Image: Decodable {
        var file: String
        var mode: String
        var width: Int
        var height: Int
        var channels: Int
        var pixels: [Int]
    }

    struct Photo: Decodable {
        struct Sample: Decodable {
            var row: Int
            var column: Int
            var rgb: [Int]
        }
        var file: String
        var byteCount: Int
        var width: Int
        var height: Int
        var channelMeans: [Double]
        var samples: [Sample]
    }

    struct Fixtures: Decodable {
        var tolerance: Int
        var images: [Image]
        var photos: [Photo]
    }

    static let fixtures: Fixtures = try! FormatFixtures.decode("jpeg.json")
    static let fileNames = Array(Set(fixtures.images.map(\.file))).sorted()

    /// The largest difference between two sample arrays.
    static func largestDifference(_ decoded: [UInt8], _ expected: [Int]) -> Int {
        zip(decoded, expected).map { abs(Int($0) - $1) }.max() ?? 0
    }

    @Test("Baseline, progressive, arithmetic, restart-marker, grayscale and CMYK files match Pillow's decoding within ±2")
    func fixtures() throws {
        #expect(Self.fileNames.count >= 11)
        var largest = 0
        for fixture in Self.fixtures.images {
            let decoder = JPEGDecoder(colorMode: fixture.mode == "gray" ? .grayscale : .rgb)
            let image = try decoder.decode(contentsOf: FormatFixtures.url(fixture.file))
            #expect(image.width == fixture.width && image.height == fixture.height, "\(fixture.file)")
            #expect(image.channels == fixture.channels, "\(fixture.file) \(fixture.mode)")
            #expect(image.pixels.count == fixture.pixels.count, "\(fixture.file)")
            let difference = Self.largestDifference(image.pixels, fixture.pixels)
            #expect(difference <= Self.fixtures.tolerance, "\(fixture.file) \(fixture.mode): differs by \(difference)")
            largest = max(largest, difference)
        }
        print("JPEG fixtures: largest difference from Pillow's decoding \(largest)")
        let gray = try JPEGDecoder(colorMode: .original).decode(contentsOf: FormatFixtures.url("jpeg-gray-baseline.jpg"))
        let color = try JPEGDecoder(colorMode: .original).decode(contentsOf: FormatFixtures.url("jpeg-rgb-progressive.jpg"))
        #expect(gray.channels == 1 && color.channels == 3)
        let replicated = try JPEGDecoder().decode(contentsOf: FormatFixtures.url("jpeg-gray-baseline.jpg"))
        #expect(replicated.channels == 3 && replicated.pixels.enumerated().allSatisfy { $1 == gray.pixels[$0 / 3] })
        let cmykGray = try JPEGDecoder(colorMode: .grayscale).decode(contentsOf: FormatFixtures.url("jpeg-cmyk-adobe.jpg"))
        #expect(cmykGray.channels == 1 && cmykGray.width == 17)
    }

    static let photoDirectory = DataDirectory.resolved().appendingPathComponent("raw/sklearn/datasets/images")

    @Test(
        "scikit-learn's photos (china.jpg, flower.jpg), when fetched into the data directory",
        .enabled(if: FileManager.default.fileExists(atPath: JPEGTests.photoDirectory.appendingPathComponent("china.jpg").path)))
    func photos() throws {
        #expect(!Self.fixtures.photos.isEmpty)
        for photo in Self.fixtures.photos {
            let url = Self.photoDirectory.appendingPathComponent(photo.file)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            let bytes = try DataFile.read(url)
            #expect(bytes.count == photo.byteCount, "\(photo.file) is not the file the fixture describes")
            let image = try JPEGDecoder().decode(bytes, source: url.path)
            #expect(image.width == photo.width && image.height == photo.height && image.channels == 3)
            for channel in 0..<3 {
                let mean =
                    stride(from: channel, to: image.pixels.count, by: 3).reduce(0.0) { $0 + Double(image.pixels[$1]) }
                    / Double(image.width * image.height)
                #expect(abs(mean - photo.channelMeans[channel]) < 0.5, "\(photo.file) channel \(channel) mean \(mean)")
            }
            for sample in photo.samples {
                for channel in 0..<3 {
                    let value = Int(image[row: sample.row, column: sample.column, channel: channel])
                    #expect(abs(value - sample.rgb[channel]) <= Self.fixtures.tolerance, "\(photo.file) at \(sample.row), \(sample.column)")
                }
            }
        }
    }

    @Test("Decoding from many threads at once gives the same images")
    func concurrentDecoding() throws {
        let bytes = try DataFile.read(FormatFixtures.url("jpeg-rgb-progressive.jpg"))
        let reference = try JPEGDecoder().decode(bytes)
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 64)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            var corrupt = bytes
            if index % 2 == 1 { corrupt.removeLast(40) }  // half of them fail, through the error path
            let decoded = try? JPEGDecoder().decode(corrupt)
            results[index] = index % 2 == 0 ? decoded == reference : decoded == nil
        }
        #expect(results.allSatisfy { $0 })
    }

    // MARK: - Robustness

    /// The offset, code and total size (marker included) of each marker segment before the first scan's data.
    static func segments(_ bytes: [UInt8]) -> [(offset: Int, marker: UInt8, size: Int)] {
        var result: [(Int, UInt8, Int)] = []
        var offset = 2
        while offset + 4 <= bytes.count, bytes[offset] == 0xFF {
            let marker = bytes[offset + 1]
            let size = 2 + (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]))
            result.append((offset, marker, size))
            if marker == 0xDA { break }
            offset += size
        }
        return result
    }

    static func fixture(_ name: String) -> [UInt8] { try! DataFile.read(FormatFixtures.url(name)) }

    @Test("Every truncation of every fixture throws `truncated`; tolerant decoding accepts a cut scan")
    func truncation() {
        for name in Self.fileNames {
            let bytes = Self.fixture(name)
            for length in 0..<bytes.count {
                let error = expectDatasetError("truncated", containing: ["cut.jpg"]) {
                    try JPEGDecoder().decode(Array(bytes.prefix(length)), source: "cut.jpg")
                }
                if error == nil {
                    Issue.record("\(name) cut to \(length) bytes")
                    break
                }
            }
        }
        let bytes = Self.fixture("jpeg-rgb-baseline-420.jpg")
        let tolerant = JPEGDecoder(rejectsCorruptData: false)
        let image = try? tolerant.decode(Array(bytes.prefix(bytes.count - 30)))
        #expect(image?.width == 17 && image?.height == 11)
    }

    @Test("Wrong magic, lying lengths, unsupported frames and invalid tables: a clear error, libjpeg's own message past the signature")
    func structuralErrors() throws {
        let baseline = Self.fixture("jpeg-rgb-baseline-420.jpg")
        let segments = Self.segments(baseline)
        func offset(of marker: UInt8) -> Int { segments.first { $0.marker == marker }!.offset }
        func patched(_ position: Int, _ bytes: [UInt8]) -> [UInt8] {
            var copy = baseline
            copy.replaceSubrange(position..<(position + bytes.count), with: bytes)
            return copy
        }
        let frame = offset(of: 0xC0)
        let scan = offset(of: 0xDA)
        let table = offset(of: 0xC4)
        let quantization = offset(of: 0xDB)
        // The messages are libjpeg-turbo's (jerror.h), which CJPEGSafe passes on.
        let cases: [([UInt8], String, String)] = [
            (PNGDecoder.signature, "wrongMagic", "FF D8"),
            (Array("GIF89a".utf8), "wrongMagic", "47 49 46 38"),
            (patched(quantization + 2, [0xFF, 0xF0]), "invalidFormat", "libjpeg: Bogus DQT index 15"),  // reads on into the next marker
            (patched(quantization + 2, [0, 1]), "invalidFormat", "libjpeg: Bogus marker length"),
            (patched(frame + 4, [12]), "invalidFormat", "Unsupported JPEG data precision 12"),
            (patched(frame + 1, [0xC3]), "invalidFormat", "Unsupported JPEG process: SOF type 0xc3"),
            (patched(frame + 5, [0, 0]), "invalidFormat", "Empty JPEG image"),
            (patched(frame + 5, [0xFF, 0xFF]), "invalidFormat", "Maximum supported image dimension is 65500 pixels"),
            (patched(frame + 11, [0x50]), "invalidFormat", "Bogus sampling factors"),
            (patched(frame + 11, [0x32, 0x00, 0x02, 0x22]), "invalidFormat", "Fractional sampling not implemented"),
            (patched(frame + 12, [4]), "invalidFormat", "Quantization table 0x04 was not defined"),
            (patched(frame + 13, [1]), "invalidFormat", "Invalid component ID 2 in SOS"),  // two components with identifier 1
            (patched(scan + 5, [9]), "invalidFormat", "Invalid component ID 9 in SOS"),
            (patched(scan + 6, [0x22]), "invalidFormat", "Huffman table 0x02 was not defined"),
            (patched(scan + 6, [0x05]), "invalidFormat", "Huffman table 0x05 was not defined"),
            (patched(table + 4, [0x05]), "invalidFormat", "Bogus DHT index 5"),
            (patched(table + 5, [2, 0, 4]), "invalidFormat", "Bogus Huffman table definition"),
            (patched(quantization + 4, [0x03]), "invalidFormat", "Quantization table 0x00 was not defined"),
            (patched(scan, [0xFF, 0xC8]), "invalidFormat", "Unsupported JPEG process: SOF type 0xc8"),
            (patched(frame, [0xFF, 0xD9]), "invalidFormat", "JPEG datastream contains no image"),
            (patched(2, [0x00]), "corruptCompressedData", "extraneous bytes before marker"),
            (Array(baseline[0..<scan]) + [0xFF, 0xD9], "invalidFormat", "missing SOS marker"),
            (
                Array(baseline[0..<scan]) + Array(baseline[frame..<(frame + segments.first { $0.marker == 0xC0 }!.size)]) + Array(baseline[scan...]),
                "invalidFormat", "two SOF markers"
            ),
            (Array(baseline[0..<2]) + Array(baseline[scan...]), "invalidFormat", "SOS before SOF"),
        ]
        for (bytes, expectedCase, fragment) in cases {
            expectDatasetError(expectedCase, containing: ["bad.jpg", fragment]) { try JPEGDecoder().decode(bytes, source: "bad.jpg") }
        }
        // DC symbols above 15 are rejected only when a scan uses the table.
        var dcTable = baseline
        let dcSymbols = table + 5 + 16
        dcTable[dcSymbols] = 16
        expectDatasetError("invalidFormat", containing: ["Bogus Huffman table definition"]) { try JPEGDecoder().decode(dcTable) }
        // Progressive scans with parameters libjpeg refuses.
        let progressive = Self.fixture("jpeg-rgb-progressive.jpg")
        let progressiveScan = Self.segments(progressive).first { $0.marker == 0xDA }!
        var badProgression = progressive
        badProgression[progressiveScan.offset + progressiveScan.size - 2] = 5  // Se ≠ 0 in a DC scan
        expectDatasetError("invalidFormat", containing: ["Invalid progressive parameters Ss=0 Se=5"]) { try JPEGDecoder().decode(badProgression) }
        // Stray bytes are only a warning for libjpeg: accepted when tolerant.
        #expect(try JPEGDecoder(rejectsCorruptData: false).decode(patched(2, [0x00])).width == 17)
        // The pixel limit.
        expectDatasetError("invalidFormat", containing: ["17 × 11 pixels", "limit of 100"]) {
            try JPEGDecoder(maximumPixelCount: 100).decode(baseline)
        }
    }

    @Test("Corrupt entropy-coded data: an error in strict mode, a best-effort image otherwise")
    func corruptScanData() throws {
        let baseline = Self.fixture("jpeg-rgb-baseline-444.jpg")
        let scan = Self.segments(baseline).first { $0.marker == 0xDA }!
        let dataStart = scan.offset + scan.size
        var strictFailures = 0
        for position in stride(from: dataStart, to: baseline.count - 2, by: 7)
        where baseline[position] != 0xFF && baseline[position - 1] != 0xFF {
            var corrupt = baseline
            corrupt[position] = corrupt[position] == 0x00 ? 0x7F : 0x00
            do {
                _ = try JPEGDecoder().decode(corrupt, source: "corrupt.jpg")
            } catch let error as DatasetError {
                #expect(error.caseName == "corruptCompressedData", "\(error)")
                #expect(error.description.contains("libjpeg: "), "\(error)")
                strictFailures += 1
                let image = try JPEGDecoder(rejectsCorruptData: false).decode(corrupt)
                #expect(image.width == 17 && image.height == 11)
            }
        }
        #expect(strictFailures > 0)
    }

    @Test("libjpeg's own fatal errors and warnings come back as DatasetErrors through CJPEGSafe's longjmp, never exit()")
    func libjpegErrorManager() throws {
        let baseline = Self.fixture("jpeg-rgb-baseline-420.jpg")
        let frame = Self.segments(baseline).first { $0.marker == 0xC0 }!.offset
        func decodeUnchecked(_ bytes: [UInt8], _ decoder: JPEGDecoder = JPEGDecoder()) throws -> DecodedImage {
            try bytes.withUnsafeBytes { try decoder.decodeWithLibjpeg($0, source: "raw.jpg") }
        }
        var twelveBit = baseline
        twelveBit[frame + 4] = 12
        var empty = baseline
        empty.replaceSubrange((frame + 5)..<(frame + 7), with: [0, 0])
        let cases: [([UInt8], String)] = [
            ([], "libjpeg: "),
            (Array("not a jpeg".utf8), "Not a JPEG file"),
            (twelveBit, "precision 12"),
            (empty, "Empty JPEG image"),
            (Array(baseline.prefix(200)), "libjpeg: "),
        ]
        for (bytes, fragment) in cases {
            do {
                _ = try decodeUnchecked(bytes)
                Issue.record("libjpeg accepted \(bytes.prefix(16))")
            } catch let error as DatasetError {
                #expect(error.description.contains(fragment) && error.description.contains("raw.jpg"), "\(error)")
            }
        }
        #expect(try decodeUnchecked(baseline).width == 17)
        // A cut scan: libjpeg only warns, and the warning longjmps out in strict mode, as `truncated`.
        let cut = Array(baseline.prefix(baseline.count - 30))
        expectDatasetError("truncated", containing: ["raw.jpg", "libjpeg: Premature end of JPEG file"]) { try decodeUnchecked(cut) }
        #expect(try decodeUnchecked(cut, JPEGDecoder(rejectsCorruptData: false)).width == 17)
        // The pixel limit, checked in C before jpeg_start_decompress.
        expectDatasetError("invalidFormat", containing: ["raw.jpg", "17 × 11 pixels", "limit of 100"]) {
            try decodeUnchecked(baseline, JPEGDecoder(maximumPixelCount: 100))
        }
        // CMYK comes back as four channels from C and is converted in Swift, inverted or not.
        let cmyk = Self.fixture("jpeg-cmyk-adobe.jpg")
        #expect(try decodeUnchecked(cmyk) == JPEGDecoder().decode(cmyk))
        // Without the signature check, the same pixels as with it.
        #expect(try decodeUnchecked(baseline) == JPEGDecoder().decode(baseline))
    }

    @Test("Random and mutated files: only DatasetErrors, never a crash, with and without the signature check", arguments: [0, 1, 2])
    func fuzz(part: Int) {
        var counts = (succeeded: 0, failed: 0)
        switch part {
        case 0:
            let prefixes: [[UInt8]] = [[], [0xFF, 0xD8], [0xFF, 0xD8, 0xFF], [0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x43, 0x00]]
            FormatFixtures.feed(FuzzInputs.randomInputs(seed: 600, count: 600, prefixes: prefixes, maximumLength: 200), counts: &counts) {
                _ = try JPEGDecoder().decode($0, source: "fuzz")
            }
            for (index, name) in Self.fileNames.enumerated() {
                let mutants = FuzzInputs.mutations(of: Self.fixture(name), seed: 610 + UInt64(index), count: 60)
                FormatFixtures.feed(mutants, counts: &counts) { _ = try JPEGDecoder(colorMode: .original).decode($0, source: "fuzz") }
            }
        case 1:
            for (index, name) in Self.fileNames.enumerated() {
                let mutants = FuzzInputs.mutations(of: Self.fixture(name), seed: 630 + UInt64(index), count: 60)
                FormatFixtures.feed(mutants, counts: &counts) {
                    _ = try JPEGDecoder(colorMode: .grayscale, rejectsCorruptData: false).decode($0, source: "fuzz")
                }
            }
        default:
            // Straight into libjpeg, skipping the signature check: every fatal error must take
            // the error manager's path.
            var inputs = FuzzInputs.randomInputs(seed: 650, count: 150, prefixes: [[0xFF, 0xD8, 0xFF]], maximumLength: 200)
            for (index, name) in Self.fileNames.enumerated() {
                inputs += FuzzInputs.mutations(of: Self.fixture(name), seed: 660 + UInt64(index), count: 40)
            }
            FormatFixtures.feed(inputs, counts: &counts) { bytes in
                _ = try bytes.withUnsafeBytes {
                    try JPEGDecoder(rejectsCorruptData: bytes.count % 2 == 0).decodeWithLibjpeg($0, source: "fuzz")
                }
            }
        }
        #expect(counts.failed > 0 && counts.succeeded > 0, "\(counts)")
    }
}

import Foundation
import Testing

@testable import Datasets

@Suite("PNG decoder")
struct PNGDecoderTests {
    /// A deterministic image with enough variation that every filter matters.
    static func samplePixels(width: Int, height: Int, channels: Int, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        return (0..<(width * height * channels)).map { index in
            // Mix smooth gradients (small filtered residuals) with noise (wrap-around arithmetic).
            let smooth = UInt8(truncatingIfNeeded: index * 3 + (index / (width * channels)) * 5)
            return index % 5 == 0 ? UInt8.random(in: 0...255, using: &generator) : smooth
        }
    }

    @Test(
        "Round trip with every filter type",
        arguments: [(UInt8(0), 1), (2, 3), (4, 2), (6, 4)])
    func roundTrip(colorType: UInt8, channels: Int) throws {
        for (width, height) in [(1, 1), (1, 7), (5, 1), (17, 11), (64, 33)] {
            let pixels = Self.samplePixels(width: width, height: height, channels: channels, seed: UInt64(width * height))
            for filters: [UInt8] in [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4], [4, 3, 2, 1, 0, 3]] {
                let png = TestPNG.encode(
                    width: width, height: height, colorType: colorType, pixels: pixels, filters: filters, idatPieces: 3)
                let image = try PNGDecoder().decode(png, source: "roundtrip.png")
                #expect(image.width == width && image.height == height && image.channels == channels)
                #expect(image.pixels == pixels, "filters \(filters), \(width) × \(height), colour type \(colorType)")
            }
        }
    }

    @Test("Average and Paeth filters on a hand-computed example")
    func handComputedFilters() throws {
        // Gray 3 × 2. Row 0 uses Average (above is zero): 10, 20+5=25, 30+12=42.
        // Row 1 uses Paeth: pixel 0 predicts from above (10) → 11; pixel 1: a=11, b=25, c=10,
        // p=26, distances 15, 1, 16 → b=25 → 27; pixel 2: a=27, b=42, c=25, p=44, distances 17, 2, 19 → 42 → 45.
        let filtered: [UInt8] = [3, 10, 20, 30, 4, 1, 2, 3]
        let png = TestPNG.assemble(
            header: TestPNG.header(width: 3, height: 2, colorType: 0), compressed: Zlib.compress(filtered))
        let image = try PNGDecoder().decode(png)
        #expect(image.pixels == [10, 25, 42, 11, 27, 45])
        #expect(PNGDecoder.paethPredictor(left: 5, above: 5, upperLeft: 5) == 5)
        #expect(PNGDecoder.paethPredictor(left: 10, above: 20, upperLeft: 15) == 15)
        #expect(PNGDecoder.paethPredictor(left: 50, above: 60, upperLeft: 100) == 50)
        #expect(PNGDecoder.paethPredictor(left: 100, above: 30, upperLeft: 90) == 30)
        #expect(PNGDecoder.paethPredictor(left: 0, above: 255, upperLeft: 255) == 0)
        // Ties: left before upper-left (distances 5, 10, 5), above before upper-left (10, 5, 5).
        #expect(PNGDecoder.paethPredictor(left: 10, above: 25, upperLeft: 20) == 10)
        #expect(PNGDecoder.paethPredictor(left: 25, above: 10, upperLeft: 20) == 10)
    }

    @Test("Files written by Pillow decode to the pattern they were made from")
    func pillowFixtures() throws {
        for (png, width, height, channels) in [
            (PillowFixtures.grayscale, 13, 11, 1), (PillowFixtures.rgb, 13, 11, 3), (PillowFixtures.rgba, 9, 7, 4),
        ] {
            let image = try PNGDecoder().decode(png, source: "pillow.png")
            #expect(image.width == width && image.height == height && image.channels == channels)
            for y in 0..<height {
                for x in 0..<width {
                    for channel in 0..<channels {
                        #expect(
                            image[row: y, column: x, channel: channel]
                                == PillowFixtures.expectedSample(x: x, y: y, channel: channel))
                    }
                }
            }
        }
    }

    @Test("Alpha is kept by default and dropped on request")
    func alphaHandling() throws {
        let rgba: [UInt8] = [1, 2, 3, 255, 4, 5, 6, 128]
        let png = TestPNG.encode(width: 2, height: 1, colorType: 6, pixels: rgba)
        #expect(try PNGDecoder().decode(png).pixels == rgba)
        let dropped = try PNGDecoder(alphaHandling: .drop).decode(png)
        #expect(dropped.channels == 3 && dropped.pixels == [1, 2, 3, 4, 5, 6])
        let grayAlpha = TestPNG.encode(width: 2, height: 1, colorType: 4, pixels: [9, 200, 8, 100])
        let gray = try PNGDecoder(alphaHandling: .drop).decode(grayAlpha)
        #expect(gray.channels == 1 && gray.pixels == [9, 8])
        let rgb = TestPNG.encode(width: 1, height: 1, colorType: 2, pixels: [7, 8, 9])
        #expect(try PNGDecoder(alphaHandling: .drop).decode(rgb).pixels == [7, 8, 9])
    }

    @Test("Ancillary chunks are skipped; a PLTE chunk in an RGB file is allowed")
    func ancillaryChunks() throws {
        let text = TestPNG.chunk("tEXt", Array("Comment\0made by a test".utf8))
        let palette = TestPNG.chunk("PLTE", [0, 0, 0, 255, 255, 255])
        let png = TestPNG.encode(width: 2, height: 2, colorType: 2, pixels: Array(1...12), extraChunks: [text, palette])
        #expect(try PNGDecoder().decode(png).pixels == Array(1...12))
    }

    @Test("Reads a PNG file from disk")
    func readsFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("image.png")
            try write(TestPNG.encode(width: 3, height: 2, colorType: 0, pixels: Array(0..<6)), to: url)
            #expect(try PNGDecoder().decode(contentsOf: url).pixels == Array(0..<6))
            expectDatasetError("missingFile", containing: ["absent.png", "not found"]) {
                try PNGDecoder().decode(contentsOf: directory.appendingPathComponent("absent.png"))
            }
        }
    }

    // MARK: - Errors

    @Test("A wrong signature names what was found")
    func wrongSignature() {
        expectDatasetError("wrongMagic", containing: ["photo.jpg", "89 50 4E 47", "FF D8 FF E0"]) {
            try PNGDecoder().decode([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0x4A, 0x46, 0x49, 0x46], source: "photo.jpg")
        }
        expectDatasetError("wrongMagic") { try PNGDecoder().decode([1, 2, 3]) }
    }

    @Test("Every truncation of a PNG file throws `truncated`")
    func truncation() {
        let png = TestPNG.encode(width: 6, height: 5, colorType: 2, pixels: Array(0..<90), idatPieces: 3)
        for length in 0..<png.count {
            let error = expectDatasetError("truncated", containing: ["cut.png"]) {
                try PNGDecoder().decode(Array(png.prefix(length)), source: "cut.png")
            }
            if error == nil { break }
        }
    }

    @Test("Too little or too much image data")
    func imageDataSize() {
        let header = TestPNG.header(width: 4, height: 4, colorType: 0)
        let short = TestPNG.assemble(header: header, compressed: Zlib.compress([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]))
        expectDatasetError("truncated", containing: ["inflates to 10 bytes", "needs 20"]) {
            try PNGDecoder().decode(short)
        }
        let long = TestPNG.assemble(header: header, compressed: Zlib.compress(Array(repeating: 0, count: 21)))
        expectDatasetError("invalidFormat", containing: ["more than 20 bytes"]) { try PNGDecoder().decode(long) }
        let noData = PNGDecoder.signature + TestPNG.chunk("IHDR", header) + TestPNG.chunk("IEND", [])
        expectDatasetError("invalidFormat", containing: ["no IDAT"]) { try PNGDecoder().decode(noData) }
    }

    @Test("A bad CRC names the chunk")
    func badChecksum() {
        var png = TestPNG.encode(width: 2, height: 2, colorType: 0, pixels: [1, 2, 3, 4])
        png[png.count - 20] ^= 0x01  // Inside the IDAT data.
        expectDatasetError("checksumMismatch", containing: ["bad.png", "IDAT", "CRC"]) {
            try PNGDecoder().decode(png, source: "bad.png")
        }
        var headerBroken = TestPNG.encode(width: 2, height: 2, colorType: 0, pixels: [1, 2, 3, 4])
        headerBroken[29] ^= 0x80  // The stored CRC of IHDR.
        expectDatasetError("checksumMismatch", containing: ["IHDR"]) { try PNGDecoder().decode(headerBroken) }
    }

    @Test("Unsupported bit depths, colour types and interlacing are named")
    func unsupportedFeatures() {
        func file(_ header: [UInt8]) -> [UInt8] {
            TestPNG.assemble(header: header, compressed: Zlib.compress([0, 0]))
        }
        expectDatasetError("unsupportedBitDepth", containing: ["bit depth 16"]) {
            try PNGDecoder().decode(file(TestPNG.header(width: 1, height: 1, bitDepth: 16, colorType: 0)))
        }
        expectDatasetError("unsupportedBitDepth", containing: ["bit depth 1"]) {
            try PNGDecoder().decode(file(TestPNG.header(width: 1, height: 1, bitDepth: 1, colorType: 0)))
        }
        expectDatasetError("unsupportedColorType", containing: ["colour type 3"]) {
            try PNGDecoder().decode(file(TestPNG.header(width: 1, height: 1, colorType: 3)))
        }
        expectDatasetError("unsupportedInterlace", containing: ["interlace method 1"]) {
            try PNGDecoder().decode(file(TestPNG.header(width: 1, height: 1, colorType: 0, interlace: 1)))
        }
        expectDatasetError("invalidFormat", containing: ["compression method 1"]) {
            try PNGDecoder().decode(file(TestPNG.header(width: 1, height: 1, colorType: 0, compression: 1)))
        }
        expectDatasetError("invalidFormat", containing: ["image size 0 × 1"]) {
            try PNGDecoder().decode(file(TestPNG.header(width: 0, height: 1, colorType: 0)))
        }
    }

    @Test("Structural errors: unknown filter, chunk order, unknown critical chunk")
    func structuralErrors() {
        let filtered = TestPNG.filter(pixels: [1, 2, 3, 4], width: 2, height: 2, bytesPerPixel: 1, filters: [0, 5])
        let badFilter = TestPNG.assemble(
            header: TestPNG.header(width: 2, height: 2, colorType: 0), compressed: Zlib.compress(filtered))
        expectDatasetError("invalidFormat", containing: ["row 1", "filter type 5"]) {
            try PNGDecoder().decode(badFilter)
        }
        let dataFirst =
            PNGDecoder.signature + TestPNG.chunk("IDAT", Zlib.compress([0, 1]))
            + TestPNG.chunk("IEND", [])
        expectDatasetError("invalidFormat", containing: ["first chunk is IDAT"]) { try PNGDecoder().decode(dataFirst) }
        let unknown = TestPNG.encode(
            width: 1, height: 1, colorType: 0, pixels: [1], extraChunks: [TestPNG.chunk("ZZZZ", [1, 2])])
        expectDatasetError("invalidFormat", containing: ["critical chunk ZZZZ"]) { try PNGDecoder().decode(unknown) }
        let shortHeader = PNGDecoder.signature + TestPNG.chunk("IHDR", [0, 0, 0, 1]) + TestPNG.chunk("IEND", [])
        expectDatasetError("invalidFormat", containing: ["IHDR has 4 bytes"]) { try PNGDecoder().decode(shortHeader) }
    }
}

import Foundation
import Testing

@testable import Datasets

@Suite("PNG encoder")
struct PNGEncoderTests {
    @Test("What it writes decodes to the same pixels", arguments: [1, 2, 3, 4])
    func roundTrip(channels: Int) throws {
        for (width, height) in [(1, 1), (5, 3), (28, 17)] {
            let pixels = PNGDecoderTests.samplePixels(width: width, height: height, channels: channels, seed: UInt64(width * channels))
            let image = DecodedImage(width: width, height: height, channels: channels, pixels: pixels)
            for level in [0, 9] {
                let decoded = try PNGDecoder(alphaHandling: .keep).decode(PNGEncoder(compressionLevel: level).encode(image))
                #expect(decoded == image)
            }
        }
    }

    @Test("Signature, IHDR fields and chunk order are the PNG specification's")
    func layout() {
        let file = PNGEncoder().encode(DecodedImage(width: 300, height: 2, channels: 3, pixels: [UInt8](repeating: 7, count: 1800)))
        #expect(Array(file.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // IHDR: length 13, type, width 300 = 0x012C, height 2, depth 8, colour type 2 (RGB), 0, 0, 0.
        #expect(Array(file[8..<16]) == [0, 0, 0, 13] + Array("IHDR".utf8))
        #expect(Array(file[16..<29]) == [0, 0, 0x01, 0x2C, 0, 0, 0, 2, 8, 2, 0, 0, 0])
        let crc = Zlib.crc32(Array(file[12..<29]))
        #expect(Array(file[29..<33]) == [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)])
        #expect(Array(file[37..<41]) == Array("IDAT".utf8))
        // IEND: empty, with the CRC-32 of its type, AE 42 60 82.
        #expect(Array(file.suffix(12)) == [0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82])
    }
}

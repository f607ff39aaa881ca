/// An encoder for 8-bit, non-interlaced PNG images (grayscale, grayscale with alpha, RGB, RGBA):
/// the signature, `IHDR`, one zlib-compressed `IDAT` (every row with filter type 0, None) and
/// `IEND`, each chunk with its CRC-32. ``PNGDecoder`` reads what it writes back unchanged.
///
/// ```swift
/// let image = DecodedImage(width: 2, height: 1, channels: 1, pixels: [0, 255])
/// try AtomicFile.write(Data(PNGEncoder().encode(image)), to: url)
/// ```
public struct PNGEncoder: Sendable {
    /// The zlib level of the `IDAT` stream, 0 (stored) to 9 (smallest).
    public var compressionLevel: Int

    public init(compressionLevel: Int = 6) {
        precondition((0...9).contains(compressionLevel), "compressionLevel must be in 0…9, got \(compressionLevel)")
        self.compressionLevel = compressionLevel
    }

    /// The PNG file of `image`.
    ///
    /// - Precondition: the image is at least 1 × 1 (PNG has no empty images).
    public func encode(_ image: DecodedImage) -> [UInt8] {
        precondition(image.width >= 1 && image.height >= 1, "a PNG image is at least 1 × 1, got \(image.width) × \(image.height)")
        let colourType: UInt8
        switch image.channels {
        case 1: colourType = 0
        case 2: colourType = 4
        case 3: colourType = 2
        default: colourType = 6
        }
        var header: [UInt8] = []
        Self.appendBigEndian(UInt32(image.width), to: &header)
        Self.appendBigEndian(UInt32(image.height), to: &header)
        header += [8, colourType, 0, 0, 0]  // bit depth 8, deflate, adaptive filtering, no interlace

        let rowBytes = image.width * image.channels
        var filtered: [UInt8] = []
        filtered.reserveCapacity(image.height * (rowBytes + 1))
        for row in 0..<image.height {
            filtered.append(0)  // filter type None
            filtered += image.pixels[(row * rowBytes)..<((row + 1) * rowBytes)]
        }
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        Self.appendChunk("IHDR", header, to: &file)
        Self.appendChunk("IDAT", Zlib.compress(filtered, format: .zlib, level: compressionLevel), to: &file)
        Self.appendChunk("IEND", [], to: &file)
        return file
    }

    private static func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func appendChunk(_ type: String, _ data: [UInt8], to file: inout [UInt8]) {
        let typeAndData = Array(type.utf8) + data
        appendBigEndian(UInt32(data.count), to: &file)
        file += typeAndData
        appendBigEndian(Zlib.crc32(typeAndData), to: &file)
    }
}

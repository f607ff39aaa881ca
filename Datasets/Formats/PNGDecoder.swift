import Foundation

/// An image decoded into 8-bit samples.
///
/// **Shape**: `pixels` holds `height × width × channels` bytes, row-major with interleaved
/// channels: the sample of channel `c` at row `y`, column `x` is at `(y * width + x) * channels + c`.
public struct DecodedImage: Equatable, Sendable {
    /// The number of pixel columns.
    public var width: Int
    /// The number of pixel rows.
    public var height: Int
    /// The number of samples per pixel: 1 (gray), 2 (gray and alpha), 3 (RGB) or 4 (RGBA).
    public var channels: Int
    /// The samples, `height × width × channels`, row-major with interleaved channels.
    public var pixels: [UInt8]

    /// Creates an image from its dimensions and samples.
    ///
    /// - Precondition: `pixels.count == width * height * channels`.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && channels > 0, "Invalid image dimensions")
        precondition(
            pixels.count == width * height * channels,
            "An image of \(width) × \(height) × \(channels) needs \(width * height * channels) samples, got \(pixels.count)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The sample of one channel of one pixel.
    ///
    /// - Parameters:
    ///   - row: The pixel row, from 0 (top) to `height - 1`.
    ///   - column: The pixel column, from 0 (left) to `width - 1`.
    ///   - channel: The channel, from 0 to `channels - 1`.
    public subscript(row row: Int, column column: Int, channel channel: Int) -> UInt8 {
        precondition((0..<height).contains(row) && (0..<width).contains(column) && (0..<channels).contains(channel))
        return pixels[(row * width + column) * channels + channel]
    }
}

/// A decoder for 8-bit, non-interlaced PNG images: grayscale, grayscale with alpha, RGB and RGBA.
///
/// The decoder checks the signature and the CRC-32 of every chunk, reads `IHDR`, concatenates
/// the `IDAT` chunks, inflates them, and undoes all five row filters (None, Sub, Up, Average,
/// Paeth). Indexed-colour, 16-bit, sub-byte and interlaced images are rejected with a
/// ``DatasetError`` that says so; malformed input always throws and never crashes.
///
/// ```swift
/// let image = try PNGDecoder().decode(contentsOf: URL(fileURLWithPath: "digit.png"))
/// print(image.width, image.height, image.channels)
/// ```
public struct PNGDecoder: Sendable {
    /// What to do with the alpha channel of grayscale-alpha and RGBA images.
    public enum AlphaHandling: Sendable {
        /// Keep the alpha channel as the last channel (2 channels for gray, 4 for RGB).
        case keep
        /// Discard the alpha channel (1 channel for gray, 3 for RGB).
        case drop
    }

    /// The eight bytes every PNG file starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// What the decoder does with an alpha channel.
    public var alphaHandling: AlphaHandling

    /// Creates a decoder.
    ///
    /// - Parameter alphaHandling: Whether to keep or drop an alpha channel; kept by default.
    public init(alphaHandling: AlphaHandling = .keep) {
        self.alphaHandling = alphaHandling
    }

    /// Reads and decodes a PNG file.
    ///
    /// - Parameter url: The file to read.
    /// - Returns: The decoded image.
    /// - Throws: ``DatasetError`` when the file is missing, unreadable, malformed or unsupported.
    public func decode(contentsOf url: URL) throws -> DecodedImage {
        let bytes = try DataFile.read(url)
        return try decode(bytes, source: url.path)
    }

    /// Decodes PNG data held in memory.
    ///
    /// - Parameters:
    ///   - bytes: The complete PNG file.
    ///   - source: The file or description named in error messages.
    /// - Returns: The decoded image.
    /// - Throws: ``DatasetError`` when the data is malformed or uses an unsupported feature.
    public func decode(_ bytes: [UInt8], source: String = "PNG data") throws -> DecodedImage {
        let (header, compressed) = try Self.readChunks(bytes, source: source)
        let rowByteCount = header.width * header.channels
        let filteredByteCount = header.height * (rowByteCount + 1)
        let filtered = try Zlib.decompress(
            compressed, source: "\(source) (IDAT data)", sizeHint: filteredByteCount,
            maximumSize: filteredByteCount)
        guard filtered.count == filteredByteCount else {
            throw DatasetError.truncated(
                source: source,
                reason: "the image data inflates to \(filtered.count) bytes, but \(header.width) × \(header.height)"
                    + " with \(header.channels) channels needs \(filteredByteCount)")
        }
        var pixels = try Self.unfilter(
            filtered, width: header.width, height: header.height, bytesPerPixel: header.channels, source: source)
        var channels = header.channels
        if alphaHandling == .drop && (channels == 2 || channels == 4) {
            pixels = Self.droppingLastChannel(pixels, channels: channels)
            channels -= 1
        }
        return DecodedImage(width: header.width, height: header.height, channels: channels, pixels: pixels)
    }

    // MARK: - Chunks

    /// The fields of the `IHDR` chunk that the decoder uses.
    struct Header: Equatable {
        var width: Int
        var height: Int
        var channels: Int
    }

    /// Splits a PNG file into its header and its concatenated compressed image data, checking
    /// the signature, the chunk layout and every CRC.
    static func readChunks(_ bytes: [UInt8], source: String) throws -> (Header, [UInt8]) {
        guard bytes.count >= signature.count else {
            if bytes.elementsEqual(signature.prefix(bytes.count)) {
                throw DatasetError.truncated(
                    source: source, reason: "\(bytes.count) bytes is too short for the 8-byte PNG signature")
            }
            throw DatasetError.wrongMagic(
                source: source, expected: "PNG signature \(hexadecimal(signature))", found: hexadecimal(bytes))
        }
        guard bytes.prefix(signature.count).elementsEqual(signature) else {
            throw DatasetError.wrongMagic(
                source: source, expected: "PNG signature \(hexadecimal(signature))",
                found: hexadecimal(bytes.prefix(signature.count)))
        }

        var header: Header?
        var compressed: [UInt8] = []
        var offset = signature.count
        var isFirstChunk = true
        while true {
            guard bytes.count - offset >= 12 else {
                throw DatasetError.truncated(
                    source: source,
                    reason: bytes.count == offset
                        ? "the file ends at byte \(offset) without an IEND chunk"
                        : "the chunk at byte \(offset) needs at least 12 bytes, but only \(bytes.count - offset) remain")
            }
            let length = Int(bigEndianUInt32(bytes, at: offset))
            let typeBytes = bytes[(offset + 4)..<(offset + 8)]
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
                throw DatasetError.invalidFormat(
                    source: source, reason: "the chunk at byte \(offset) has an invalid type \(hexadecimal(typeBytes))")
            }
            guard length <= Int(Int32.max) else {
                throw DatasetError.invalidFormat(
                    source: source, reason: "the \(type) chunk at byte \(offset) declares a length of \(length) bytes")
            }
            guard bytes.count - offset - 12 >= length else {
                throw DatasetError.truncated(
                    source: source,
                    reason: "the \(type) chunk at byte \(offset) needs \(length + 12) bytes, but only"
                        + " \(bytes.count - offset) remain")
            }
            let dataStart = offset + 8
            let dataEnd = dataStart + length
            let storedChecksum = bigEndianUInt32(bytes, at: dataEnd)
            let computedChecksum = bytes.withUnsafeBytes {
                Zlib.crc32(UnsafeRawBufferPointer(rebasing: $0[(offset + 4)..<dataEnd]))
            }
            guard storedChecksum == computedChecksum else {
                throw DatasetError.checksumMismatch(
                    source: source, what: "the CRC of the \(type) chunk at byte \(offset)",
                    expected: hexadecimal(checksum: storedChecksum), actual: hexadecimal(checksum: computedChecksum))
            }
            if isFirstChunk && type != "IHDR" {
                throw DatasetError.invalidFormat(source: source, reason: "the first chunk is \(type), not IHDR")
            }
            isFirstChunk = false

            switch type {
            case "IHDR":
                guard header == nil else {
                    throw DatasetError.invalidFormat(source: source, reason: "a second IHDR chunk at byte \(offset)")
                }
                header = try parseHeader(bytes[dataStart..<dataEnd], source: source)
                compressed.reserveCapacity(bytes.count)
            case "IDAT":
                compressed.append(contentsOf: bytes[dataStart..<dataEnd])
            case "IEND":
                guard let header else {
                    throw DatasetError.invalidFormat(source: source, reason: "IEND before IHDR")
                }
                guard !compressed.isEmpty else {
                    throw DatasetError.invalidFormat(source: source, reason: "the file has no image data (no IDAT chunk)")
                }
                return (header, compressed)
            case "PLTE":
                break  // A suggested palette for true-colour images; indexed images are rejected in IHDR.
            default:
                // Bit 5 of the first byte is clear (an uppercase letter) for critical chunks, which a
                // decoder must understand; ancillary chunks may be skipped.
                if typeBytes.first! & 0x20 == 0 {
                    throw DatasetError.invalidFormat(
                        source: source, reason: "unknown critical chunk \(type) at byte \(offset)")
                }
            }
            offset = dataEnd + 4
        }
    }

    /// Validates the 13-byte `IHDR` chunk and returns the dimensions and channel count.
    static func parseHeader(_ data: ArraySlice<UInt8>, source: String) throws -> Header {
        guard data.count == 13 else {
            throw DatasetError.invalidFormat(source: source, reason: "IHDR has \(data.count) bytes instead of 13")
        }
        let fields = Array(data)
        let width = Int(bigEndianUInt32(fields, at: 0))
        let height = Int(bigEndianUInt32(fields, at: 4))
        let bitDepth = fields[8]
        let colorType = fields[9]
        let compressionMethod = fields[10]
        let filterMethod = fields[11]
        let interlaceMethod = fields[12]

        guard (1...Int(Int32.max)).contains(width), (1...Int(Int32.max)).contains(height) else {
            throw DatasetError.invalidFormat(source: source, reason: "invalid image size \(width) × \(height)")
        }
        let channels: Int
        switch colorType {
        case 0: channels = 1
        case 2: channels = 3
        case 4: channels = 2
        case 6: channels = 4
        default: throw DatasetError.unsupportedColorType(source: source, colorType: colorType)
        }
        guard bitDepth == 8 else {
            throw DatasetError.unsupportedBitDepth(source: source, bitDepth: bitDepth)
        }
        guard compressionMethod == 0 else {
            throw DatasetError.invalidFormat(source: source, reason: "unknown compression method \(compressionMethod)")
        }
        guard filterMethod == 0 else {
            throw DatasetError.invalidFormat(source: source, reason: "unknown filter method \(filterMethod)")
        }
        guard interlaceMethod == 0 else {
            if interlaceMethod == 1 {
                throw DatasetError.unsupportedInterlace(source: source, method: interlaceMethod)
            }
            throw DatasetError.invalidFormat(source: source, reason: "unknown interlace method \(interlaceMethod)")
        }
        let (rowBytes, rowOverflow) = width.multipliedReportingOverflow(by: channels)
        let (total, totalOverflow) = height.multipliedReportingOverflow(by: rowBytes &+ 1)
        guard !rowOverflow, !totalOverflow, total < Int(Int32.max) * 16 else {
            throw DatasetError.invalidFormat(source: source, reason: "the image \(width) × \(height) is too large")
        }
        return Header(width: width, height: height, channels: channels)
    }

    // MARK: - Filters

    /// Undoes the per-row PNG filters.
    ///
    /// **Shape**: `filtered [height × (1 + width × bytesPerPixel)]` (a filter-type byte before
    /// each row) → `[height × width × bytesPerPixel]`.
    static func unfilter(
        _ filtered: [UInt8], width: Int, height: Int, bytesPerPixel: Int, source: String
    ) throws -> [UInt8] {
        let stride = width * bytesPerPixel
        precondition(filtered.count == height * (stride + 1))
        var pixels = [UInt8](repeating: 0, count: height * stride)
        var invalidFilter: (row: Int, type: UInt8)?
        filtered.withUnsafeBufferPointer { input in
            pixels.withUnsafeMutableBufferPointer { output in
                guard let inputBase = input.baseAddress, let outputBase = output.baseAddress else { return }
                for row in 0..<height {
                    let filterType = inputBase[row * (stride + 1)]
                    let current = inputBase + row * (stride + 1) + 1
                    let result = outputBase + row * stride
                    let prior: UnsafeMutablePointer<UInt8>? = row > 0 ? result - stride : nil
                    guard
                        unfilterRow(
                            filterType, current: current, prior: prior, result: result, stride: stride,
                            bytesPerPixel: bytesPerPixel)
                    else {
                        invalidFilter = (row, filterType)
                        return
                    }
                }
            }
        }
        if let invalidFilter {
            throw DatasetError.invalidFormat(
                source: source, reason: "row \(invalidFilter.row) has unknown filter type \(invalidFilter.type)")
        }
        return pixels
    }

    /// Undoes one filter on one row; returns `false` for an unknown filter type.
    ///
    /// `prior` is the already reconstructed previous row, or `nil` for the first row, which the
    /// PNG specification treats as a row of zeros.
    @inline(__always)
    private static func unfilterRow(
        _ filterType: UInt8, current: UnsafePointer<UInt8>, prior: UnsafeMutablePointer<UInt8>?,
        result: UnsafeMutablePointer<UInt8>, stride: Int, bytesPerPixel: Int
    ) -> Bool {
        let leftEdge = min(bytesPerPixel, stride)
        switch filterType {
        case 0:  // None
            result.update(from: current, count: stride)
        case 1:  // Sub: add the byte one pixel to the left.
            result.update(from: current, count: leftEdge)
            for index in leftEdge..<stride {
                result[index] = current[index] &+ result[index - bytesPerPixel]
            }
        case 2:  // Up: add the byte above.
            if let prior {
                for index in 0..<stride {
                    result[index] = current[index] &+ prior[index]
                }
            } else {
                result.update(from: current, count: stride)
            }
        case 3:  // Average: add the floor of the mean of left and above.
            if let prior {
                for index in 0..<leftEdge {
                    result[index] = current[index] &+ (prior[index] >> 1)
                }
                for index in leftEdge..<stride {
                    let mean = (UInt16(result[index - bytesPerPixel]) + UInt16(prior[index])) >> 1
                    result[index] = current[index] &+ UInt8(truncatingIfNeeded: mean)
                }
            } else {
                result.update(from: current, count: leftEdge)
                for index in leftEdge..<stride {
                    result[index] = current[index] &+ (result[index - bytesPerPixel] >> 1)
                }
            }
        case 4:  // Paeth: add whichever of left, above, upper-left is closest to left + above - upper-left.
            if let prior {
                for index in 0..<leftEdge {
                    result[index] = current[index] &+ prior[index]
                }
                for index in leftEdge..<stride {
                    let predictor = paethPredictor(
                        left: result[index - bytesPerPixel], above: prior[index],
                        upperLeft: prior[index - bytesPerPixel])
                    result[index] = current[index] &+ predictor
                }
            } else {
                // With a zero row above, the Paeth predictor is always the left byte.
                result.update(from: current, count: leftEdge)
                for index in leftEdge..<stride {
                    result[index] = current[index] &+ result[index - bytesPerPixel]
                }
            }
        default:
            return false
        }
        return true
    }

    /// The Paeth predictor of the PNG specification (section 9.4), ties broken left, above, upper-left.
    @inline(__always)
    static func paethPredictor(left: UInt8, above: UInt8, upperLeft: UInt8) -> UInt8 {
        let estimate = Int(left) + Int(above) - Int(upperLeft)
        let distanceLeft = abs(estimate - Int(left))
        let distanceAbove = abs(estimate - Int(above))
        let distanceUpperLeft = abs(estimate - Int(upperLeft))
        if distanceLeft <= distanceAbove && distanceLeft <= distanceUpperLeft {
            return left
        }
        return distanceAbove <= distanceUpperLeft ? above : upperLeft
    }

    /// Removes the last channel of every pixel.
    static func droppingLastChannel(_ pixels: [UInt8], channels: Int) -> [UInt8] {
        let pixelCount = pixels.count / channels
        let kept = channels - 1
        return [UInt8](unsafeUninitializedCapacity: pixelCount * kept) { buffer, initializedCount in
            for pixel in 0..<pixelCount {
                for channel in 0..<kept {
                    buffer[pixel * kept + channel] = pixels[pixel * channels + channel]
                }
            }
            initializedCount = pixelCount * kept
        }
    }
}

/// Reads a big-endian 32-bit unsigned integer at a byte offset.
///
/// - Precondition: `offset + 4 <= bytes.count`.
@inline(__always)
func bigEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
        | UInt32(bytes[offset + 3])
}

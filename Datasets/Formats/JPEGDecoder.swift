import CJPEGSafe
import Foundation

/// A JPEG decoder backed by the system libjpeg (libjpeg-turbo): baseline, extended and
/// progressive JPEG, Huffman or arithmetic coded, grayscale, colour (YCbCr or RGB) or CMYK,
/// decoded into 8-bit RGB or grayscale ``DecodedImage``s.
///
/// ## Errors through `setjmp` and `longjmp`, in C
///
/// libjpeg reports a fatal error by calling the error manager's `error_exit`, which must never
/// return (the default calls `exit`). The recovery libjpeg documents is to `longjmp` out of it
/// to a `setjmp` made before decoding; Swift cannot call `setjmp`, so that part is the small C
/// target `CJPEGSafe`. `hashing_jpeg_decode` runs libjpeg on the calling thread; its
/// `error_exit` formats libjpeg's message and `longjmp`s back into `hashing_jpeg_decode`, which
/// destroys the decompressor, frees the pixels decoded so far and returns an error status; this
/// decoder turns that status into a ``DatasetError`` carrying libjpeg's message. No Swift frame
/// lies between the `setjmp` and the `longjmp`, so nothing Swift owns is skipped. Data that ends
/// early throws ``DatasetError/truncated(source:reason:)``, and the pixel limit is checked in C
/// after the header is read and before libjpeg allocates anything for the image. The only check
/// made in Swift is the two-byte signature.
///
/// In strict mode (``rejectsCorruptData``, the default) libjpeg's warnings — corrupt
/// entropy-coded data, a premature end of file, extraneous bytes — end decoding the same way
/// and throw ``DatasetError/corruptCompressedData(source:reason:)`` (``DatasetError/truncated(source:reason:)``
/// for the premature end), so a damaged image is never silently returned with grey patches;
/// turn it off to accept what libjpeg can recover.
///
/// ```swift
/// let photo = try JPEGDecoder().decode(contentsOf: URL(fileURLWithPath: "china.jpg"))
/// print(photo.width, photo.height, photo.channels)   // 640 427 3
/// ```
public struct JPEGDecoder: Sendable {
    /// The channels of the decoded image.
    public enum ColorMode: Sendable {
        /// Three channels, red, green and blue (grayscale images are replicated).
        case rgb
        /// One channel of luminance (colour images keep only their Y channel, as libjpeg computes it).
        case grayscale
        /// One channel for grayscale JPEGs, three for everything else.
        case original
    }

    /// The two bytes every JPEG file starts with: the start-of-image marker.
    public static let signature: [UInt8] = [0xFF, 0xD8]

    /// The channels of the decoded image.
    public var colorMode: ColorMode
    /// Whether libjpeg's warnings (corrupt or truncated data) are errors rather than tolerated.
    public var rejectsCorruptData: Bool
    /// The largest number of pixels (`width × height`) decoded; larger images are rejected
    /// before any memory is allocated for them.
    public var maximumPixelCount: Int

    /// Creates a decoder.
    ///
    /// - Parameters:
    ///   - colorMode: The channels of the decoded image; RGB by default.
    ///   - rejectsCorruptData: Whether libjpeg's warnings are errors; `true` by default.
    ///   - maximumPixelCount: The largest image accepted, in pixels; 2²⁷ (about 134 million) by default.
    public init(colorMode: ColorMode = .rgb, rejectsCorruptData: Bool = true, maximumPixelCount: Int = 1 << 27) {
        self.colorMode = colorMode
        self.rejectsCorruptData = rejectsCorruptData
        self.maximumPixelCount = maximumPixelCount
    }

    /// Reads and decodes a JPEG file.
    ///
    /// - Parameter url: The file to read.
    /// - Returns: The decoded image, `height × width × channels` bytes.
    /// - Throws: ``DatasetError`` when the file is missing, unreadable, malformed, unsupported or
    ///   (in strict mode) corrupt.
    public func decode(contentsOf url: URL) throws -> DecodedImage {
        try decode(DataFile.read(url), source: url.path)
    }

    /// Decodes JPEG data held in memory.
    ///
    /// - Parameters:
    ///   - bytes: The complete JPEG file.
    ///   - source: The file or description named in error messages.
    /// - Returns: The decoded image, `height × width × channels` bytes.
    /// - Throws: ``DatasetError`` when the data is malformed, unsupported or (in strict mode) corrupt.
    public func decode(_ bytes: [UInt8], source: String = "JPEG data") throws -> DecodedImage {
        // libjpeg would refuse another format too, but as a generic error; like the other
        // decoders, name a file that is not a JPEG at all with `wrongMagic`.
        guard bytes.isEmpty || bytes.starts(with: Self.signature.prefix(bytes.count)) else {
            throw DatasetError.wrongMagic(
                source: source, expected: "the JPEG start-of-image marker FF D8", found: hexadecimal(bytes.prefix(4)))
        }
        return try bytes.withUnsafeBytes { try decodeWithLibjpeg($0, source: source) }
    }

    /// Decodes data with libjpeg through `hashing_jpeg_decode`, whose error manager `longjmp`s out
    /// of libjpeg's fatal errors, and of its warnings in strict mode.
    ///
    /// Tests call this directly, skipping the signature check, to exercise the error manager.
    func decodeWithLibjpeg(_ bytes: UnsafeRawBufferPointer, source: String) throws -> DecodedImage {
        let output: hashing_jpeg_output
        switch colorMode {
        case .rgb: output = HASHING_JPEG_OUTPUT_RGB
        case .grayscale: output = HASHING_JPEG_OUTPUT_GRAY
        case .original: output = HASHING_JPEG_OUTPUT_AS_STORED
        }
        var image = hashing_jpeg_image()
        defer { hashing_jpeg_free(&image) }
        let status = hashing_jpeg_decode(
            bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, output, rejectsCorruptData ? 1 : 0,
            max(0, maximumPixelCount), &image)

        switch status {
        case HASHING_JPEG_OK:
            break
        case HASHING_JPEG_TRUNCATED:
            throw DatasetError.truncated(source: source, reason: "libjpeg: \(Self.message(of: image))")
        case HASHING_JPEG_WARNING:
            throw DatasetError.corruptCompressedData(source: source, reason: "libjpeg: \(Self.message(of: image))")
        case HASHING_JPEG_TOO_LARGE:
            throw DatasetError.invalidFormat(
                source: source,
                reason: "the image is \(image.width) × \(image.height) pixels,"
                    + " more than the decoder's limit of \(maximumPixelCount)")
        default:  // HASHING_JPEG_ERROR, HASHING_JPEG_NO_MEMORY
            throw DatasetError.invalidFormat(source: source, reason: "libjpeg: \(Self.message(of: image))")
        }
        let width = image.width
        let height = image.height
        let channels = Int(image.channels)
        let decoded = Array(UnsafeBufferPointer(start: image.pixels, count: width * height * channels))
        if channels == 4 {
            return Self.convertCMYK(
                decoded, width: width, height: height, isInverted: image.saw_Adobe_marker != 0,
                toGray: colorMode == .grayscale)
        }
        return DecodedImage(width: width, height: height, channels: channels, pixels: decoded)
    }

    /// The NUL-terminated message `hashing_jpeg_decode` left in an image.
    private static func message(of image: hashing_jpeg_image) -> String {
        withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// Converts CMYK samples to RGB (or gray): `R = (255 − C)(255 − K) / 255` and so on, with the
    /// samples inverted first when an Adobe marker says they are stored inverted (as Photoshop does).
    static func convertCMYK(_ samples: [UInt8], width: Int, height: Int, isInverted: Bool, toGray: Bool) -> DecodedImage {
        let pixelCount = width * height
        var pixels = [UInt8](repeating: 0, count: pixelCount * (toGray ? 1 : 3))
        for index in 0..<pixelCount {
            var cmyk = (0..<4).map { Int(samples[index * 4 + $0]) }
            if !isInverted { cmyk = cmyk.map { 255 - $0 } }
            // cmyk now holds 255 − ink for each channel.
            let red = (cmyk[0] * cmyk[3] + 127) / 255
            let green = (cmyk[1] * cmyk[3] + 127) / 255
            let blue = (cmyk[2] * cmyk[3] + 127) / 255
            if toGray {
                pixels[index] = UInt8((red * 19_595 + green * 38_470 + blue * 7_471 + 32_768) >> 16)
            } else {
                pixels[index * 3] = UInt8(red)
                pixels[index * 3 + 1] = UInt8(green)
                pixels[index * 3 + 2] = UInt8(blue)
            }
        }
        return DecodedImage(width: width, height: height, channels: toGray ? 1 : 3, pixels: pixels)
    }
}

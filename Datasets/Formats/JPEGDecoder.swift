import CJPEG
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A JPEG decoder backed by the system libjpeg (libjpeg-turbo): baseline, extended and
/// progressive JPEG, Huffman or arithmetic coded, grayscale, colour (YCbCr or RGB) or CMYK,
/// decoded into 8-bit RGB or grayscale ``DecodedImage``s.
///
/// ## Errors without `longjmp`
///
/// libjpeg reports a fatal error by calling the error manager's `error_exit`, which must never
/// return (the default calls `exit`). C programs `longjmp` out of it; Swift cannot `setjmp`. So
/// this decoder defends in two layers:
///
/// 1. Before libjpeg sees a byte, ``JPEGStructure`` walks the file's markers in Swift and
///    rejects every structural problem that would make libjpeg call `error_exit` (bad or
///    truncated segments, unsupported frame types, undefined or invalid tables, bad scan
///    parameters, images too large), with a ``DatasetError`` naming the marker and offset.
/// 2. libjpeg then runs on a short-lived thread of its own whose `error_exit` records libjpeg's
///    message and ends that thread with `pthread_exit`, so it never returns into libjpeg; the
///    calling thread joins it, releases libjpeg's memory with `jpeg_destroy_decompress`, and
///    throws. (This is libjpeg's documented recovery, with the thread's end in place of the
///    `longjmp`: libjpeg's state is exactly what a `longjmp` would leave.) The decoding thread
///    holds no Swift objects, so nothing leaks when it ends early.
///
/// In strict mode (``rejectsCorruptData``, the default) libjpeg's warnings — corrupt
/// entropy-coded data, a premature end of file, extraneous bytes — end decoding the same way
/// and throw ``DatasetError/corruptCompressedData(source:reason:)``, so a damaged image is never
/// silently returned with grey patches; turn it off to accept what libjpeg can recover.
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
        try bytes.withUnsafeBytes { buffer in
            let structure = try JPEGStructure(validating: buffer, source: source, strict: rejectsCorruptData)
            let (pixelCount, overflow) = structure.width.multipliedReportingOverflow(by: structure.height)
            guard !overflow && pixelCount <= maximumPixelCount else {
                throw DatasetError.invalidFormat(
                    source: source,
                    reason: "the image is \(structure.width) × \(structure.height) pixels,"
                        + " more than the decoder's limit of \(maximumPixelCount)")
            }
            return try decodeWithLibjpeg(buffer, structure: structure, source: source)
        }
    }

    /// Decodes data that has passed ``JPEGStructure`` with libjpeg, on a thread of its own.
    ///
    /// Tests call this directly with unvalidated input to exercise the error manager.
    func decodeWithLibjpeg(_ bytes: UnsafeRawBufferPointer, structure: JPEGStructure?, source: String) throws
        -> DecodedImage
    {
        let job = UnsafeMutablePointer<LibjpegJob>.allocate(capacity: 1)
        let decompress = UnsafeMutablePointer<jpeg_decompress_struct>.allocate(capacity: 1)
        let errorManager = UnsafeMutablePointer<jpeg_error_mgr>.allocate(capacity: 1)
        let message = UnsafeMutablePointer<CChar>.allocate(capacity: Int(JMSG_LENGTH_MAX) + 1)
        message.initialize(repeating: 0, count: Int(JMSG_LENGTH_MAX) + 1)
        decompress.initialize(to: jpeg_decompress_struct())
        errorManager.initialize(to: jpeg_error_mgr())
        let wantsGray = colorMode == .grayscale || (colorMode == .original && structure?.componentCount == 1)
        job.initialize(
            to: LibjpegJob(
                decompress: decompress, errorManager: errorManager, message: message,
                input: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), inputCount: bytes.count,
                wantsGray: wantsGray, treatsWarningsAsErrors: rejectsCorruptData,
                maximumPixelCount: maximumPixelCount))
        defer {
            if job.pointee.isCreated {
                jpeg_destroy_decompress(decompress)
            }
            free(job.pointee.output)
            job.deinitialize(count: 1)
            job.deallocate()
            decompress.deallocate()
            errorManager.deallocate()
            message.deallocate()
        }

        try Self.runOnOwnThread(job, source: source)

        let failure = job.pointee.failure
        if failure != .none {
            let text = String(cString: message)
            switch failure {
            case .warning:
                throw DatasetError.corruptCompressedData(source: source, reason: "libjpeg: \(text)")
            case .tooLarge:
                throw DatasetError.invalidFormat(
                    source: source,
                    reason: "the image is \(job.pointee.width) × \(job.pointee.height) pixels,"
                        + " more than the decoder's limit of \(maximumPixelCount)")
            default:
                throw DatasetError.invalidFormat(source: source, reason: "libjpeg: \(text)")
            }
        }
        let width = Int(job.pointee.width)
        let height = Int(job.pointee.height)
        let channels = Int(job.pointee.channels)
        let decoded = Array(UnsafeBufferPointer(start: job.pointee.output, count: width * height * channels))
        if channels == 4 {
            return Self.convertCMYK(
                decoded, width: width, height: height, isInverted: job.pointee.isAdobeCMYK, toGray: wantsGray)
        }
        return DecodedImage(width: width, height: height, channels: channels, pixels: decoded)
    }

    /// Runs ``libjpegWorker`` for a job on a new thread and waits for it to end, normally or
    /// through `pthread_exit` in the error manager.
    private static func runOnOwnThread(_ job: UnsafeMutablePointer<LibjpegJob>, source: String) throws {
        #if canImport(Darwin)
            var thread: pthread_t?
        #else
            var thread = pthread_t()
        #endif
        let status = pthread_create(&thread, nil, libjpegWorker, UnsafeMutableRawPointer(job))
        guard status == 0 else {
            throw DatasetError.invalidFormat(
                source: source, reason: "cannot start a thread for libjpeg: \(String(cString: strerror(status)))")
        }
        #if canImport(Darwin)
            pthread_join(thread!, nil)
        #else
            pthread_join(thread, nil)
        #endif
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

/// How a libjpeg job ended badly.
enum LibjpegFailure: Sendable {
    case none
    /// libjpeg called `error_exit`.
    case error
    /// libjpeg emitted a warning while warnings are errors.
    case warning
    /// The image turned out larger than allowed.
    case tooLarge
}

/// Everything the decoding thread reads and writes, in memory owned by the calling thread.
///
/// It holds only pointers and plain values, never a Swift object, so that ending the thread
/// with `pthread_exit` in the middle of libjpeg releases nothing that needed releasing.
struct LibjpegJob {
    var decompress: UnsafeMutablePointer<jpeg_decompress_struct>
    var errorManager: UnsafeMutablePointer<jpeg_error_mgr>
    var message: UnsafeMutablePointer<CChar>
    var input: UnsafePointer<UInt8>?
    var inputCount: Int
    var wantsGray: Bool
    var treatsWarningsAsErrors: Bool
    var maximumPixelCount: Int
    /// Set once `jpeg_CreateDecompress` has returned, so that the caller knows to destroy it.
    var isCreated = false
    var failure = LibjpegFailure.none
    /// The decoded samples, `malloc`ed by the decoding thread and freed by the caller.
    var output: UnsafeMutablePointer<UInt8>?
    var width: UInt32 = 0
    var height: UInt32 = 0
    var channels: Int32 = 0
    var isAdobeCMYK = false
}

/// Records libjpeg's message for the current error or warning and ends the decoding thread.
private func endLibjpegThread(_ common: j_common_ptr?, _ failure: LibjpegFailure) -> Never {
    if let common, let job = common.pointee.client_data?.assumingMemoryBound(to: LibjpegJob.self) {
        if let format = common.pointee.err?.pointee.format_message {
            format(common, job.pointee.message)
        }
        job.pointee.failure = failure
    }
    pthread_exit(nil)
}

#if canImport(Darwin)
    private typealias ThreadArgument = UnsafeMutableRawPointer
#else
    private typealias ThreadArgument = UnsafeMutableRawPointer?
#endif

/// The decoding thread: sets up libjpeg with an error manager that never returns into it, and
/// decodes the job's input into `malloc`ed memory.
private func libjpegWorker(_ argument: ThreadArgument) -> UnsafeMutableRawPointer? {
    let job = argument!.assumingMemoryBound(to: LibjpegJob.self)
    let decompress = job.pointee.decompress
    let errorManager = job.pointee.errorManager

    decompress.pointee.err = jpeg_std_error(errorManager)
    errorManager.pointee.error_exit = { common in endLibjpegThread(common, .error) }
    errorManager.pointee.output_message = { _ in }  // Never print to stderr.
    errorManager.pointee.emit_message = { common, level in
        // Level −1 is a warning (corrupt data); 0 and above are trace messages, which are ignored.
        guard level < 0, let common, let job = common.pointee.client_data?.assumingMemoryBound(to: LibjpegJob.self)
        else { return }
        if job.pointee.treatsWarningsAsErrors {
            endLibjpegThread(common, .warning)
        }
        common.pointee.err.pointee.num_warnings += 1
    }
    decompress.pointee.client_data = UnsafeMutableRawPointer(job)

    jpeg_CreateDecompress(decompress, JPEG_LIB_VERSION, MemoryLayout<jpeg_decompress_struct>.size)
    job.pointee.isCreated = true
    jpeg_mem_src(decompress, job.pointee.input, UInt(job.pointee.inputCount))
    _ = jpeg_read_header(decompress, 1)

    let isCMYK = decompress.pointee.jpeg_color_space == JCS_CMYK || decompress.pointee.jpeg_color_space == JCS_YCCK
    if isCMYK {
        decompress.pointee.out_color_space = JCS_CMYK
        job.pointee.isAdobeCMYK = decompress.pointee.saw_Adobe_marker != 0
    } else {
        decompress.pointee.out_color_space = job.pointee.wantsGray ? JCS_GRAYSCALE : JCS_RGB
    }
    let (pixelCount, overflow) = Int(decompress.pointee.image_width).multipliedReportingOverflow(
        by: Int(decompress.pointee.image_height))
    guard !overflow && pixelCount <= job.pointee.maximumPixelCount else {
        job.pointee.width = decompress.pointee.image_width
        job.pointee.height = decompress.pointee.image_height
        job.pointee.failure = .tooLarge
        return nil
    }

    _ = jpeg_start_decompress(decompress)
    let width = Int(decompress.pointee.output_width)
    let height = Int(decompress.pointee.output_height)
    let channels = Int(decompress.pointee.output_components)
    let rowLength = width * channels
    guard let output = malloc(max(1, height * rowLength))?.assumingMemoryBound(to: UInt8.self) else {
        job.pointee.failure = .error
        strcpy(job.pointee.message, "out of memory for the decoded image")
        return nil
    }
    job.pointee.output = output
    job.pointee.width = UInt32(width)
    job.pointee.height = UInt32(height)
    job.pointee.channels = Int32(channels)
    while decompress.pointee.output_scanline < decompress.pointee.output_height {
        var row: JSAMPROW? = output + Int(decompress.pointee.output_scanline) * rowLength
        _ = jpeg_read_scanlines(decompress, &row, 1)
    }
    _ = jpeg_finish_decompress(decompress)
    return nil
}

import Foundation
import TestSupport
import Testing

@testable import Datasets

/// The tests' seeded generator, TestSupport's ``SplitMix64``, under the name the Datasets tests
/// have always used for it. (It hides TensorCore's `SeededGenerator`, a different algorithm, in
/// this target; new code should write `SplitMix64`.)
typealias SeededGenerator = SplitMix64

extension DatasetError {
    /// The name of the case, such as `truncated`, for checking which error was thrown.
    var caseName: String {
        Mirror(reflecting: self).children.first?.label ?? "\(self)"
    }
}

/// Runs `body`, expecting it to throw the ``DatasetError`` case named `expectedCase` with a
/// one-line description containing every fragment.
@discardableResult
func expectDatasetError<Result>(
    _ expectedCase: String, containing fragments: [String] = [],
    sourceLocation: SourceLocation = #_sourceLocation,
    performing body: () throws -> Result
) -> DatasetError? {
    do {
        _ = try body()
        Issue.record("Expected DatasetError.\(expectedCase), but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as DatasetError {
        #expect(error.caseName == expectedCase, "\(error)", sourceLocation: sourceLocation)
        #expect(!error.description.contains("\n"), "multi-line message: \(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.description.contains(fragment), "\(error) lacks \"\(fragment)\"", sourceLocation: sourceLocation)
        }
        return error
    } catch {
        Issue.record("Expected DatasetError.\(expectedCase), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Runs `body` with a fresh empty directory that is removed afterwards.
@discardableResult
func withTemporaryDirectory<Result>(_ body: (URL) throws -> Result) throws -> Result {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("DatasetsTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

/// Writes bytes to a file, creating its directory.
func write(_ bytes: [UInt8], to url: URL) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
}

/// Big-endian bytes of a 32-bit value.
func bigEndianBytes(_ value: UInt32) -> [UInt8] {
    [
        UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
        UInt8(truncatingIfNeeded: value),
    ]
}

/// A minimal PNG encoder for tests, written from the specification independently of the decoder:
/// it applies the forward filters the test chooses, row by row.
enum TestPNG {
    /// One chunk: length, type, data, CRC-32 of type and data.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return bigEndianBytes(UInt32(data.count)) + typeBytes + data + bigEndianBytes(Zlib.crc32(typeBytes + data))
    }

    /// The 13 bytes of an IHDR chunk.
    static func header(
        width: Int, height: Int, bitDepth: UInt8 = 8, colorType: UInt8, compression: UInt8 = 0,
        filter: UInt8 = 0, interlace: UInt8 = 0
    ) -> [UInt8] {
        bigEndianBytes(UInt32(width)) + bigEndianBytes(UInt32(height)) + [bitDepth, colorType, compression, filter, interlace]
    }

    /// The number of channels of a PNG colour type.
    static func channels(of colorType: UInt8) -> Int {
        [0: 1, 2: 3, 4: 2, 6: 4][colorType]!
    }

    /// Applies the forward filter `filters[row % filters.count]` to each row and prefixes the filter byte.
    static func filter(pixels: [UInt8], width: Int, height: Int, bytesPerPixel: Int, filters: [UInt8]) -> [UInt8] {
        let stride = width * bytesPerPixel
        func sample(_ row: Int, _ index: Int) -> Int {
            row < 0 || index < 0 ? 0 : Int(pixels[row * stride + index])
        }
        var output: [UInt8] = []
        for row in 0..<height {
            let type = filters[row % filters.count]
            output.append(type)
            for index in 0..<stride {
                let x = sample(row, index)
                let a = sample(row, index - bytesPerPixel)
                let b = sample(row - 1, index)
                let c = sample(row - 1, index - bytesPerPixel)
                let prediction: Int
                switch type {
                case 0: prediction = 0
                case 1: prediction = a
                case 2: prediction = b
                case 3: prediction = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    prediction = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: prediction = 0  // Invalid filter types are written as given, for error tests.
                }
                output.append(UInt8(truncatingIfNeeded: x - prediction))
            }
        }
        return output
    }

    /// Encodes an 8-bit image.
    ///
    /// - Parameters:
    ///   - filters: The filter type of each row, cycling.
    ///   - idatPieces: How many IDAT chunks the compressed data is split into (one of them empty when more than 2).
    ///   - extraChunks: Chunks inserted between IHDR and the first IDAT.
    static func encode(
        width: Int, height: Int, colorType: UInt8, pixels: [UInt8], filters: [UInt8] = [0, 1, 2, 3, 4],
        idatPieces: Int = 1, extraChunks: [[UInt8]] = []
    ) -> [UInt8] {
        let filtered = filter(
            pixels: pixels, width: width, height: height, bytesPerPixel: channels(of: colorType), filters: filters)
        return assemble(
            header: header(width: width, height: height, colorType: colorType),
            compressed: Zlib.compress(filtered), idatPieces: idatPieces, extraChunks: extraChunks)
    }

    /// Puts a PNG file together from its header fields and compressed data.
    static func assemble(header: [UInt8], compressed: [UInt8], idatPieces: Int = 1, extraChunks: [[UInt8]] = [])
        -> [UInt8]
    {
        var file = PNGDecoder.signature + chunk("IHDR", header)
        for extra in extraChunks {
            file += extra
        }
        var pieces: [ArraySlice<UInt8>] = []
        let pieceSize = max(1, (compressed.count + idatPieces - 1) / idatPieces)
        var start = 0
        while start < compressed.count {
            pieces.append(compressed[start..<min(start + pieceSize, compressed.count)])
            start += pieceSize
        }
        if idatPieces > 2 {
            pieces.insert([], at: 1)  // An empty IDAT chunk is legal and must be handled.
        }
        for piece in pieces {
            file += chunk("IDAT", Array(piece))
        }
        return file + chunk("IEND", [])
    }
}

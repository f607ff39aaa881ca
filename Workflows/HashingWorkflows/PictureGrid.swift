import AtomicFiles
import Datasets
import Foundation
import HashingCore
import TensorCore

/// Tiles picture rows (each `[n, C, H, W]` in [0, 1], C = 1 or 3) into one image: one row of
/// cells per picture row, `padding` white pixels between cells. Values outside [0, 1] are clamped.
public func pictureGrid(_ rows: [PictureRow], padding: Int = 2) throws -> DecodedImage {
    guard let first = rows.first else { throw WorkflowError.invalid("a picture needs at least one row") }
    let shape = first.images.shape
    guard shape.count == 4, [1, 3].contains(shape[1]) else {
        throw WorkflowError.invalid("picture rows must be [n, 1 or 3, H, W] images, got \(shape)")
    }
    let (channels, height, width) = (shape[1], shape[2], shape[3])
    for row in rows where Array(row.images.shape.dropFirst()) != Array(shape.dropFirst()) {
        throw WorkflowError.invalid("picture row '\(row.name)' has shape \(row.images.shape), the first row \(shape)")
    }
    let columns = rows.map { $0.images.shape[0] }.max() ?? 0
    let gridWidth = columns * width + (columns + 1) * padding
    let gridHeight = rows.count * height + (rows.count + 1) * padding
    var pixels = [UInt8](repeating: 255, count: gridWidth * gridHeight * channels)
    for (r, row) in rows.enumerated() {
        let scalars = row.images.scalars
        for n in 0..<row.images.shape[0] {
            let top = padding + r * (height + padding)
            let left = padding + n * (width + padding)
            for c in 0..<channels {
                for y in 0..<height {
                    for x in 0..<width {
                        let value = scalars[((n * channels + c) * height + y) * width + x]
                        let byte = UInt8((min(max(value.isNaN ? 0 : value, 0), 1) * 255).rounded())
                        pixels[((top + y) * gridWidth + left + x) * channels + c] = byte
                    }
                }
            }
        }
    }
    return DecodedImage(width: gridWidth, height: gridHeight, channels: channels, pixels: pixels)
}

/// Writes `rows` as a PNG grid to `url`, atomically.
public func writePictureGrid(_ rows: [PictureRow], to url: URL) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try AtomicFile.write(Data(PNGEncoder().encode(pictureGrid(rows))), to: url)
}

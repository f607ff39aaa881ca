import Foundation

/// The UCI optdigits handwritten digits (Alpaydin & Kaynak, "Optical Recognition of Handwritten
/// Digits"), 1,797 images of 8 × 8 pixels, ten classes, as scikit-learn ships them.
///
/// The source file, `sklearn/datasets/data/digits.csv.gz` from the scikit-learn 1.2.1 wheel, holds
/// one image per row: 64 pixel counts in row-major order, then the label. Each pixel counts the
/// inked cells in a 4 × 4 block of the original 32 × 32 bitmap, so it ranges over 0–16. The loader
/// scales it to the 0–255 range of the other data sets by `(value × 255 + 8) / 16` in integer
/// arithmetic (the nearest integer to `value × 255 / 16`, halves rounded up): 0 → 0, 8 → 128,
/// 16 → 255. Ink is bright, as in MNIST.
///
/// Fetch the file with `Scripts/fetch-optdigits.sh`, or use the copy committed to the package,
/// ``EmbeddedDigits/optdigits()``, which holds the same images and labels in the same order.
///
/// **Shape**: images `[1797, 1, 8, 8]` bytes, 0 (background) to 255 (ink); labels `[1797]`.
///
/// Licence: CC BY 4.0 (UCI Machine Learning Repository); see NOTICE.
public enum Optdigits {
    /// The number of images scikit-learn ships (the UCI test part, `optdigits.tes`).
    public static let imageCount = 1_797
    /// The image shape, `[channels, height, width]`.
    public static let imageShape = [1, 8, 8]
    /// The number of classes, the digits 0 to 9.
    public static let classCount = 10
    /// The largest raw pixel value, the number of cells in a 4 × 4 block.
    public static let maximumRawValue = 16
    /// The data file, relative to the data directory.
    public static let relativePath = "raw/sklearn/datasets/data/digits.csv.gz"
    /// How to obtain the file, given in the error for a missing one.
    public static let fetchHint = "run Scripts/fetch-optdigits.sh (from the package root) to fetch it"

    /// Scales a raw pixel value in `0...16` to `0...255`: `(value × 255 + 8) / 16`.
    ///
    /// - Precondition: `value` is in `0...16`.
    public static func scaledPixel(_ value: Int) -> UInt8 {
        precondition((0...maximumRawValue).contains(value), "optdigits pixel \(value) is outside 0...16")
        return UInt8((value * 255 + maximumRawValue / 2) / maximumRawValue)
    }

    /// Loads the fetched file, scaling pixels to 0–255.
    ///
    /// - Parameter dataDirectory: The directory holding `raw/sklearn/`; by default
    ///   ``DataDirectory/resolved(environment:)`` (`$HASHING_DATA`, else `./data`).
    /// - Throws: ``DatasetError`` when the file is missing (with a hint to run the fetch script) or
    ///   is not the file scikit-learn ships.
    public static func load(dataDirectory: URL = DataDirectory.resolved()) throws -> DigitsDataset {
        let url = dataDirectory.appendingPathComponent(relativePath)
        return try parse(csv: DataFile.read(url, hint: fetchHint), source: url.path)
    }

    /// Turns `digits.csv` (gzipped or not; no header; 64 pixels in 0–16 and a label per row) into
    /// a data set with pixels scaled to 0–255, read with ``CSVReader``.
    ///
    /// - Parameters:
    ///   - csv: The file's bytes.
    ///   - source: The file named in error messages.
    /// - Throws: ``DatasetError`` for a malformed row, a value out of range, or a count other than
    ///   1,797 rows.
    public static func parse(csv: [UInt8], source: String) throws -> DigitsDataset {
        let table = try CSVReader.read(csv, source: source, separator: .comma, header: .absent)
        guard table.rowCount == imageCount else {
            throw DatasetError.unexpectedShape(source: source, expected: "\(imageCount) rows", found: "\(table.rowCount) rows")
        }
        // CSVReader maps 0...16 onto 0–255 as round(v × 255 / 16), which equals scaledPixel(v).
        return try table.digitsDataset(
            name: "optdigits", height: imageShape[1], width: imageShape[2], pixelRange: 0...Double(maximumRawValue),
            classCount: classCount, source: source)
    }
}

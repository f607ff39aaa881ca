import Evaluation
import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Collects element names and the first parse error of an XML document.
private final class XMLWellFormedness: NSObject, XMLParserDelegate {
    var elements: [String] = []
    /// The text of each element that has some, in document order.
    var texts: [String] = []
    var error: Error?

    private var text = ""

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]
    ) {
        elements.append(elementName)
        text = ""
    }

    // The parser may deliver one element's text in several pieces (around entities).
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty { texts.append(trimmed) }
        text = ""
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        if error == nil { error = parseError }
    }

    /// Parses `data`; returns whether it is well-formed.
    func parse(_ data: Data) -> Bool {
        let parser = XMLParser(data: data)
        parser.delegate = self
        return parser.parse() && error == nil
    }
}

@Suite("Reports")
struct ReportTests {
    static func sampleReport() throws -> RetrievalReport {
        let evaluator = try RetrievalEvaluator(
            queries: codes(["0000", "1100", "0011"]), queryLabels: RelevanceLabels(classes: [0, 1, 2]),
            database: codes(["0000", "0001", "1100", "1110", "0011", "1111", "0111"]),
            databaseLabels: RelevanceLabels(classes: [0, 0, 1, 1, 2, 2, 0]))
        return try evaluator.evaluate(options: RetrievalOptions(topK: 3, precisionCutoffs: [1, 2, 5, 10]))
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hashing-report-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func jsonRoundTripsAndWritesAtomically() throws {
        let report = try Self.sampleReport()
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("nested/report.json")
        try report.writeJSON(to: url)
        #expect(try RetrievalReport(contentsOf: url) == report)
        // Overwriting replaces the file and leaves no temporary file behind.
        var changed = report
        changed.meanAveragePrecision = 0.5
        try changed.writeJSON(to: url)
        #expect(try RetrievalReport(contentsOf: url).meanAveragePrecision == 0.5)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        #expect(leftovers == ["report.json"])
        // The JSON names every field in full words.
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        for key in [
            "meanAveragePrecision", "tieAwareMeanAveragePrecision", "meanAveragePrecisionAtK", "precisionAtK",
            "precisionWithinRadius", "recallWithinRadius", "precisionRecallCurve", "queryCount", "databaseCount",
            "bitCount", "topK", "radius", "conventions", "formatVersion",
        ] {
            #expect(text.contains("\"\(key)\""), "missing key \(key)")
        }
        #expect(report.summary.hasPrefix("mAP="))
    }

    @Test func writingIntoAnUnwritablePlaceThrowsWriteFailed() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let blocker = directory.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        // The parent "directory" is a regular file.
        #expect {
            try Self.sampleReport().writeJSON(to: blocker.appendingPathComponent("report.json"))
        } throws: { error in
            guard case EvaluationError.writeFailed = error else { return false }
            return true
        }
    }

    @Test func svgChartsAreWellFormedAndLabelled() throws {
        let report = try Self.sampleReport()
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let precisionRecall = directory.appendingPathComponent("pr.svg")
        let precisionAtK = directory.appendingPathComponent("p-at-k.svg")
        try report.writePrecisionRecallSVG(to: precisionRecall)
        try report.writePrecisionAtKSVG(to: precisionAtK, title: "P@K <4 bits> & friends")
        for url in [precisionRecall, precisionAtK] {
            let checker = XMLWellFormedness()
            #expect(checker.parse(try Data(contentsOf: url)), "\(url.lastPathComponent): \(String(describing: checker.error))")
            #expect(checker.elements.first == "svg")
            #expect(checker.elements.contains("polyline") && checker.elements.contains("circle"))
            #expect(checker.elements.filter { $0 == "text" }.count >= 8, "ticks and axis titles")
        }
        let checker = XMLWellFormedness()
        _ = checker.parse(try Data(contentsOf: precisionRecall))
        #expect(checker.texts.contains("Recall") && checker.texts.contains("Precision"))
        #expect(checker.texts.contains("0") && checker.texts.contains("0.2") && checker.texts.contains("1"))
        let atK = XMLWellFormedness()
        _ = atK.parse(try Data(contentsOf: precisionAtK))
        #expect(atK.texts.contains("P@K <4 bits> & friends"))  // escaped in the file, intact when parsed
        #expect(atK.texts.contains("10"))  // a log-axis tick

        // Several reports on one chart get a legend; odd values are skipped, not written as NaN.
        var other = report
        other.precisionAtK[0].precision = .nan
        let chart = SVGLineChart.precisionAtK([(name: "ours", report: report), (name: "baseline \"A\"", report: other)])
        let svg = chart.svg()
        #expect(!svg.contains("nan") && !svg.contains("NaN"))
        let legend = XMLWellFormedness()
        #expect(legend.parse(Data(svg.utf8)))
        #expect(legend.texts.contains("ours") && legend.texts.contains("baseline \"A\""))
    }

    @Test func linearChartWithEmptyAndConstantSeries() {
        let chart = SVGLineChart(
            title: "t", xAxisTitle: "x", yAxisTitle: "y",
            series: [.init(name: "flat", points: [.init(x: 1, y: 3), .init(x: 2, y: 3)]), .init(name: "empty", points: [])])
        let checker = XMLWellFormedness()
        #expect(checker.parse(Data(chart.svg().utf8)))
        let empty = SVGLineChart(title: "nothing", xAxisTitle: "x", yAxisTitle: "y", series: [])
        #expect(XMLWellFormedness().parse(Data(empty.svg().utf8)))
    }
}

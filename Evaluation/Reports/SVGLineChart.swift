import Foundation

/// A dependency-free line chart written as SVG: a framed plot area with grid lines, ticks and tick
/// labels on both axes, axis titles, a title, one polyline with point markers per series and,
/// when the series have names, a legend to the right of the plot.
///
/// Points with a non-finite coordinate, or a non-positive x on a logarithmic axis, are skipped.
/// Each marker carries a `<title>` (the point's label, or its coordinates) that browsers show on
/// hover.
///
/// **Shape**: `series [S]`, each `points [P]` of `(x, y)` → one SVG document.
public struct SVGLineChart: Sendable {
    /// How an axis maps values to positions.
    public enum AxisScale: Sendable {
        case linear
        /// Base-10 logarithmic; for positive values such as cut-offs K.
        case logarithmic
    }

    /// A point of a series.
    public struct Point: Equatable, Sendable {
        public var x: Double
        public var y: Double
        /// Shown on hover; the coordinates when `nil`.
        public var label: String?

        public init(x: Double, y: Double, label: String? = nil) {
            self.x = x
            self.y = y
            self.label = label
        }
    }

    /// One named line.
    public struct Series: Sendable {
        public var name: String
        public var points: [Point]

        public init(name: String, points: [Point]) {
            self.name = name
            self.points = points
        }
    }

    public var title: String
    public var xAxisTitle: String
    public var yAxisTitle: String
    public var series: [Series]
    public var xScale: AxisScale
    /// The x range shown; from the data when `nil`.
    public var xDomain: ClosedRange<Double>?
    /// The y range shown; from the data when `nil`.
    public var yDomain: ClosedRange<Double>?
    /// The canvas size in pixels.
    public var width: Double
    public var height: Double

    public init(
        title: String, xAxisTitle: String, yAxisTitle: String, series: [Series], xScale: AxisScale = .linear,
        xDomain: ClosedRange<Double>? = nil, yDomain: ClosedRange<Double>? = nil, width: Double = 640, height: Double = 440
    ) {
        self.title = title
        self.xAxisTitle = xAxisTitle
        self.yAxisTitle = yAxisTitle
        self.series = series
        self.xScale = xScale
        self.xDomain = xDomain
        self.yDomain = yDomain
        self.width = width
        self.height = height
    }

    /// Writes the SVG document to `url`, atomically (temporary file, then rename).
    ///
    /// - Throws: ``EvaluationError/writeFailed(path:reason:)``.
    public func write(to url: URL) throws {
        try ReportFileWriter.write(Data(svg().utf8), to: url)
    }

    /// The SVG document.
    public func svg() -> String {
        let visible = series.map { line in
            Series(
                name: line.name,
                points: line.points.filter { point in
                    point.x.isFinite && point.y.isFinite && (xScale == .linear || point.x > 0)
                })
        }
        // The legend, when there is one, sits right of the plot so it never hides a curve.
        let named = visible.enumerated().filter { !$0.element.name.isEmpty }
        let legendWidth = named.isEmpty ? 0 : 40 + 7 * Double(named.map(\.element.name.count).max() ?? 0)
        let margin = (left: 72.0, right: named.isEmpty ? 24.0 : legendWidth + 24, top: 44.0, bottom: 60.0)
        let plot = (x: margin.left, y: margin.top, width: width - margin.left - margin.right, height: height - margin.top - margin.bottom)
        let allPoints = visible.flatMap(\.points)
        let xRange = Self.domain(xDomain, values: allPoints.map(\.x), logarithmic: xScale == .logarithmic)
        let yRange = Self.domain(yDomain, values: allPoints.map(\.y), logarithmic: false)
        let xTicks = xScale == .logarithmic ? Self.logarithmicTicks(xRange) : Self.linearTicks(xRange)
        let yTicks = Self.linearTicks(yRange)

        func xPosition(_ x: Double) -> Double {
            let fraction: Double
            if xScale == .logarithmic {
                fraction = (log10(x) - log10(xRange.lowerBound)) / (log10(xRange.upperBound) - log10(xRange.lowerBound))
            } else {
                fraction = (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound)
            }
            return plot.x + fraction * plot.width
        }
        func yPosition(_ y: Double) -> Double {
            plot.y + plot.height - (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * plot.height
        }

        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Self.number(width))" height="\(Self.number(height))" \
            viewBox="0 0 \(Self.number(width)) \(Self.number(height))" font-family="Helvetica, Arial, sans-serif">

            """
        svg += "<rect x=\"0\" y=\"0\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" fill=\"white\"/>\n"
        svg +=
            "<text x=\"\(Self.number(width / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">\(Self.escaped(title))</text>\n"

        // Grid, ticks and tick labels.
        svg += "<g stroke=\"#e3e3e3\" stroke-width=\"1\">\n"
        for tick in xTicks {
            let x = Self.number(xPosition(tick))
            svg += "<line x1=\"\(x)\" y1=\"\(Self.number(plot.y))\" x2=\"\(x)\" y2=\"\(Self.number(plot.y + plot.height))\"/>\n"
        }
        for tick in yTicks {
            let y = Self.number(yPosition(tick))
            svg += "<line x1=\"\(Self.number(plot.x))\" y1=\"\(y)\" x2=\"\(Self.number(plot.x + plot.width))\" y2=\"\(y)\"/>\n"
        }
        svg += "</g>\n"
        svg +=
            "<rect x=\"\(Self.number(plot.x))\" y=\"\(Self.number(plot.y))\" width=\"\(Self.number(plot.width))\" "
            + "height=\"\(Self.number(plot.height))\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>\n"
        svg += "<g stroke=\"#333333\" stroke-width=\"1\">\n"
        for tick in xTicks {
            let x = Self.number(xPosition(tick))
            let bottom = plot.y + plot.height
            svg += "<line x1=\"\(x)\" y1=\"\(Self.number(bottom))\" x2=\"\(x)\" y2=\"\(Self.number(bottom + 5))\"/>\n"
        }
        for tick in yTicks {
            let y = Self.number(yPosition(tick))
            svg += "<line x1=\"\(Self.number(plot.x - 5))\" y1=\"\(y)\" x2=\"\(Self.number(plot.x))\" y2=\"\(y)\"/>\n"
        }
        svg += "</g>\n"
        svg += "<g font-size=\"12\" fill=\"#333333\">\n"
        for tick in xTicks {
            svg +=
                "<text x=\"\(Self.number(xPosition(tick)))\" y=\"\(Self.number(plot.y + plot.height + 19))\" "
                + "text-anchor=\"middle\">\(Self.tickLabel(tick))</text>\n"
        }
        for tick in yTicks {
            svg +=
                "<text x=\"\(Self.number(plot.x - 8))\" y=\"\(Self.number(yPosition(tick) + 4))\" "
                + "text-anchor=\"end\">\(Self.tickLabel(tick))</text>\n"
        }
        svg += "</g>\n"

        // Axis titles.
        svg +=
            "<text x=\"\(Self.number(plot.x + plot.width / 2))\" y=\"\(Self.number(height - 16))\" text-anchor=\"middle\" "
            + "font-size=\"14\">\(Self.escaped(xAxisTitle))</text>\n"
        let yTitleX = 20.0
        let yTitleY = plot.y + plot.height / 2
        svg +=
            "<text x=\"\(Self.number(yTitleX))\" y=\"\(Self.number(yTitleY))\" text-anchor=\"middle\" font-size=\"14\" "
            + "transform=\"rotate(-90 \(Self.number(yTitleX)) \(Self.number(yTitleY)))\">\(Self.escaped(yAxisTitle))</text>\n"

        // Series.
        for (index, line) in visible.enumerated() where !line.points.isEmpty {
            let color = Self.palette[index % Self.palette.count]
            let coordinates = line.points.map { "\(Self.number(xPosition($0.x))),\(Self.number(yPosition($0.y)))" }
            svg += "<g>\n"
            svg += "<polyline points=\"\(coordinates.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            for point in line.points {
                let hover = point.label ?? "(\(Self.tickLabel(point.x)), \(String(format: "%.4f", point.y)))"
                svg +=
                    "<circle cx=\"\(Self.number(xPosition(point.x)))\" cy=\"\(Self.number(yPosition(point.y)))\" r=\"3\" "
                    + "fill=\"\(color)\"><title>\(Self.escaped(line.name.isEmpty ? hover : "\(line.name): \(hover)"))</title></circle>\n"
            }
            svg += "</g>\n"
        }

        // Legend.
        if !named.isEmpty {
            let boxWidth = legendWidth
            let boxX = plot.x + plot.width + 12
            let boxY = plot.y
            svg += "<g font-size=\"12\">\n"
            svg +=
                "<rect x=\"\(Self.number(boxX))\" y=\"\(Self.number(boxY))\" width=\"\(Self.number(boxWidth))\" "
                + "height=\"\(Self.number(Double(named.count) * 18 + 8))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#999999\"/>\n"
            for (row, entry) in named.enumerated() {
                let color = Self.palette[entry.offset % Self.palette.count]
                let y = boxY + 16 + Double(row) * 18
                svg +=
                    "<line x1=\"\(Self.number(boxX + 6))\" y1=\"\(Self.number(y - 4))\" x2=\"\(Self.number(boxX + 26))\" "
                    + "y2=\"\(Self.number(y - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
                svg += "<text x=\"\(Self.number(boxX + 32))\" y=\"\(Self.number(y))\">\(Self.escaped(entry.element.name))</text>\n"
            }
            svg += "</g>\n"
        }
        svg += "</svg>\n"
        return svg
    }

    // MARK: - Helpers

    /// Colour-blind-safe line colours (Okabe–Ito).
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    /// A domain from an explicit range or from the data, never empty.
    static func domain(_ explicit: ClosedRange<Double>?, values: [Double], logarithmic: Bool) -> ClosedRange<Double> {
        var low = explicit?.lowerBound ?? values.min() ?? (logarithmic ? 1 : 0)
        var high = explicit?.upperBound ?? values.max() ?? 1
        if logarithmic {
            low = max(low, .leastNormalMagnitude)
            high = max(high, low)
            if high / low < 10 {
                low = pow(10, floor(log10(low)))
                high = pow(10, ceil(log10(high)))
                if high <= low { high = low * 10 }
            }
        } else if high - low <= 0 {
            low -= 0.5
            high += 0.5
        }
        return low...high
    }

    /// About six round ticks (1, 2, 2.5 or 5 × 10ⁿ apart) inside `range`.
    static func linearTicks(_ range: ClosedRange<Double>) -> [Double] {
        let span = range.upperBound - range.lowerBound
        let rough = span / 6
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        var ticks: [Double] = []
        var tick = ceil(range.lowerBound / step - 1e-9) * step
        while tick <= range.upperBound + step * 1e-9 {
            ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
            tick += step
        }
        return ticks
    }

    /// Powers of ten inside `range`, with 2× and 5× between them when there are few decades.
    static func logarithmicTicks(_ range: ClosedRange<Double>) -> [Double] {
        let first = Int(floor(log10(range.lowerBound)))
        let last = Int(ceil(log10(range.upperBound)))
        let multipliers: [Double] = last - first <= 3 ? [1, 2, 5] : [1]
        var ticks: [Double] = []
        for exponent in first...last {
            for multiplier in multipliers {
                let tick = multiplier * pow(10, Double(exponent))
                if tick >= range.lowerBound * (1 - 1e-9) && tick <= range.upperBound * (1 + 1e-9) { ticks.append(tick) }
            }
        }
        return ticks
    }

    /// A short tick label: integers without decimals, others with up to four significant decimals.
    static func tickLabel(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// A coordinate with two decimals.
    static func number(_ value: Double) -> String { String(format: "%.2f", value) }

    /// Text with the five XML special characters escaped.
    static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }
}

extension SVGLineChart {
    /// The precision–recall curve over Hamming radii `0…bitCount` of one or more reports: recall on
    /// x, precision on y, both in [0, 1]; each marker's tooltip names its radius.
    public static func precisionRecall(_ reports: [(name: String, report: RetrievalReport)], title: String = "Precision–recall over Hamming radii")
        -> SVGLineChart
    {
        SVGLineChart(
            title: title, xAxisTitle: "Recall", yAxisTitle: "Precision",
            series: reports.map { entry in
                Series(
                    name: entry.name,
                    points: entry.report.precisionRecallCurve.map {
                        Point(
                            x: $0.recall, y: $0.precision,
                            label:
                                "radius \($0.radius): precision \(String(format: "%.4f", $0.precision)), recall \(String(format: "%.4f", $0.recall))")
                    })
            },
            xDomain: 0...1, yDomain: 0...1)
    }

    /// The precision@K curve of one or more reports: K on a logarithmic x axis (linear when all K
    /// lie within one decade), precision on y in [0, 1].
    public static func precisionAtK(_ reports: [(name: String, report: RetrievalReport)], title: String = "Precision@K") -> SVGLineChart {
        let cutoffs = reports.flatMap { $0.report.precisionAtK.map { Double($0.k) } }
        let logarithmic = (cutoffs.max() ?? 1) / max(cutoffs.min() ?? 1, 1) >= 10
        return SVGLineChart(
            title: title, xAxisTitle: "K (number of retrieved items)", yAxisTitle: "Precision@K",
            series: reports.map { entry in
                Series(
                    name: entry.name,
                    points: entry.report.precisionAtK.map {
                        Point(x: Double($0.k), y: $0.precision, label: "P@\($0.k) = \(String(format: "%.4f", $0.precision))")
                    })
            },
            xScale: logarithmic ? .logarithmic : .linear, yDomain: 0...1)
    }
}

extension RetrievalReport {
    /// Writes this report's precision–recall curve (over Hamming radii) as SVG, atomically.
    public func writePrecisionRecallSVG(to url: URL, title: String = "Precision–recall over Hamming radii") throws {
        try SVGLineChart.precisionRecall([(name: "", report: self)], title: title).write(to: url)
    }

    /// Writes this report's precision@K curve as SVG, atomically.
    public func writePrecisionAtKSVG(to url: URL, title: String = "Precision@K") throws {
        try SVGLineChart.precisionAtK([(name: "", report: self)], title: title).write(to: url)
    }
}

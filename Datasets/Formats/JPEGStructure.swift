/// A check of a JPEG file's marker structure, done in Swift before any byte reaches libjpeg.
///
/// libjpeg's fatal errors (`error_exit`) are caught in C by `CJPEGSafe`'s `setjmp`/`longjmp`,
/// but with libjpeg's terse messages; so ``JPEGDecoder`` first rejects every structural problem
/// that would make libjpeg (libjpeg-turbo 2.1) call `error_exit`, each with a clear
/// ``DatasetError`` that names the marker and its offset. The checks mirror libjpeg's own (`jdmarker.c`, `jdinput.c`,
/// `jdhuff.c`, `jdphuff.c`, `jdarith.c`, `jdsample.c`):
///
/// - the file starts with SOI, and every segment's length fits in the file;
/// - exactly one frame header (SOF0, 1, 2, 9 or 10: baseline, extended, progressive, and their
///   arithmetic-coded forms), 8-bit precision, 1 to 65,500 pixels each way, 1, 3 or 4
///   components with sampling factors 1–4 that divide the largest ones, quantisation tables 0–3;
/// - quantisation tables (DQT) with an index 0–3 and 64 entries; Huffman tables (DHT) with an
///   index 0–3, at most 256 symbols, a valid canonical code (no code space overflow), and DC
///   symbols at most 15; arithmetic conditioning (DAC) within range; restart intervals (DRI)
///   of length 4;
/// - every scan (SOS) after the frame header, naming 1–4 distinct frame components, with at most
///   10 blocks per MCU, tables that are defined (or Huffman tables 0 and 1, for which libjpeg
///   supplies the standard ones), and progression parameters libjpeg accepts;
/// - no marker libjpeg does not know (JPG, JPGn, reserved codes), and no unsupported frame
///   type (lossless, hierarchical);
/// - in strict mode, entropy-coded data that ends before EOI, and stray bytes between
///   segments, which libjpeg would only warn about.
struct JPEGStructure {
    /// The frame's pixel columns.
    var width = 0
    /// The frame's pixel rows.
    var height = 0
    /// The number of colour components: 1, 3 or 4.
    var componentCount = 0
    /// Whether the frame is progressive.
    var isProgressive = false
    /// Whether the frame uses arithmetic coding.
    var isArithmetic = false
    /// The number of scans.
    var scanCount = 0

    /// libjpeg's limit on either dimension (`JPEG_MAX_DIMENSION`).
    static let maximumDimension = 65_500
    /// libjpeg's limit on blocks per MCU (`D_MAX_BLOCKS_IN_MCU`).
    static let maximumBlocksPerMCU = 10

    private struct Component {
        var identifier: UInt8
        var horizontalSampling: Int
        var verticalSampling: Int
        var quantizationTable: Int
    }

    /// Walks the markers of a JPEG file and checks them.
    ///
    /// - Parameters:
    ///   - bytes: The complete file.
    ///   - source: The file or description named in error messages.
    ///   - strict: Whether stray bytes between segments and entropy-coded data cut short before
    ///     EOI are errors (they are only warnings for libjpeg, which fills the rest with grey).
    /// - Throws: ``DatasetError`` describing the first problem found.
    init(validating bytes: UnsafeRawBufferPointer, source: String, strict: Bool) throws {
        func fail(_ reason: String) -> DatasetError { .invalidFormat(source: source, reason: reason) }
        func cut(_ reason: String) -> DatasetError { .truncated(source: source, reason: reason) }

        guard bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
            if bytes.count < 2 && (bytes.isEmpty || bytes[0] == 0xFF) {
                throw cut("\(bytes.count) bytes is too short for the 2-byte JPEG start-of-image marker")
            }
            throw DatasetError.wrongMagic(
                source: source, expected: "the JPEG start-of-image marker FF D8", found: hexadecimal(bytes.prefix(4)))
        }

        var components: [Component] = []
        var quantizationDefined = [Bool](repeating: false, count: 4)
        // For each Huffman table class (0 DC, 1 AC) and index: nil if undefined, else its problem ("" if none).
        var huffmanProblems = [[String?]](repeating: [String?](repeating: nil, count: 4), count: 2)
        var sawFrame = false
        var position = 2

        while true {
            // Find the next marker: 0xFF, any fill 0xFF bytes, then the code.
            guard position < bytes.count else {
                throw cut("the file ends after \(bytes.count) bytes without an end-of-image marker (FF D9)")
            }
            if bytes[position] != 0xFF {
                if strict {
                    throw fail("byte 0x\(hexadecimal(bytes[position])) at offset \(position) where a marker (FF xx) should start")
                }
                while position < bytes.count && bytes[position] != 0xFF { position += 1 }
                continue
            }
            while position < bytes.count && bytes[position] == 0xFF { position += 1 }
            guard position < bytes.count else {
                throw cut("the file ends inside a marker at offset \(position - 1)")
            }
            let marker = bytes[position]
            let markerOffset = position - 1
            position += 1
            let name = "marker FF \(hexadecimal(marker)) at offset \(markerOffset)"

            switch marker {
            case 0xD9:  // EOI
                guard sawFrame else { throw fail("the end-of-image marker at offset \(markerOffset) comes before any frame header (SOF)") }
                guard scanCount > 0 else { throw fail("the end-of-image marker at offset \(markerOffset) comes before any scan (SOS)") }
                return
            case 0xD8:
                throw fail("a second start-of-image marker at offset \(markerOffset)")
            case 0xD0...0xD7, 0x01:  // RSTn and TEM outside a scan: parameterless, ignored by libjpeg.
                continue
            case 0x00:
                throw fail("a stuffed zero byte (FF 00) at offset \(markerOffset) outside entropy-coded data")
            default:
                break
            }

            // Every other marker has a 2-byte length that counts itself.
            guard bytes.count - position >= 2 else {
                throw cut("the file ends inside the length of the \(name)")
            }
            let length = Int(bytes[position]) << 8 | Int(bytes[position + 1])
            guard length >= 2 else { throw fail("the \(name) has an impossible length \(length)") }
            guard bytes.count - position >= length else {
                throw cut("the \(name) announces \(length) bytes, but only \(bytes.count - position) remain")
            }
            let segment = UnsafeRawBufferPointer(rebasing: bytes[(position + 2)..<(position + length)])
            position += length

            switch marker {
            case 0xC0, 0xC1, 0xC2, 0xC9, 0xCA:  // SOF: baseline, extended, progressive, arithmetic forms.
                guard !sawFrame else { throw fail("a second frame header (\(name))") }
                sawFrame = true
                isProgressive = marker == 0xC2 || marker == 0xCA
                isArithmetic = marker >= 0xC9
                components = try Self.readFrame(segment, name: name, into: &self, fail: fail)
            case 0xC3, 0xC5, 0xC6, 0xC7, 0xCB, 0xCD, 0xCE, 0xCF:
                let kinds: [UInt8: String] = [
                    0xC3: "lossless", 0xC5: "differential sequential", 0xC6: "differential progressive",
                    0xC7: "differential lossless", 0xCB: "lossless arithmetic", 0xCD: "differential sequential arithmetic",
                    0xCE: "differential progressive arithmetic", 0xCF: "differential lossless arithmetic",
                ]
                throw fail("the \(name) starts a \(kinds[marker]!) frame, which is not supported (only baseline, extended and progressive)")
            case 0xC4:  // DHT
                try Self.readHuffmanTables(segment, name: name, into: &huffmanProblems, fail: fail)
            case 0xCC:  // DAC
                guard segment.count % 2 == 0 else { throw fail("the arithmetic-conditioning \(name) has an odd length") }
                for index in stride(from: 0, to: segment.count, by: 2) {
                    let table = segment[index]
                    let value = segment[index + 1]
                    guard table < 32 else { throw fail("the \(name) conditions table 0x\(hexadecimal(table)) (at most 0x1F)") }
                    if table < 16 && value & 0x0F > value >> 4 {
                        throw fail("the \(name) gives DC conditioning 0x\(hexadecimal(value)) with lower bound above upper bound")
                    }
                }
            case 0xDB:  // DQT
                var offset = 0
                while offset < segment.count {
                    let precision = Int(segment[offset] >> 4)
                    let index = Int(segment[offset] & 0x0F)
                    guard precision <= 1 else { throw fail("the \(name) has quantisation precision \(precision) (0 or 1)") }
                    guard index < 4 else { throw fail("the \(name) defines quantisation table \(index) (0–3 allowed)") }
                    let size = 1 + 64 * (precision + 1)
                    guard segment.count - offset >= size else {
                        throw fail(
                            "quantisation table \(index) in the \(name) needs \(size) bytes, but the segment has \(segment.count - offset) left")
                    }
                    quantizationDefined[index] = true
                    offset += size
                }
            case 0xDD:  // DRI
                guard segment.count == 2 else { throw fail("the restart-interval \(name) has length \(length), not 4") }
            case 0xDC, 0xE0...0xEF, 0xFE:  // DNL, APPn, COM: skipped.
                break
            case 0xDA:  // SOS
                guard sawFrame else { throw fail("a scan (\(name)) before the frame header (SOF)") }
                try checkScan(
                    segment, name: name, components: components, quantizationDefined: quantizationDefined,
                    huffmanProblems: huffmanProblems, fail: fail)
                scanCount += 1
                // Skip the entropy-coded data: up to the next marker other than RSTn or a stuffed zero.
                while true {
                    guard position < bytes.count else {
                        if strict {
                            throw cut("the entropy-coded data of scan \(scanCount) ends with the file, before an end-of-image marker")
                        }
                        return
                    }
                    if bytes[position] == 0xFF {
                        var next = position + 1
                        while next < bytes.count && bytes[next] == 0xFF { next += 1 }
                        guard next < bytes.count else {
                            if strict {
                                throw cut("the entropy-coded data of scan \(scanCount) ends with the file, before an end-of-image marker")
                            }
                            return
                        }
                        if bytes[next] == 0x00 || (0xD0...0xD7).contains(bytes[next]) {
                            position = next + 1
                            continue
                        }
                        position = next - 1
                        break
                    }
                    position += 1
                }
            default:
                throw fail("unknown \(name) (libjpeg rejects JPG, JPGn and reserved markers)")
            }
        }
    }

    /// Parses and checks a frame header, filling in the image's size and kind.
    private static func readFrame(
        _ segment: UnsafeRawBufferPointer, name: String, into structure: inout JPEGStructure,
        fail: (String) -> DatasetError
    ) throws -> [Component] {
        guard segment.count >= 6 else { throw fail("the frame header \(name) is too short") }
        let precision = Int(segment[0])
        let height = Int(segment[1]) << 8 | Int(segment[2])
        let width = Int(segment[3]) << 8 | Int(segment[4])
        let count = Int(segment[5])
        guard precision == 8 else {
            throw fail("the frame header \(name) has \(precision)-bit samples (only 8-bit JPEG is supported)")
        }
        guard width > 0 && height > 0 else {
            throw fail("the frame header \(name) gives an empty image of \(width) × \(height) pixels")
        }
        guard width <= maximumDimension && height <= maximumDimension else {
            throw fail("the frame header \(name) gives \(width) × \(height) pixels, beyond libjpeg's limit of \(maximumDimension)")
        }
        guard segment.count == 6 + 3 * count else {
            throw fail("the frame header \(name) has \(segment.count + 2) bytes, but \(count) components need \(8 + 3 * count)")
        }
        guard count == 1 || count == 3 || count == 4 else {
            throw fail("the frame header \(name) has \(count) components (supported: 1 grayscale, 3 colour, 4 CMYK)")
        }
        var components: [Component] = []
        for index in 0..<count {
            let base = 6 + 3 * index
            let component = Component(
                identifier: segment[base], horizontalSampling: Int(segment[base + 1] >> 4),
                verticalSampling: Int(segment[base + 1] & 0x0F), quantizationTable: Int(segment[base + 2]))
            guard (1...4).contains(component.horizontalSampling) && (1...4).contains(component.verticalSampling) else {
                throw fail(
                    "component \(component.identifier) in \(name) has sampling factors"
                        + " \(component.horizontalSampling)×\(component.verticalSampling) (1–4 allowed)")
            }
            guard component.quantizationTable < 4 else {
                throw fail("component \(component.identifier) in \(name) uses quantisation table \(component.quantizationTable) (0–3 allowed)")
            }
            guard !components.contains(where: { $0.identifier == component.identifier }) else {
                throw fail("component identifier \(component.identifier) appears twice in \(name)")
            }
            components.append(component)
        }
        let largestHorizontal = components.map(\.horizontalSampling).max()!
        let largestVertical = components.map(\.verticalSampling).max()!
        for component in components
        where largestHorizontal % component.horizontalSampling != 0 || largestVertical % component.verticalSampling != 0 {
            throw fail(
                "component \(component.identifier) in \(name) has sampling factors"
                    + " \(component.horizontalSampling)×\(component.verticalSampling) that do not divide the largest,"
                    + " \(largestHorizontal)×\(largestVertical) (fractional upsampling is not supported)")
        }
        structure.width = width
        structure.height = height
        structure.componentCount = count
        return components
    }

    /// Parses the Huffman tables of a DHT segment, recording each table's problem if it has one.
    private static func readHuffmanTables(
        _ segment: UnsafeRawBufferPointer, name: String, into problems: inout [[String?]],
        fail: (String) -> DatasetError
    ) throws {
        var offset = 0
        while offset < segment.count {
            guard segment.count - offset >= 17 else {
                throw fail("a Huffman table in the \(name) is cut short (\(segment.count - offset) bytes left)")
            }
            let tableClass = Int(segment[offset] >> 4)
            let index = Int(segment[offset] & 0x0F)
            guard tableClass <= 1 && index < 4 else {
                throw fail("the \(name) defines Huffman table class \(tableClass), index \(index) (class 0–1, index 0–3)")
            }
            let counts = (1...16).map { Int(segment[offset + $0]) }
            let symbolCount = counts.reduce(0, +)
            guard symbolCount <= 256, segment.count - offset - 17 >= symbolCount else {
                throw fail("Huffman table \(index) in the \(name) lists \(symbolCount) symbols, more than it holds")
            }
            let symbols = segment[(offset + 17)..<(offset + 17 + symbolCount)]
            var problem = ""
            // The canonical code must not overflow its code space (libjpeg's jpeg_make_d_derived_tbl).
            var code = 0
            let longest = counts.lastIndex(where: { $0 > 0 }).map { $0 + 1 } ?? 0
            if longest > 0 {
                for bits in 1...longest {
                    code += counts[bits - 1]
                    if code >= 1 << bits {
                        problem = "its code lengths overflow the code space at \(bits) bits"
                        break
                    }
                    code <<= 1
                }
            }
            if problem.isEmpty && tableClass == 0, let symbol = symbols.first(where: { $0 > 15 }) {
                problem = "DC symbol \(symbol) is above 15"
            }
            problems[tableClass][index] = problem
            offset += 17 + symbolCount
        }
    }

    /// Checks a scan header against the frame and the tables defined so far.
    private func checkScan(
        _ segment: UnsafeRawBufferPointer, name: String, components: [Component], quantizationDefined: [Bool],
        huffmanProblems: [[String?]], fail: (String) -> DatasetError
    ) throws {
        guard segment.count >= 1 else { throw fail("the scan header \(name) is empty") }
        let count = Int(segment[0])
        guard (1...4).contains(count), segment.count == 4 + 2 * count else {
            throw fail("the scan header \(name) has \(segment.count + 2) bytes for \(count) components (1–4 allowed)")
        }
        var scanComponents: [(component: Component, dcTable: Int, acTable: Int)] = []
        for index in 0..<count {
            let identifier = segment[1 + 2 * index]
            guard let component = components.first(where: { $0.identifier == identifier }) else {
                throw fail("the scan header \(name) names component \(identifier), which the frame does not have")
            }
            guard !scanComponents.contains(where: { $0.component.identifier == identifier }) else {
                throw fail("the scan header \(name) names component \(identifier) twice")
            }
            let tables = segment[2 + 2 * index]
            scanComponents.append((component, Int(tables >> 4), Int(tables & 0x0F)))
        }
        let spectralStart = Int(segment[1 + 2 * count])
        let spectralEnd = Int(segment[2 + 2 * count])
        let approximationHigh = Int(segment[3 + 2 * count] >> 4)
        let approximationLow = Int(segment[3 + 2 * count] & 0x0F)

        if count > 1 {
            let blocks = scanComponents.reduce(0) { $0 + $1.component.horizontalSampling * $1.component.verticalSampling }
            guard blocks <= Self.maximumBlocksPerMCU else {
                throw fail("the scan header \(name) interleaves \(blocks) blocks per MCU (libjpeg allows \(Self.maximumBlocksPerMCU))")
            }
        }
        for (component, _, _) in scanComponents where !quantizationDefined[component.quantizationTable] {
            throw fail(
                "component \(component.identifier) uses quantisation table \(component.quantizationTable),"
                    + " which is not defined before the scan at \(name)")
        }

        var usesDC = true
        var usesAC = true
        if isProgressive {
            let isDCBand = spectralStart == 0
            var bad = isDCBand ? spectralEnd != 0 : spectralStart > spectralEnd || spectralEnd > 63 || count != 1
            if approximationHigh != 0 && approximationLow != approximationHigh - 1 { bad = true }
            if approximationLow > 13 { bad = true }
            guard !bad else {
                throw fail(
                    "the progressive scan at \(name) has invalid parameters Ss=\(spectralStart) Se=\(spectralEnd)"
                        + " Ah=\(approximationHigh) Al=\(approximationLow)")
            }
            usesDC = isDCBand && approximationHigh == 0
            usesAC = !isDCBand
        }
        guard !isArithmetic else { return }
        for (component, dcTable, acTable) in scanComponents {
            for (tableClass, table, used) in [(0, dcTable, usesDC), (1, acTable, usesAC)] where used {
                let kind = tableClass == 0 ? "DC" : "AC"
                guard table < 4 else {
                    throw fail("component \(component.identifier) in the scan at \(name) uses \(kind) Huffman table \(table) (0–3 allowed)")
                }
                switch huffmanProblems[tableClass][table] {
                case nil where table >= 2:
                    throw fail(
                        "component \(component.identifier) in the scan at \(name) uses \(kind) Huffman table \(table),"
                            + " which is not defined")
                case let problem? where !problem.isEmpty:
                    throw fail("\(kind) Huffman table \(table), used by the scan at \(name), is invalid: \(problem)")
                default:
                    break
                }
            }
        }
    }
}

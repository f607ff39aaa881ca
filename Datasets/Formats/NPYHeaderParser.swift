/// A value of the small subset of Python literal syntax that `.npy` headers use: the header is
/// the `repr` of a dictionary such as `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
indirect enum PythonLiteral: Equatable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dictionary([(key: PythonLiteral, value: PythonLiteral)])

    static func == (left: PythonLiteral, right: PythonLiteral) -> Bool {
        switch (left, right) {
        case let (.string(a), .string(b)): return a == b
        case let (.integer(a), .integer(b)): return a == b
        case let (.boolean(a), .boolean(b)): return a == b
        case (.none, .none): return true
        case let (.tuple(a), .tuple(b)), let (.list(a), .list(b)): return a == b
        case let (.dictionary(a), .dictionary(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The literal written back in Python syntax, for error messages.
    var pythonDescription: String {
        switch self {
        case .string(let value): return "'\(value)'"
        case .integer(let value): return String(value)
        case .boolean(let value): return value ? "True" : "False"
        case .none: return "None"
        case .tuple(let items): return "(" + items.map(\.pythonDescription).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): return "[" + items.map(\.pythonDescription).joined(separator: ", ") + "]"
        case .dictionary(let pairs):
            return "{" + pairs.map { "\($0.key.pythonDescription): \($0.value.pythonDescription)" }.joined(separator: ", ") + "}"
        }
    }
}

/// A recursive-descent parser for ``PythonLiteral``s: strings in single or double quotes,
/// integers (with an optional legacy `L` suffix), `True`, `False`, `None`, tuples, lists and
/// dictionaries, with Python's optional trailing commas.
///
/// Nesting is limited to ``maximumDepth`` so that hostile input cannot exhaust the stack.
struct PythonLiteralParser {
    /// The deepest nesting of brackets accepted.
    static let maximumDepth = 32

    /// An error with the byte offset where parsing stopped.
    struct Failure: Error {
        var offset: Int
        var reason: String
    }

    private let text: [UInt8]
    private var position = 0

    /// Parses one literal that must make up the whole text, apart from surrounding whitespace.
    static func parse(_ text: [UInt8]) throws(Failure) -> PythonLiteral {
        var parser = PythonLiteralParser(text: text)
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == text.count else {
            throw Failure(offset: parser.position, reason: "unexpected \(parser.describeCurrent()) after the literal")
        }
        return value
    }

    private init(text: [UInt8]) {
        self.text = text
    }

    private var current: UInt8? { position < text.count ? text[position] : nil }

    private func describeCurrent() -> String {
        guard let byte = current else { return "end of header" }
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(hexadecimal(byte))"
    }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C {
            position += 1
        }
    }

    private mutating func parseValue(depth: Int) throws(Failure) -> PythonLiteral {
        skipWhitespace()
        guard let byte = current else {
            throw Failure(offset: position, reason: "the header ends where a value was expected")
        }
        switch byte {
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
            guard depth < Self.maximumDepth else {
                throw Failure(offset: position, reason: "brackets nested deeper than \(Self.maximumDepth) levels")
            }
            return try parseContainer(opening: byte, depth: depth + 1)
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .integer(try parseInteger())
        default:
            let start = position
            while let letter = current,
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(letter)
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(letter) || letter == UInt8(ascii: "_")
            {
                position += 1
            }
            switch String(decoding: text[start..<position], as: UTF8.self) {
            case "True": return .boolean(true)
            case "False": return .boolean(false)
            case "None": return .none
            case "":
                throw Failure(offset: start, reason: "unexpected \(describeCurrent()) where a value was expected")
            case let word:
                throw Failure(offset: start, reason: "unknown name '\(printableExcerpt(word, limit: 40))'")
            }
        }
    }

    private mutating func parseString() throws(Failure) -> String {
        let quote = text[position]
        let start = position
        position += 1
        var bytes: [UInt8] = []
        while let byte = current {
            position += 1
            if byte == quote {
                // Python 3 headers are UTF-8 (version 3.0) or Latin-1 (1.0 and 2.0); every
                // descriptor this toolkit accepts is ASCII, so decoding leniently is enough.
                return String(decoding: bytes, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                guard let escaped = current else { break }
                position += 1
                switch escaped {
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): bytes.append(escaped)
                default: bytes.append(contentsOf: [UInt8(ascii: "\\"), escaped])
                }
                continue
            }
            if byte == 0x0A {
                throw Failure(offset: position - 1, reason: "a line break inside the string starting at offset \(start)")
            }
            bytes.append(byte)
        }
        throw Failure(offset: start, reason: "the string starting here is not closed")
    }

    private mutating func parseInteger() throws(Failure) -> Int {
        let start = position
        var isNegative = false
        if current == UInt8(ascii: "-") || current == UInt8(ascii: "+") {
            isNegative = current == UInt8(ascii: "-")
            position += 1
        }
        var value = 0
        var digitCount = 0
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
            let (added, overflowAdd) = shifted.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflowShift && !overflowAdd else {
                throw Failure(offset: start, reason: "the integer starting here does not fit in 64 bits")
            }
            value = added
            digitCount += 1
            position += 1
        }
        guard digitCount > 0 else {
            throw Failure(offset: start, reason: "a sign without digits")
        }
        if current == UInt8(ascii: "L") || current == UInt8(ascii: "l") {
            position += 1  // Python 2 long-integer suffix, written by very old NumPy versions.
        }
        if let byte = current, byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            throw Failure(offset: start, reason: "a number that is not an integer")
        }
        return isNegative ? -value : value
    }

    private mutating func parseContainer(opening: UInt8, depth: Int) throws(Failure) -> PythonLiteral {
        let start = position
        position += 1
        let closing: UInt8 =
            opening == UInt8(ascii: "(") ? UInt8(ascii: ")") : opening == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}")
        var items: [PythonLiteral] = []
        var pairs: [(key: PythonLiteral, value: PythonLiteral)] = []
        var sawComma = false
        while true {
            skipWhitespace()
            guard let byte = current else {
                throw Failure(offset: start, reason: "the bracket opened here is not closed")
            }
            if byte == closing {
                position += 1
                break
            }
            if !(items.isEmpty && pairs.isEmpty) && !sawComma {
                throw Failure(offset: position, reason: "expected ',' or '\(Character(Unicode.Scalar(closing)))', found \(describeCurrent())")
            }
            let value = try parseValue(depth: depth)
            if opening == UInt8(ascii: "{") {
                skipWhitespace()
                guard current == UInt8(ascii: ":") else {
                    throw Failure(offset: position, reason: "expected ':' after a dictionary key, found \(describeCurrent())")
                }
                position += 1
                pairs.append((key: value, value: try parseValue(depth: depth)))
            } else {
                items.append(value)
            }
            skipWhitespace()
            sawComma = current == UInt8(ascii: ",")
            if sawComma { position += 1 }
        }
        switch opening {
        case UInt8(ascii: "("):
            // `(3)` is just the integer 3 in Python; a one-element tuple needs its comma.
            if items.count == 1 && !sawComma { return items[0] }
            return .tuple(items)
        case UInt8(ascii: "["):
            return .list(items)
        default:
            return .dictionary(pairs)
        }
    }
}

/// Text taken from a file, made safe for a one-line error message: control characters and line
/// separators are escaped (`\n`, `\u{1B}`), and long text is cut to `limit` characters with `…`.
func printableExcerpt<Text: StringProtocol>(_ text: Text, limit: Int = 60) -> String {
    var result = ""
    var count = 0
    for scalar in text.unicodeScalars {
        guard count < limit else {
            result += "…"
            break
        }
        switch scalar.value {
        case 0x0A: result += "\\n"
        case 0x0D: result += "\\r"
        case 0x09: result += "\\t"
        case 0x00..<0x20, 0x7F...0x9F, 0x2028, 0x2029:
            result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        default: result.unicodeScalars.append(scalar)
        }
        count += 1
    }
    return result
}

import Foundation

// MARK: - The header

extension SafeTensors {
    /// Parses the JSON header and validates every entry against a data section of `dataByteCount` bytes.
    static func parseHeader(_ bytes: [UInt8], dataByteCount: Int) throws -> Header {
        try checkWhatFoundationAllows(bytes)
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)
        } catch {
            throw CheckpointError.invalidHeader("not valid JSON: \(foundationReason(error))")
        }
        guard let members = root as? [String: Any] else {
            throw CheckpointError.invalidHeader("the header is JSON but not an object")
        }

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        entries.reserveCapacity(members.count)
        // In sorted order, so that of several faults the same one is always reported.
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            if name == metadataKey {
                guard let pairs = value as? [String: Any] else {
                    throw CheckpointError.invalidHeader("\"\(metadataKey)\" is not an object")
                }
                for (key, item) in pairs.sorted(by: { $0.key < $1.key }) {
                    guard let text = item as? String else {
                        throw CheckpointError.invalidHeader("metadata value for \"\(key)\" is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            entries.append(try parseEntry(name: name, value))
        }

        // The tensors must tile the data section exactly: sorted by offsets, each starts where the
        // previous one ended, and the last one ends at the end of the data.
        var expectedBegin = 0
        var previousName: String?
        for entry in entries.sorted(by: { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }) {
            if entry.end > dataByteCount {
                throw CheckpointError.dataOutOfBounds(name: entry.name, end: entry.end, dataByteCount: dataByteCount)
            }
            if entry.begin < expectedBegin, let previousName {
                throw CheckpointError.overlappingData(entry.name, previousName)
            }
            if entry.begin > expectedBegin {
                throw CheckpointError.nonContiguousData(
                    name: entry.name, begin: entry.begin, expectedBegin: expectedBegin)
            }
            expectedBegin = entry.end
            previousName = entry.name
        }
        if expectedBegin != dataByteCount {
            throw CheckpointError.trailingData(byteCount: dataByteCount - expectedBegin)
        }
        return Header(entries: entries, metadata: metadata)
    }

    /// Validates one tensor entry, a value from `JSONSerialization`: its dtype, its shape, and that
    /// its byte range fits them.
    static func parseEntry(name: String, _ value: Any) throws -> Entry {
        guard let fields = value as? [String: Any] else {
            throw CheckpointError.invalidHeader("the entry for \"\(name)\" is not an object")
        }
        func field(_ key: String) throws -> Any {
            guard let found = fields[key] else {
                throw CheckpointError.invalidHeader("the entry for \"\(name)\" has no \"\(key)\"")
            }
            return found
        }
        func integers(_ key: String) throws -> [Int] {
            guard let items = try field(key) as? [Any] else {
                throw CheckpointError.invalidHeader("\"\(key)\" of \"\(name)\" is not an array")
            }
            return try items.map { item in
                guard let number = nonNegativeInteger(item) else {
                    throw CheckpointError.invalidHeader(
                        "\"\(key)\" of \"\(name)\" holds something other than a non-negative integer")
                }
                return number
            }
        }

        guard let dtypeName = try field("dtype") as? String else {
            throw CheckpointError.invalidHeader("\"dtype\" of \"\(name)\" is not a string")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw CheckpointError.unsupportedDType(name: name, dtype: dtypeName)
        }
        let shape = try integers("shape")
        let offsets = try integers("data_offsets")
        guard offsets.count == 2 else {
            throw CheckpointError.invalidHeader("\"data_offsets\" of \"\(name)\" has \(offsets.count) numbers, not 2")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else {
            throw CheckpointError.invalidHeader(
                "\"data_offsets\" of \"\(name)\" end before they begin: [\(begin), \(end)]")
        }
        var expectedBytes = dtype.byteCount
        for extent in shape {
            let (product, overflow) = expectedBytes.multipliedReportingOverflow(by: extent)
            guard !overflow else {
                throw CheckpointError.invalidHeader("the shape \(shape) of \"\(name)\" is too large")
            }
            expectedBytes = product
        }
        guard expectedBytes == end - begin else {
            throw CheckpointError.byteCountMismatch(
                name: name, shape: shape, dtype: dtypeName, expected: expectedBytes, found: end - begin)
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }
}

// MARK: - What Foundation's JSON reader lets through

extension SafeTensors {
    /// The deepest nesting of objects and arrays accepted in a header; a safetensors header needs three.
    static let maximumNestingDepth = 64

    /// Rejects the header text that RFC 8259 (and the official Rust reader, serde_json) forbids but
    /// `JSONSerialization` accepts, before Foundation parses it:
    ///
    /// - text that is not UTF-8: Foundation guesses UTF-16 or UTF-32 from NUL bytes and skips a
    ///   byte-order mark, while safetensors headers are UTF-8 (a NUL byte is never valid JSON text);
    /// - a trailing comma (`[1,]`, `{"a":1,}`), which Foundation ignores;
    /// - a key that appears twice in one object, where Foundation silently keeps the last value, so
    ///   two readers of the same file could disagree about its tensors;
    /// - nesting deeper than ``maximumNestingDepth`` (Foundation stops at 512, also safely).
    ///
    /// This is a scan of string boundaries and brackets, not a parser: it leaves the grammar to
    /// Foundation, which also decodes any key written with an escape, so malformed text that passes
    /// here is still rejected there.
    static func checkWhatFoundationAllows(_ bytes: [UInt8]) throws {
        let invalidUTF8 = transcode(
            bytes.makeIterator(), from: UTF8.self, to: UTF8.self, stoppingOnError: true, into: { _ in })
        if invalidUTF8 { throw CheckpointError.invalidHeader("the header is not valid UTF-8") }
        if let nul = bytes.firstIndex(of: 0) {
            throw CheckpointError.invalidHeader("not valid JSON: a NUL byte at byte \(nul)")
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw CheckpointError.invalidHeader("not valid JSON: the header starts with a byte-order mark")
        }

        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), comma = UInt8(ascii: ",")
        // One entry per open bracket: the keys seen so far in an object, nil for an array.
        var open: [Set<String>?] = []
        var expectingKey = false
        var previous: UInt8 = 0  // the last byte outside strings that is not whitespace
        var position = 0
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case quote:
                let start = position
                position += 1
                while position < bytes.count, bytes[position] != quote {
                    position += bytes[position] == backslash ? 2 : 1
                }
                guard position < bytes.count else { return }  // unterminated: Foundation says so
                position += 1
                if expectingKey {
                    let key = try decodeKey(bytes[start..<position])
                    if open[open.count - 1]?.insert(key).inserted == false {
                        throw CheckpointError.duplicateKey(key)
                    }
                }
                expectingKey = false
                previous = quote
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = byte == UInt8(ascii: "{")
                open.append(isObject ? [] : nil)
                guard open.count <= maximumNestingDepth else {
                    throw CheckpointError.invalidHeader(
                        "not valid JSON: nesting deeper than \(maximumNestingDepth) at byte \(position)")
                }
                expectingKey = isObject
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if previous == comma {
                    throw CheckpointError.invalidHeader("not valid JSON: a trailing comma before byte \(position)")
                }
                _ = open.popLast()
                expectingKey = false
            case comma:
                expectingKey = open.last.map { $0 != nil } ?? false
            case 0x20, 0x0A, 0x0D, 0x09:
                position += 1
                continue
            default:
                expectingKey = false
            }
            previous = byte
            position += 1
        }
    }

    /// The text of a JSON string literal (quotes included), with any escapes decoded by Foundation.
    static func decodeKey(_ literal: ArraySlice<UInt8>) throws -> String {
        guard literal.contains(UInt8(ascii: "\\")) else {
            return String(decoding: literal.dropFirst().dropLast(), as: UTF8.self)
        }
        do {
            if let key = try JSONSerialization.jsonObject(with: Data(literal), options: .fragmentsAllowed) as? String {
                return key
            }
        } catch {
            throw CheckpointError.invalidHeader("not valid JSON: \(foundationReason(error))")
        }
        throw CheckpointError.invalidHeader("not valid JSON: a key is not a string")
    }

    /// The one-line reason inside an error from `JSONSerialization`.
    static func foundationReason(_ error: Error) -> String {
        let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        return reason.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// The value as an `Int` if the JSON text wrote it as an integer literal that is non-negative
    /// and fits; `nil` for a fraction or exponent (`1.0`, `1e0`), a bool, a string or anything else.
    ///
    /// `JSONSerialization` stores an integer literal as an integer `NSNumber` and any literal with a
    /// fraction or exponent as a `Double`, and a bool as a `char`, so the number's `objCType` tells them
    /// apart. (Foundation reads `-0` as the integer 0, which is accepted.)
    static func nonNegativeInteger(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        switch String(cString: number.objCType) {
        case "s", "i", "l", "q":
            let signed = number.int64Value
            return signed >= 0 ? Int(exactly: signed) : nil
        case "S", "I", "L", "Q":
            return Int(exactly: number.uint64Value)
        default:
            return nil
        }
    }
}

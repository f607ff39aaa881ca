import Foundation

// MARK: - Writing

extension SafeTensors {
    /// Serializes `tensors` and `metadata` to the bytes of a safetensors file.
    ///
    /// The result is deterministic: the same tensors and metadata always give the same bytes.
    ///
    /// - Throws: ``CheckpointError/reservedTensorName(_:)`` for a tensor named `__metadata__`.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> Data {
        if tensors[metadataKey] != nil { throw CheckpointError.reservedTensorName(metadataKey) }
        let names = tensors.keys.sorted()

        var json = "{"
        var first = true
        if !metadata.isEmpty {
            json += "\"\(metadataKey)\":{"
            json += metadata.keys.sorted().map { key in
                "\(jsonQuoted(key)):\(jsonQuoted(metadata[key]!))"
            }.joined(separator: ",")
            json += "}"
            first = false
        }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let byteCount = tensor.count * MemoryLayout<Float>.size
            if !first { json += "," }
            first = false
            json += "\(jsonQuoted(name)):{\"dtype\":\"F32\",\"shape\":["
            json += tensor.shape.map(String.init).joined(separator: ",")
            json += "],\"data_offsets\":[\(offset),\(offset + byteCount)]}"
            offset += byteCount
        }
        json += "}"

        var header = Array(json.utf8)
        let padding = (8 - header.count % 8) % 8
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))

        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for name in names {
            let scalars = tensors[name]!.scalars
            #if _endian(little)
                scalars.withUnsafeBytes { data.append(contentsOf: $0) }
            #else
                let swapped = scalars.map { $0.bitPattern.littleEndian }
                swapped.withUnsafeBytes { data.append(contentsOf: $0) }
            #endif
        }
        return data
    }

    /// A JSON string literal for `text`, escaped as serde_json (the official library) escapes it.
    static func jsonQuoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

import Foundation

// MARK: - Reading

extension SafeTensors {
    /// Parses the bytes of a safetensors file into tensors, converting each to `Float`.
    ///
    /// - Throws: ``CheckpointError`` if the bytes are truncated or malformed.
    public static func decode(_ data: Data) throws -> [String: Tensor] {
        try decodeWithMetadata(data).tensors
    }

    /// Parses only the `__metadata__` strings from the bytes of a safetensors file.
    ///
    /// - Throws: ``CheckpointError`` if the bytes are truncated or malformed.
    public static func decodeMetadata(_ data: Data) throws -> [String: String] {
        try data.withUnsafeBytes { raw in try parse(raw).header.metadata }
    }

    /// Parses the bytes of a safetensors file into tensors and header metadata.
    ///
    /// - Throws: ``CheckpointError`` if the bytes are truncated or malformed.
    public static func decodeWithMetadata(_ data: Data) throws -> (
        tensors: [String: Tensor], metadata: [String: String]
    ) {
        try data.withUnsafeBytes { raw in
            let (header, dataStart) = try parse(raw)
            var tensors: [String: Tensor] = [:]
            tensors.reserveCapacity(header.entries.count)
            for entry in header.entries {
                let bytes = UnsafeRawBufferPointer(rebasing: raw[(dataStart + entry.begin)..<(dataStart + entry.end)])
                tensors[entry.name] = Tensor(shape: entry.shape, scalars: convert(bytes, from: entry.dtype))
            }
            return (tensors, header.metadata)
        }
    }

    // MARK: - Parsing and validation

    /// Splits a whole file into its validated header and the offset of its data section.
    static func parse(_ raw: UnsafeRawBufferPointer) throws -> (header: Header, dataStart: Int) {
        let headerByteCount = try headerLength(Data(raw.prefix(8)), fileByteCount: UInt64(raw.count))
        let headerBytes = [UInt8](raw[8..<(8 + headerByteCount)])
        let dataStart = 8 + headerByteCount
        let header = try parseHeader(headerBytes, dataByteCount: raw.count - dataStart)
        return (header, dataStart)
    }

    /// Reads and checks the 8-byte header length against the limit and the file's size.
    static func headerLength(_ prefix: Data, fileByteCount: UInt64) throws -> Int {
        guard prefix.count == 8 else { throw CheckpointError.fileTooShort(byteCount: prefix.count) }
        var length: UInt64 = 0
        for (index, byte) in prefix.enumerated() { length |= UInt64(byte) << (8 * UInt64(index)) }
        guard length <= UInt64(maximumHeaderByteCount) else {
            throw CheckpointError.headerTooLarge(byteCount: length, limit: maximumHeaderByteCount)
        }
        guard length <= fileByteCount - 8 else {
            throw CheckpointError.truncatedHeader(declared: length, available: Int(fileByteCount - 8))
        }
        guard length >= 2 else {
            throw CheckpointError.invalidHeader("a header of \(length) bytes cannot hold a JSON object")
        }
        return Int(length)
    }

    // MARK: - Conversion

    /// Converts little-endian elements of `dtype` to `Float`.
    static func convert(_ bytes: UnsafeRawBufferPointer, from dtype: DType) -> [Float] {
        let count = bytes.count / dtype.byteCount
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            switch dtype {
            case .f32:
                #if _endian(little)
                    if count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes) }
                #else
                    for i in 0..<count {
                        let bits = bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                        buffer[i] = Float(bitPattern: UInt32(littleEndian: bits))
                    }
                #endif
            case .f64:
                for i in 0..<count {
                    let bits = bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                    buffer[i] = Float(Double(bitPattern: UInt64(littleEndian: bits)))
                }
            case .f16:
                for i in 0..<count {
                    let bits = bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                    buffer[i] = floatFromHalf(UInt16(littleEndian: bits))
                }
            case .bf16:
                for i in 0..<count {
                    let bits = bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                    buffer[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bits)) << 16)
                }
            case .i64:
                for i in 0..<count {
                    let bits = bytes.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)
                    buffer[i] = Float(Int64(littleEndian: bits))
                }
            case .i32:
                for i in 0..<count {
                    let bits = bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)
                    buffer[i] = Float(Int32(littleEndian: bits))
                }
            case .u8:
                for i in 0..<count { buffer[i] = Float(bytes[i]) }
            }
            initialized = count
        }
    }

    /// Converts IEEE 754 binary16 bits to `Float` exactly (subnormals, infinities and NaN included).
    ///
    /// Written out rather than through `Float16`, which Swift does not offer on Intel Macs.
    static func floatFromHalf(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x03FF)
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            // Zero or subnormal: mantissa × 2^-24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }
}

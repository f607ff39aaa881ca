/// A bounds-checked reader for the ZIP container of `.npz` files.
///
/// It finds the end-of-central-directory record (and the ZIP64 one when the 32-bit fields
/// overflow), walks the central directory, checks every local header against it, and extracts
/// stored members by slicing and deflated members with
/// ``Zlib/decompressRaw(_:expectedSize:source:)``, verifying each member's size and CRC-32. Every offset and size read from the file is checked against the
/// file's length before use, so hostile input throws a ``DatasetError`` instead of crashing or
/// allocating without bound.
///
/// The reading side does not use ZIPFoundation: in version 0.9.20 on Linux its inflate loop
/// (`Data.decode` in `Data+Compression.swift`) sets `avail_in` to the buffer size whatever the
/// length of the chunk it read, so a member near the end of the file makes zlib read past the
/// chunk, and a truncated deflate stream never reaches `Z_STREAM_END` and loops forever; and its
/// ZIP64 offsets are converted with `off_t(_:)`, which traps above `Int64.max`. ZIPFoundation is
/// still used to write archives (``NPZWriter``), where the input is our own.
struct ZipReader {
    /// One member of the archive, as described by its central-directory record.
    struct Member {
        /// The member's path inside the archive.
        var name: String
        /// 0 (stored) or 8 (deflated).
        var method: UInt16
        /// The CRC-32 of the uncompressed data.
        var checksum: UInt32
        /// The size of the data as stored in the archive.
        var compressedSize: Int
        /// The size of the data once extracted.
        var uncompressedSize: Int
        /// The offset of the member's data (after its local header) in the archive.
        var dataOffset: Int
    }

    /// The archive's bytes.
    let bytes: UnsafeRawBufferPointer
    /// The file or description named in error messages.
    let source: String
    /// The members in central-directory order.
    private(set) var members: [Member] = []

    /// The signature that starts every local file header, `PK\u{3}\u{4}`.
    static let localHeaderSignature: UInt32 = 0x0403_4B50
    static let centralHeaderSignature: UInt32 = 0x0201_4B50
    static let endOfCentralDirectorySignature: UInt32 = 0x0605_4B50
    static let zip64EndOfCentralDirectorySignature: UInt32 = 0x0606_4B50
    static let zip64LocatorSignature: UInt32 = 0x0706_4B50

    /// Parses the archive's directory, checking every record it names.
    init(_ bytes: UnsafeRawBufferPointer, source: String) throws {
        self.bytes = bytes
        self.source = source
        try readDirectory()
    }

    // MARK: - Little-endian fields

    private func uint16(at offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    private func uint32(at offset: Int) -> UInt32 {
        UInt32(uint16(at: offset)) | UInt32(uint16(at: offset + 2)) << 16
    }

    private func uint64(at offset: Int) -> UInt64 {
        UInt64(uint32(at: offset)) | UInt64(uint32(at: offset + 4)) << 32
    }

    /// Converts a size or offset read from the file to `Int`, requiring it to lie within the file.
    private func checkedOffset(_ value: UInt64, _ what: String) throws -> Int {
        guard value <= UInt64(bytes.count) else {
            throw DatasetError.truncated(
                source: source, reason: "\(what) is \(value), beyond the end of the \(bytes.count)-byte archive")
        }
        return Int(value)
    }

    // MARK: - Directory

    private mutating func readDirectory() throws {
        let endRecord = try findEndOfCentralDirectory()
        guard uint16(at: endRecord + 4) == 0, uint16(at: endRecord + 6) == 0 else {
            throw DatasetError.invalidFormat(source: source, reason: "multi-disk ZIP archives are not supported")
        }
        var entryCount = UInt64(uint16(at: endRecord + 10))
        var directorySize = UInt64(uint32(at: endRecord + 12))
        var directoryOffset = UInt64(uint32(at: endRecord + 16))
        var directoryLimit = endRecord

        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: a locator just before the end record points at the ZIP64 end record.
            let locator = endRecord - 20
            guard locator >= 0, uint32(at: locator) == Self.zip64LocatorSignature else {
                throw DatasetError.invalidFormat(
                    source: source,
                    reason: "the end-of-central-directory record has ZIP64 markers but no ZIP64 locator precedes it")
            }
            let record = try checkedOffset(uint64(at: locator + 8), "the ZIP64 end-record offset")
            guard record <= locator - 56, uint32(at: record) == Self.zip64EndOfCentralDirectorySignature else {
                throw DatasetError.invalidFormat(
                    source: source, reason: "the ZIP64 locator points at offset \(record), where there is no ZIP64 end record")
            }
            entryCount = uint64(at: record + 32)
            directorySize = uint64(at: record + 40)
            directoryOffset = uint64(at: record + 48)
            directoryLimit = record
        }

        let start = try checkedOffset(directoryOffset, "the central-directory offset")
        let size = try checkedOffset(directorySize, "the central-directory size")
        guard start <= directoryLimit, size <= directoryLimit - start else {
            throw DatasetError.truncated(
                source: source,
                reason: "the central directory (\(size) bytes at offset \(start)) overlaps the end record at offset \(directoryLimit)")
        }
        // Every central-directory record takes at least 46 bytes, which bounds a sane count.
        guard entryCount <= UInt64(size / 46) else {
            throw DatasetError.invalidFormat(
                source: source, reason: "the archive claims \(entryCount) members, more than its \(size)-byte directory can hold")
        }

        var offset = start
        let end = start + size
        var names = Set<String>()
        for index in 0..<Int(entryCount) {
            let member = try readCentralRecord(at: &offset, end: end, index: index, dataLimit: start)
            guard names.insert(member.name).inserted else {
                throw DatasetError.invalidFormat(
                    source: source, reason: "the member '\(printableExcerpt(member.name, limit: 120))' appears twice")
            }
            members.append(member)
        }
    }

    /// Finds the end-of-central-directory record: the last signature in the final 64 KiB + 22
    /// bytes whose comment fits in the file.
    private func findEndOfCentralDirectory() throws -> Int {
        let lastPossible = bytes.count - 22
        if lastPossible >= 0 {
            let firstPossible = max(0, lastPossible - 0xFFFF)
            for candidate in stride(from: lastPossible, through: firstPossible, by: -1)
            where uint32(at: candidate) == Self.endOfCentralDirectorySignature {
                let commentLength = Int(uint16(at: candidate + 20))
                guard candidate + 22 + commentLength <= bytes.count else { continue }
                return candidate
            }
        }
        if bytes.count >= 4 && uint32(at: 0) == Self.localHeaderSignature
            || bytes.count < 4 && bytes.elementsEqual([0x50, 0x4B, 0x03, 0x04].prefix(bytes.count))
        {
            throw DatasetError.truncated(
                source: source,
                reason: "the ZIP archive has no end-of-central-directory record in its \(bytes.count) bytes; it is probably cut short")
        }
        throw DatasetError.wrongMagic(
            source: source, expected: "a ZIP archive (50 4B 03 04) as written by numpy.savez",
            found: hexadecimal(bytes.prefix(4)))
    }

    /// Reads one central-directory record and checks its local header.
    private func readCentralRecord(at offset: inout Int, end: Int, index: Int, dataLimit: Int) throws -> Member {
        guard end - offset >= 46 else {
            throw DatasetError.truncated(
                source: source, reason: "the central directory ends inside the record of member \(index)")
        }
        guard uint32(at: offset) == Self.centralHeaderSignature else {
            throw DatasetError.invalidFormat(
                source: source,
                reason: "no central-directory signature at offset \(offset) (member \(index)):"
                    + " found \(hexadecimal(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 4)])))")
        }
        let flags = uint16(at: offset + 8)
        let method = uint16(at: offset + 10)
        let checksum = uint32(at: offset + 16)
        var compressedSize = UInt64(uint32(at: offset + 20))
        var uncompressedSize = UInt64(uint32(at: offset + 24))
        let nameLength = Int(uint16(at: offset + 28))
        let extraLength = Int(uint16(at: offset + 30))
        let commentLength = Int(uint16(at: offset + 32))
        var localHeaderOffset = UInt64(uint32(at: offset + 42))
        let recordLength = 46 + nameLength + extraLength + commentLength
        guard end - offset >= recordLength else {
            throw DatasetError.truncated(
                source: source, reason: "the central directory ends inside the record of member \(index)")
        }
        let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[(offset + 46)..<(offset + 46 + nameLength)])
        let rawName = String(decoding: nameBytes, as: UTF8.self)
        // The name as it appears in messages: control characters escaped, long names cut.
        let name = printableExcerpt(rawName, limit: 120)
        let extra = UnsafeRawBufferPointer(rebasing: bytes[(offset + 46 + nameLength)..<(offset + 46 + nameLength + extraLength)])
        offset += recordLength

        // ZIP64 extended information replaces the 32-bit fields that hold 0xFFFFFFFF, in order.
        if uncompressedSize == 0xFFFF_FFFF || compressedSize == 0xFFFF_FFFF || localHeaderOffset == 0xFFFF_FFFF {
            guard let field = Self.extraField(0x0001, in: extra) else {
                throw DatasetError.invalidFormat(
                    source: source, reason: "member '\(name)' has ZIP64 markers but no ZIP64 extra field")
            }
            var position = 0
            func next() throws -> UInt64 {
                guard field.count - position >= 8 else {
                    throw DatasetError.invalidFormat(source: source, reason: "the ZIP64 extra field of member '\(name)' is too short")
                }
                var value: UInt64 = 0
                for byteIndex in 0..<8 {
                    value |= UInt64(field[position + byteIndex]) << (8 * UInt64(byteIndex))
                }
                position += 8
                return value
            }
            if uncompressedSize == 0xFFFF_FFFF { uncompressedSize = try next() }
            if compressedSize == 0xFFFF_FFFF { compressedSize = try next() }
            if localHeaderOffset == 0xFFFF_FFFF { localHeaderOffset = try next() }
        }

        guard flags & 0x0001 == 0 else {
            throw DatasetError.invalidFormat(source: source, reason: "member '\(name)' is encrypted, which is not supported")
        }
        guard method == 0 || method == 8 else {
            throw DatasetError.invalidFormat(
                source: source,
                reason: "member '\(name)' uses compression method \(method) (supported: 0 stored, 8 deflated)")
        }
        let compressed = try checkedOffset(compressedSize, "the compressed size of member '\(name)'")
        guard uncompressedSize <= UInt64(Int.max) else {
            throw DatasetError.invalidFormat(source: source, reason: "member '\(name)' claims an impossible size \(uncompressedSize)")
        }
        let uncompressed = Int(uncompressedSize)
        if method == 0 && compressed != uncompressed {
            throw DatasetError.invalidFormat(
                source: source,
                reason: "stored member '\(name)' has a compressed size \(compressed) different from its size \(uncompressed)")
        }

        // The local header must lie before the central directory and agree with it.
        let local = try checkedOffset(localHeaderOffset, "the local-header offset of member '\(name)'")
        guard dataLimit - local >= 30 else {
            throw DatasetError.truncated(
                source: source, reason: "the local header of member '\(name)' at offset \(local) runs into the central directory")
        }
        guard uint32(at: local) == Self.localHeaderSignature else {
            throw DatasetError.invalidFormat(
                source: source, reason: "no local-header signature at offset \(local) for member '\(name)'")
        }
        let localMethod = uint16(at: local + 8)
        let localNameLength = Int(uint16(at: local + 26))
        let localExtraLength = Int(uint16(at: local + 28))
        let dataOffset = local + 30 + localNameLength + localExtraLength
        guard dataOffset <= dataLimit, compressed <= dataLimit - dataOffset else {
            throw DatasetError.truncated(
                source: source,
                reason: "the \(compressed) bytes of member '\(name)' at offset \(dataOffset) run into the central directory"
                    + " at offset \(dataLimit)")
        }
        let localName = UnsafeRawBufferPointer(rebasing: bytes[(local + 30)..<(local + 30 + localNameLength)])
        guard localMethod == method, localName.elementsEqual(nameBytes) else {
            throw DatasetError.invalidFormat(
                source: source, reason: "the local header of member '\(name)' disagrees with its central-directory record")
        }
        return Member(
            name: rawName, method: method, checksum: checksum, compressedSize: compressed, uncompressedSize: uncompressed,
            dataOffset: dataOffset)
    }

    /// The data of the first extra field with the given header identifier, if it is well formed.
    private static func extraField(_ identifier: UInt16, in extra: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        var position = 0
        while extra.count - position >= 4 {
            let fieldIdentifier = UInt16(extra[position]) | UInt16(extra[position + 1]) << 8
            let fieldLength = Int(UInt16(extra[position + 2]) | UInt16(extra[position + 3]) << 8)
            guard extra.count - position - 4 >= fieldLength else { return nil }
            if fieldIdentifier == identifier {
                return UnsafeRawBufferPointer(rebasing: extra[(position + 4)..<(position + 4 + fieldLength)])
            }
            position += 4 + fieldLength
        }
        return nil
    }

    // MARK: - Extraction

    /// The uncompressed bytes of a member, with its size and CRC-32 verified.
    func extract(_ member: Member) throws -> [UInt8] {
        let stored = UnsafeRawBufferPointer(
            rebasing: bytes[member.dataOffset..<(member.dataOffset + member.compressedSize)])
        let memberSource = "\(source): member '\(printableExcerpt(member.name, limit: 120))'"
        let data: [UInt8]
        if member.method == 0 {
            data = Array(stored)
        } else {
            data = try Zlib.decompressRaw(stored, expectedSize: member.uncompressedSize, source: memberSource)
        }
        let checksum = data.withUnsafeBytes { Zlib.crc32($0) }
        guard checksum == member.checksum else {
            throw DatasetError.checksumMismatch(
                source: memberSource, what: "the member data", expected: hexadecimal(checksum: member.checksum),
                actual: hexadecimal(checksum: checksum))
        }
        return data
    }
}

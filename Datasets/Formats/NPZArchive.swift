import Foundation
import ZIPFoundation

/// The named arrays of a NumPy `.npz` file, in the order they are stored.
///
/// An `.npz` file is a ZIP archive whose members are `.npy` files; `numpy.savez(file, a=x, b=y)`
/// stores `a.npy` and `b.npy`, and positional arguments become `arr_0.npy`, `arr_1.npy`, ….
/// The names here are the member names without their `.npy` suffix, as `numpy.load` shows them.
///
/// ```swift
/// let archive = try NPZReader.read(contentsOf: URL(fileURLWithPath: "svhn.npz"))
/// let images = try archive.array(named: "X")
/// ```
public struct NPZArchive: Equatable, Sendable {
    /// The arrays with their names, in archive order.
    public var entries: [(name: String, array: NumpyArray)]

    /// Creates an archive from named arrays.
    ///
    /// - Precondition: The names are unique and not empty.
    public init(_ entries: [(name: String, array: NumpyArray)]) {
        precondition(entries.allSatisfy { !$0.name.isEmpty }, "NPZ array names must not be empty")
        precondition(Set(entries.map(\.name)).count == entries.count, "NPZ array names must be unique")
        self.entries = entries
    }

    /// The names of the arrays, in archive order.
    public var names: [String] { entries.map(\.name) }

    /// The array with the given name, or `nil` if there is none.
    public subscript(name: String) -> NumpyArray? {
        entries.first { $0.name == name }?.array
    }

    /// The array with the given name.
    ///
    /// - Throws: ``DatasetError/invalidFormat(source:reason:)`` listing the names present when
    ///   there is no array of that name.
    public func array(named name: String, source: String = "NPZ archive") throws -> NumpyArray {
        guard let array = self[name] else {
            throw DatasetError.invalidFormat(
                source: source,
                reason: "no array named '\(name)' (present: \(names.isEmpty ? "none" : names.joined(separator: ", ")))")
        }
        return array
    }

    public static func == (left: NPZArchive, right: NPZArchive) -> Bool {
        left.entries.count == right.entries.count
            && zip(left.entries, right.entries).allSatisfy { $0.name == $1.name && $0.array == $1.array }
    }
}

/// A reader for NumPy `.npz` archives, stored (`numpy.savez`) or deflated (`numpy.savez_compressed`).
///
/// Each member ending in `.npy` is read with ``NPYReader``; directories and other members are
/// skipped. ZIP64 archives (which NumPy writes for large arrays) are supported; encrypted,
/// multi-disk and otherwise-compressed archives are rejected. Every size and offset in the ZIP
/// structure is checked against the file, each member's CRC-32 is verified, and any problem
/// throws a ``DatasetError`` naming the file and, where it applies, the member.
public enum NPZReader {
    /// Reads an `.npz` file.
    ///
    /// - Parameter url: The file to read.
    /// - Returns: The arrays in archive order.
    /// - Throws: ``DatasetError`` when the file is missing, unreadable or malformed, or a member
    ///   is not a readable `.npy` file.
    public static func read(contentsOf url: URL) throws -> NPZArchive {
        try read(DataFile.read(url), source: url.path)
    }

    /// Reads an `.npz` archive held in memory.
    ///
    /// - Parameters:
    ///   - bytes: The complete archive.
    ///   - source: The file or description named in error messages.
    /// - Returns: The arrays in archive order.
    /// - Throws: ``DatasetError`` when the archive or one of its members is malformed.
    public static func read(_ bytes: [UInt8], source: String = "NPZ data") throws -> NPZArchive {
        try bytes.withUnsafeBytes { buffer in
            let zip = try ZipReader(buffer, source: source)
            var entries: [(name: String, array: NumpyArray)] = []
            for member in zip.members where member.name.hasSuffix(".npy") {
                let data = try zip.extract(member)
                let array = try NPYReader.read(data, source: "\(source): member '\(printableExcerpt(member.name, limit: 120))'")
                entries.append((name: String(member.name.dropLast(4)), array: array))
            }
            return NPZArchive(uncheckedEntries: entries)
        }
    }
}

extension NPZArchive {
    /// Creates an archive from entries whose names are already known to be unique.
    init(uncheckedEntries entries: [(name: String, array: NumpyArray)]) {
        self.entries = entries
    }
}

/// A writer for NumPy `.npz` archives that `numpy.load` reads back, built with ZIPFoundation.
///
/// Each array becomes a member `name.npy` encoded by ``NPYWriter``, as `numpy.savez(file, name=array)`
/// would store it. Members carry a fixed modification time (January 1980, which ZIPFoundation
/// records in local time) so that the same arrays give the same bytes.
///
/// ```swift
/// try NPZWriter.write(
///     NPZArchive([("codes", NumpyArray(shape: [n, 64], values: bits)), ("labels", NumpyArray(labels))]),
///     to: URL(fileURLWithPath: "export.npz"), compression: .deflated)
/// ```
public enum NPZWriter {
    /// How the members are stored.
    public enum Compression: Sendable {
        /// Uncompressed, as `numpy.savez` writes.
        case stored
        /// Deflated, as `numpy.savez_compressed` writes.
        case deflated
    }

    /// The modification time written for every member: 2 January 1980, just after the earliest
    /// date a ZIP archive can record, in any time zone.
    static let memberDate = Date(timeIntervalSince1970: 315_532_800 + 86_400)

    /// Encodes arrays as the bytes of an `.npz` archive.
    ///
    /// - Parameters:
    ///   - archive: The named arrays.
    ///   - compression: Whether to store or deflate the members; stored by default.
    /// - Returns: The complete archive.
    /// - Throws: ``DatasetError/writeFailed(path:reason:)`` if ZIPFoundation fails to build the archive.
    public static func encode(_ archive: NPZArchive, compression: Compression = .stored) throws -> [UInt8] {
        try encode(archive, compression: compression, path: "NPZ archive")
    }

    /// Writes arrays to an `.npz` file atomically (a temporary file renamed into place).
    ///
    /// - Parameters:
    ///   - archive: The named arrays.
    ///   - url: The destination; its directory must exist. An existing file is replaced.
    ///   - compression: Whether to store or deflate the members; stored by default.
    /// - Throws: ``DatasetError/writeFailed(path:reason:)`` when the archive cannot be built or written.
    public static func write(_ archive: NPZArchive, to url: URL, compression: Compression = .stored) throws {
        try DatasetFile.write(encode(archive, compression: compression, path: url.path), to: url)
    }

    private static func encode(_ archive: NPZArchive, compression: Compression, path: String) throws -> [UInt8] {
        let zip: Archive
        do {
            zip = try Archive(data: Data(), accessMode: .create)
        } catch {
            throw DatasetError.writeFailed(path: path, reason: "ZIPFoundation could not create an archive: \(error)")
        }
        for (name, array) in archive.entries {
            let member = Data(NPYWriter.encode(array))
            do {
                try zip.addEntry(
                    with: name + ".npy", type: .file, uncompressedSize: Int64(member.count), modificationDate: memberDate,
                    compressionMethod: compression == .stored ? .none : .deflate
                ) { position, size in
                    member.subdata(in: Int(position)..<(Int(position) + size))
                }
            } catch {
                throw DatasetError.writeFailed(path: path, reason: "ZIPFoundation could not add '\(name).npy': \(error)")
            }
        }
        guard let data = zip.data else {
            throw DatasetError.writeFailed(path: path, reason: "ZIPFoundation returned no archive data")
        }
        return [UInt8](data)
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writing whole files atomically: a reader of the destination sees either the old file or the
/// complete new one, never a half-written file.
///
/// The bytes go to a uniquely named temporary file in the destination's directory (so that the
/// final `rename(2)` stays on one file system), which is flushed with `fsync(2)` and then renamed
/// over the destination. On any failure the temporary file is removed and the destination is
/// left untouched.
enum AtomicFile {
    /// Writes `bytes` to `url` atomically, creating or replacing the file.
    ///
    /// - Parameters:
    ///   - bytes: The complete contents of the file.
    ///   - url: The destination; its directory must exist.
    /// - Throws: ``DatasetError/writeFailed(path:reason:)`` naming the step that failed and the
    ///   system's reason.
    static func write(_ bytes: [UInt8], to url: URL) throws {
        try bytes.withUnsafeBytes { try write($0, to: url) }
    }

    /// Writes the bytes of a raw buffer to `url` atomically, as the overload that takes an array does.
    static func write(_ bytes: UnsafeRawBufferPointer, to url: URL) throws {
        let path = url.path
        let directoryURL = url.deletingLastPathComponent()
        let directory = directoryURL.path.isEmpty ? "." : directoryURL.path
        let temporaryPath =
            directoryURL
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        func failure(_ step: String) -> DatasetError {
            DatasetError.writeFailed(path: path, reason: "\(step): \(String(cString: strerror(errno)))")
        }

        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("cannot create a temporary file in \(directory)") }
        var isOpen = true
        do {
            defer { if isOpen { close(descriptor) } }
            var written = 0
            while written < bytes.count {
                let result = systemWrite(descriptor, bytes.baseAddress! + written, bytes.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw failure("cannot write the temporary file")
                }
                written += result
            }
            guard fsync(descriptor) == 0 else { throw failure("cannot flush the temporary file") }
            isOpen = false
            guard close(descriptor) == 0 else { throw failure("cannot close the temporary file") }
            guard rename(temporaryPath, path) == 0 else { throw failure("cannot rename the temporary file into place") }
        } catch {
            unlink(temporaryPath)
            throw error
        }

        // Best effort: make the rename itself durable.
        let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }
}

/// POSIX `write(2)`, named so that it cannot be confused with the writers' own `write` methods.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        return Glibc.write(descriptor, buffer, count)
    #elseif canImport(Musl)
        return Musl.write(descriptor, buffer, count)
    #else
        return Darwin.write(descriptor, buffer, count)
    #endif
}

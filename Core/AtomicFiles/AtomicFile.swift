import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed atomic write: which file, at which step, and the system's reason.
public struct AtomicWriteError: Error, CustomStringConvertible, Equatable {
    public var path: String
    /// What failed and why, e.g. "cannot flush the temporary file: No space left on device".
    public var reason: String

    public var description: String { "\(path): \(reason)" }
}

/// Writing whole files atomically, for checkpoints, indexes, codes and reports: a reader of the
/// destination sees either the old file or the complete new one, never a half-written file, and
/// a process killed mid-write leaves no corrupt file behind.
///
/// The bytes go to a uniquely named temporary file in the destination's directory (so the final
/// `rename(2)` stays on one file system), which is flushed with `fsync(2)` and then renamed over
/// the destination; the directory is flushed too (best effort). On any failure the temporary file
/// is removed and the destination is left untouched.
public enum AtomicFile {
    /// Writes `bytes` to `url`, creating or replacing the file. The directory must exist.
    public static func write(_ bytes: UnsafeRawBufferPointer, to url: URL) throws(AtomicWriteError) {
        let path = url.path
        let directoryURL = url.deletingLastPathComponent()
        let directory = directoryURL.path.isEmpty ? "." : directoryURL.path
        let temporaryPath = directoryURL.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        func failure(_ step: String) -> AtomicWriteError {
            AtomicWriteError(path: path, reason: "\(step): \(String(cString: strerror(errno)))")
        }

        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("cannot create a temporary file in \(directory)") }
        var isOpen = true
        do throws(AtomicWriteError) {
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
        let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// Writes `bytes` to `url` atomically.
    public static func write(_ bytes: [UInt8], to url: URL) throws(AtomicWriteError) {
        var outcome: AtomicWriteError?
        bytes.withUnsafeBytes { buffer in
            do throws(AtomicWriteError) { try write(buffer, to: url) } catch { outcome = error }
        }
        if let outcome { throw outcome }
    }

    /// Writes `data` to `url` atomically.
    public static func write(_ data: Data, to url: URL) throws(AtomicWriteError) {
        var outcome: AtomicWriteError?
        data.withUnsafeBytes { buffer in
            do throws(AtomicWriteError) { try write(buffer, to: url) } catch { outcome = error }
        }
        if let outcome { throw outcome }
    }
}

/// POSIX `write(2)`, named apart from the `write` methods above.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        return Glibc.write(descriptor, buffer, count)
    #elseif canImport(Musl)
        return Musl.write(descriptor, buffer, count)
    #else
        return Darwin.write(descriptor, buffer, count)
    #endif
}

import Foundation

#if canImport(Glibc)
    import Glibc
    private let writeBytes = Glibc.write
#elseif canImport(Musl)
    import Musl
    private let writeBytes = Musl.write
#elseif canImport(Darwin)
    import Darwin
    private let writeBytes = Darwin.write
#endif

/// Atomic file replacement for reports and plots: the bytes go to a temporary file in the same
/// directory, which is flushed to disk and then renamed over the destination (`rename(2)` is atomic
/// within a file system), so a reader sees the old file or the new one, never a partial write.
enum ReportFileWriter {
    /// Writes `data` to `url` atomically, creating the parent directory if needed.
    ///
    /// - Throws: ``EvaluationError/writeFailed(path:reason:)``.
    static func write(_ data: Data, to url: URL) throws {
        let destination = url.standardizedFileURL
        let directory = destination.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw EvaluationError.writeFailed(path: destination.path, reason: "cannot create directory \(directory.path)")
        }
        let temporary = directory.appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).partial")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        if descriptor < 0 {
            throw EvaluationError.writeFailed(path: destination.path, reason: "cannot create \(temporary.lastPathComponent): \(errorText())")
        }
        var failure: String?
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let written = writeBytes(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errorText()
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = errorText() }
        if close(descriptor) != 0, failure == nil { failure = errorText() }
        if failure == nil, rename(temporary.path, destination.path) != 0 { failure = errorText() }
        if let failure {
            unlink(temporary.path)
            throw EvaluationError.writeFailed(path: destination.path, reason: failure)
        }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}

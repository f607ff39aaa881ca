import AtomicFiles
import Foundation

/// Atomic file replacement for reports and plots (see ``AtomicFiles/AtomicFile``): a reader sees
/// the old file or the new one, never a partial write.
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
        do {
            try AtomicFile.write(data, to: destination)
        } catch {
            throw EvaluationError.writeFailed(path: error.path, reason: error.reason)
        }
    }
}

import AtomicFiles
import Foundation

/// Atomic writes for the data-set writers, reporting failures as ``DatasetError``.
enum DatasetFile {
    /// Writes `bytes` to `url` atomically (see ``AtomicFiles/AtomicFile``).
    ///
    /// - Throws: ``DatasetError/writeFailed(path:reason:)`` naming the step that failed.
    static func write(_ bytes: [UInt8], to url: URL) throws {
        do {
            try AtomicFile.write(bytes, to: url)
        } catch {
            throw DatasetError.writeFailed(path: error.path, reason: error.reason)
        }
    }
}

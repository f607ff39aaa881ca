import Foundation

/// Where the toolkit looks for downloaded data: `$HASHING_DATA` if set, otherwise `data/`
/// relative to the current directory.
///
/// The fetch scripts (`Scripts/fetch-*.sh`) use the same rule, so data fetched from the package
/// root is found by programs run from the package root.
public enum DataDirectory {
    /// The environment variable that overrides the data directory.
    public static let environmentVariable = "HASHING_DATA"

    /// The data directory used when ``environmentVariable`` is not set, relative to the current directory.
    public static let defaultRelativePath = "data"

    /// The data directory: `$HASHING_DATA` if set and not empty, otherwise `data/` in the current directory.
    ///
    /// - Parameter environment: The environment to consult; the process environment by default.
    public static func resolved(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL {
        if let override = environment[environmentVariable], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        return URL(fileURLWithPath: defaultRelativePath, isDirectory: true)
    }
}

/// Reading whole data files with ``DatasetError`` errors.
enum DataFile {
    /// Reads a whole file.
    ///
    /// - Parameters:
    ///   - url: The file to read.
    ///   - hint: What to tell the user when the file does not exist.
    static func read(_ url: URL, hint: String = "check the path") throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw DatasetError.missingFile(path: url.path, hint: hint)
        }
        guard !isDirectory.boolValue else {
            throw DatasetError.unreadableFile(path: url.path, reason: "it is a directory")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DatasetError.unreadableFile(path: url.path, reason: "\(error.localizedDescription)")
        }
        return data.withUnsafeBytes { Array($0.bindMemory(to: UInt8.self)) }
    }
}

import Foundation
import TensorCore

/// What a partial load did: which tensors it loaded and which it skipped, and why.
public struct LoadReport: Equatable, CustomStringConvertible {
    /// Paths loaded into the module.
    public var loaded: [String] = []
    /// Module paths the checkpoint does not have (left as they were).
    public var missing: [String] = []
    /// Checkpoint tensors the module does not have (ignored).
    public var unexpected: [String] = []
    /// Paths present on both sides with different shapes (left as they were).
    public var mismatched: [(path: String, expected: [Int], found: [Int])] = []

    public var isComplete: Bool { missing.isEmpty && unexpected.isEmpty && mismatched.isEmpty }

    public static func == (a: LoadReport, b: LoadReport) -> Bool {
        a.loaded == b.loaded && a.missing == b.missing && a.unexpected == b.unexpected
            && a.mismatched.map(\.path) == b.mismatched.map(\.path)
    }

    public var description: String {
        var parts = ["loaded \(loaded.count)"]
        if !missing.isEmpty { parts.append("missing \(missing.joined(separator: ", "))") }
        if !unexpected.isEmpty { parts.append("unexpected \(unexpected.joined(separator: ", "))") }
        for item in mismatched { parts.append("\(item.path): checkpoint \(item.found) vs model \(item.expected)") }
        return parts.joined(separator: "; ")
    }
}

extension Module {
    /// Every parameter and buffer by dotted path (PyTorch's `state_dict`).
    public func stateDictionary() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (path, parameter) in namedParameters() { result[path] = parameter.value.detached() }
        for (path, buffer) in namedBuffers() { result[path] = buffer.value.detached() }
        return result
    }

    /// Loads tensors by path into this module's parameters and buffers.
    ///
    /// - Parameter strict: when `true` (the default) nothing is changed unless the tensors match
    ///   the module exactly: a missing, extra or mis-shaped tensor throws
    ///   ``CheckpointError``. When `false`, matching tensors load and the rest are reported
    ///   (for pre-trained backbones under a new head).
    @discardableResult
    public func loadStateDictionary(_ tensors: [String: Tensor], strict: Bool = true) throws -> LoadReport {
        var targets: [(String, (Tensor) -> Void, [Int])] = []
        for (path, parameter) in namedParameters() { targets.append((path, { parameter.value = $0 }, parameter.shape)) }
        for (path, buffer) in namedBuffers() { targets.append((path, { buffer.value = $0 }, buffer.value.shape)) }
        var report = LoadReport()
        var assignments: [((Tensor) -> Void, Tensor)] = []
        let known = Set(targets.map(\.0))
        for (path, assign, shape) in targets {
            guard let tensor = tensors[path] else {
                if strict { throw CheckpointError.missingTensor(path) }
                report.missing.append(path)
                continue
            }
            guard tensor.shape == shape else {
                if strict { throw CheckpointError.shapeMismatch(path, expected: shape, found: tensor.shape) }
                report.mismatched.append((path, shape, tensor.shape))
                continue
            }
            assignments.append((assign, tensor.detached()))
            report.loaded.append(path)
        }
        for path in tensors.keys.sorted() where !known.contains(path) {
            if strict { throw CheckpointError.unexpectedTensor(path) }
            report.unexpected.append(path)
        }
        for (assign, tensor) in assignments { assign(tensor) }
        return report
    }

    /// Saves parameters and buffers as a safetensors file, atomically (temporary file + rename).
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try SafeTensors.write(stateDictionary(), to: url, metadata: metadata)
    }

    /// Loads parameters and buffers from a safetensors file (see
    /// ``loadStateDictionary(_:strict:)``). A truncated or corrupt file throws
    /// ``CheckpointError`` and leaves the module unchanged.
    @discardableResult
    public func load(from url: URL, strict: Bool = true) throws -> LoadReport {
        try loadStateDictionary(SafeTensors.read(from: url), strict: strict)
    }
}

import TensorCore

/// A layer that can draw its parameters afresh from the initialisers it was created with (as
/// PyTorch's `reset_parameters()`), for training stages that re-initialise part of a network.
public protocol ParameterResetting: Module {
    /// Draws every parameter of this layer again (and resets its buffers, such as batch-norm
    /// statistics).
    func resetParameters(generator: inout SeededGenerator)
}

/// Errors re-initialising modules.
public enum ReinitializationError: Error, CustomStringConvertible, Equatable {
    /// No submodule has this dotted path.
    case unknownPath(String, available: [String])
    /// These parameters belong to no layer that can reset itself, so re-initialising would leave
    /// them as trained.
    case notResettable(path: String, parameters: [String])

    public var description: String {
        switch self {
        case .unknownPath(let path, let available):
            return "no submodule '\(path)' to re-initialise; submodules: \(available.joined(separator: ", "))"
        case .notResettable(let path, let parameters):
            return "cannot re-initialise '\(path)': \(parameters.joined(separator: ", ")) belong to no layer with initialisers"
        }
    }
}

extension Module {
    /// Every submodule by dotted path, depth first in declaration order (this module is `""`).
    public func namedModules() -> [(path: String, module: Module)] {
        var result: [(path: String, module: Module)] = [("", self)]
        for (name, child) in namedChildren() {
            result += child.namedModules().map { (path: $0.path.isEmpty ? name : "\(name).\($0.path)", module: $0.module) }
        }
        return result
    }

    /// The submodule at a dotted path (`""` is this module).
    public func submodule(at path: String) throws -> Module {
        let modules = namedModules()
        guard let match = modules.first(where: { $0.path == path }) else {
            throw ReinitializationError.unknownPath(path, available: modules.map(\.path).filter { !$0.isEmpty })
        }
        return match.module
    }

    /// Draws every parameter of this module and its descendants afresh, layer by layer in
    /// declaration order.
    ///
    /// - Throws: ``ReinitializationError/notResettable(path:parameters:)`` — before changing
    ///   anything — when a parameter is held by a module that is not ``ParameterResetting``
    ///   (such as a bare `Parameter` property), so nothing is silently left as trained.
    public func reinitialize(generator: inout SeededGenerator, path: String = "") throws {
        let layers = namedModules().compactMap { $0.module as? any ParameterResetting }
        let covered = Set(layers.flatMap { $0.parameters().map(ObjectIdentifier.init) })
        let uncovered = namedParameters().filter { !covered.contains(ObjectIdentifier($0.parameter)) }.map(\.path)
        guard uncovered.isEmpty else { throw ReinitializationError.notResettable(path: path, parameters: uncovered) }
        for layer in layers { layer.resetParameters(generator: &generator) }
    }
}

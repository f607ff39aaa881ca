import TensorCore

/// A learnable tensor: a reference box whose ``value`` optimizers update in place.
///
/// Modules hold parameters in stored `let` properties; ``Module/namedParameters()`` finds them
/// by reflection.
public final class Parameter {
    /// The current value.
    public var value: Tensor
    /// When `false`, ``Module/trainableParameters()`` skips this parameter (a frozen weight).
    public var isTrainable: Bool

    public init(_ value: Tensor, isTrainable: Bool = true) {
        self.value = value.detached()
        self.isTrainable = isTrainable
    }

    /// The value's shape.
    public var shape: [Int] { value.shape }
}

/// A non-learnable state tensor saved in checkpoints (e.g. batch-norm running statistics).
public final class Buffer {
    public var value: Tensor
    public init(_ value: Tensor) { self.value = value.detached() }
}

/// A neural-network building block.
///
/// Subclasses store their parameters, buffers and child modules in stored properties
/// (`let`, or arrays of them); nothing needs registering. Paths are dotted
/// (`backbone.conv1.weight`); array elements get their index (`layers.0.weight`).
open class Module {
    /// `true` while training (dropout active, batch norm uses batch statistics).
    public private(set) var isTraining = true

    public init() {}

    /// Switches this module and all descendants to training (`true`) or evaluation mode.
    public func train(_ training: Bool = true) {
        isTraining = training
        for (_, child) in namedChildren() { child.train(training) }
    }

    /// Marks every parameter of this module and its descendants as frozen (not trainable)
    /// or trainable again.
    public func freeze(_ frozen: Bool = true) {
        for (_, parameter) in namedParameters() { parameter.isTrainable = !frozen }
    }

    /// The direct children (modules held in stored properties), with their property names.
    public func namedChildren() -> [(String, Module)] {
        var result: [(String, Module)] = []
        visitProperties { name, item in
            if case .module(let module) = item { result.append((name, module)) }
        }
        return result
    }

    /// Every parameter of this module and its descendants, by dotted path, in declaration order.
    public func namedParameters() -> [(path: String, parameter: Parameter)] {
        var result: [(path: String, parameter: Parameter)] = []
        walk(prefix: "") { path, item in
            if case .parameter(let parameter) = item { result.append((path, parameter)) }
        }
        return result
    }

    /// Every buffer of this module and its descendants, by dotted path.
    public func namedBuffers() -> [(path: String, buffer: Buffer)] {
        var result: [(path: String, buffer: Buffer)] = []
        walk(prefix: "") { path, item in
            if case .buffer(let buffer) = item { result.append((path, buffer)) }
        }
        return result
    }

    /// The parameters that are not frozen, in declaration order (what optimizers update).
    public func trainableParameters() -> [Parameter] {
        namedParameters().map(\.parameter).filter(\.isTrainable)
    }

    /// All parameters, frozen or not.
    public func parameters() -> [Parameter] { namedParameters().map(\.parameter) }

    /// The total number of learnable scalars.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.value.count } }

    // MARK: Reflection

    enum Item {
        case parameter(Parameter)
        case buffer(Buffer)
        case module(Module)
    }

    private func walk(prefix: String, _ visit: (String, Item) -> Void) {
        var seen = Set<String>()
        visitProperties { name, item in
            let path = prefix.isEmpty ? name : "\(prefix).\(name)"
            precondition(seen.insert(path).inserted, "Module: duplicate path \(path) in \(type(of: self))")
            switch item {
            case .module(let module): module.walk(prefix: path, visit)
            default: visit(path, item)
            }
        }
    }

    /// Visits stored properties of this object (including superclass ones) holding a
    /// parameter, buffer, module, or an array/optional of them.
    private func visitProperties(_ visit: (String, Item) -> Void) {
        if let named = self as? NamedModules {
            for (name, module) in named.entries { visit(name, .module(module)) }
            return
        }
        var mirror: Mirror? = Mirror(reflecting: self)
        var mirrors: [Mirror] = []
        while let current = mirror {
            mirrors.append(current)
            mirror = current.superclassMirror
        }
        // Superclass properties first, so paths follow declaration order from the base class.
        for current in mirrors.reversed() {
            for child in current.children {
                guard let label = child.label else { continue }
                let name = label.hasPrefix("_") ? String(label.dropFirst()) : label
                Module.classify(child.value, name: name, visit)
            }
        }
    }

    private static func classify(_ value: Any, name: String, _ visit: (String, Item) -> Void) {
        switch value {
        case let parameter as Parameter: visit(name, .parameter(parameter))
        case let buffer as Buffer: visit(name, .buffer(buffer))
        case let module as Module: visit(name, .module(module))
        case let modules as [Module]:
            for (index, module) in modules.enumerated() { visit("\(name).\(index)", .module(module)) }
        case let parameters as [Parameter]:
            for (index, parameter) in parameters.enumerated() { visit("\(name).\(index)", .parameter(parameter)) }
        case let buffers as [Buffer]:
            for (index, buffer) in buffers.enumerated() { visit("\(name).\(index)", .buffer(buffer)) }
        default:
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional, let wrapped = mirror.children.first?.value {
                classify(wrapped, name: name, visit)
            }
        }
    }
}

/// Child modules under names chosen at run time, in order: a network assembled from parts names
/// each part's parameters by the part (`losses.classification.classifier.weight`).
public final class NamedModules: Module {
    /// The children with their names (distinct, without dots).
    public let entries: [(name: String, module: Module)]

    public init(_ entries: [(name: String, module: Module)]) {
        var seen = Set<String>()
        for entry in entries {
            precondition(!entry.name.isEmpty && !entry.name.contains("."), "NamedModules: '\(entry.name)' is not a valid name")
            precondition(seen.insert(entry.name).inserted, "NamedModules: two children are named '\(entry.name)'")
        }
        self.entries = entries
    }

    /// The child named `name`, if any.
    public subscript(name: String) -> Module? { entries.first { $0.name == name }?.module }
}

/// A module that maps one tensor to another.
public protocol Layer: Module {
    func callAsFunction(_ input: Tensor) -> Tensor
}

/// Evaluates `function` and returns its value and the gradient with respect to each parameter
/// (in the order given).
///
/// While `function` runs, each parameter's value is replaced by a tracked copy, so any use of
/// `parameter.value` inside it is differentiated; the original values are restored after.
///
/// ```swift
/// let (loss, gradients) = valueAndGradient(of: model.trainableParameters()) { crossEntropy(logits: model(x), labels: y) }
/// optimizer.update(gradients)
/// ```
public func valueAndGradient(of parameters: [Parameter], _ function: () throws -> Tensor) rethrows -> (value: Tensor, gradients: [Tensor]) {
    let originals = parameters.map(\.value)
    defer { for (parameter, original) in zip(parameters, originals) { parameter.value = original } }
    return try valueAndGradient(at: originals) { tracked in
        for (parameter, value) in zip(parameters, tracked) { parameter.value = value }
        return try function()
    }
}

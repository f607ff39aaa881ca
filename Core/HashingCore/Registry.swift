import Foundation
import NeuralNet
import Optimizers
import TensorCore

/// A method's configuration: `Codable` with a default for every field, and a check of its
/// values. The registry overlays a user's JSON on the defaults, so users name only what they
/// change, and rejects keys the configuration does not have.
public protocol MethodConfiguration: Codable {
    /// The configuration with every field at its default.
    init()
    /// Throws ``RegistryError/invalidConfiguration(method:reason:)`` for out-of-range values.
    func validate() throws
}

/// Throws ``RegistryError/invalidConfiguration(method:reason:)`` with `reason` unless `condition`
/// holds: the building block of every configuration's `validate()`.
public func require(method: String, _ condition: Bool, _ reason: @autoclosure () -> String) throws {
    if !condition { throw RegistryError.invalidConfiguration(method: method, reason: reason()) }
}

/// What every method is built from, whatever its configuration: the problem's shape and the
/// backbone to use (methods never import the Backbones target: the catalog hands them one).
public struct MethodContext {
    /// Code length in bits.
    public var bitCount: Int
    /// Number of classes in the labelled data.
    public var classCount: Int
    /// The image shape `[C, H, W]` the method will see.
    public var inputShape: [Int]
    /// The backbone to build.
    public var backbone: BackboneRegistration
    /// Number of domains (1, or 2 for domain adaptation): batch-norm branches per layer.
    public var domainCount: Int
    /// Seed for every random choice of the method (initialisation, dropout, …).
    public var seed: UInt64
    /// Vectors for the class names, `[classCount, dimension]` (label-prototype methods project them
    /// to prototypes); `nil` when none are known, and methods then learn free class embeddings.
    public var labelEmbeddings: Tensor?

    public init(
        bitCount: Int, classCount: Int, inputShape: [Int], backbone: BackboneRegistration, domainCount: Int = 1, seed: UInt64,
        labelEmbeddings: Tensor? = nil
    ) {
        precondition(
            labelEmbeddings.map { $0.rank == 2 && $0.shape[0] == classCount } ?? true,
            "MethodContext: label embeddings \(labelEmbeddings?.shape ?? []) for \(classCount) classes")
        self.labelEmbeddings = labelEmbeddings
        self.bitCount = bitCount
        self.classCount = classCount
        self.inputShape = inputShape
        self.backbone = backbone
        self.domainCount = domainCount
        self.seed = seed
    }

    /// Checks what every method needs: a bit count in 1…1024 and at least two classes.
    public func validate(method: String) throws {
        guard bitCount >= 1 && bitCount <= 1024 else {
            throw RegistryError.invalidConfiguration(method: method, reason: "bit count \(bitCount) is outside 1…1024")
        }
        guard classCount >= 2 else {
            throw RegistryError.invalidConfiguration(method: method, reason: "needs at least 2 classes, got \(classCount)")
        }
    }

    /// Builds the backbone for this context's input shape and domain count.
    public func makeBackbone(generator: inout SeededGenerator) throws -> any Backbone {
        try backbone.make(inputShape: inputShape, domainCount: domainCount, generator: &generator)
    }
}

/// Errors from looking up and building methods and backbones; one clear line each.
public enum RegistryError: Error, CustomStringConvertible, Equatable {
    case unknownMethod(String, available: [String])
    case unknownBackbone(String, available: [String])
    /// A hash layer, loss or domain adapter no registration has.
    case unknownComponent(kind: String, name: String, available: [String])
    case duplicateName(String)
    case invalidConfiguration(method: String, reason: String)
    case unknownConfigurationKey(method: String, key: String, known: [String])
    case unsupportedInput(backbone: String, inputShape: [Int], reason: String)

    public var description: String {
        switch self {
        case .unknownMethod(let name, let available):
            return "unknown method '\(name)'; available: \(available.joined(separator: ", "))"
        case .unknownBackbone(let name, let available):
            return "unknown backbone '\(name)'; available: \(available.joined(separator: ", "))"
        case .unknownComponent(let kind, let name, let available):
            return "unknown \(kind) '\(name)'; available: \(available.joined(separator: ", "))"
        case .duplicateName(let name):
            return "two registry entries are named '\(name)'"
        case .invalidConfiguration(let method, let reason):
            return "invalid configuration for \(method): \(reason)"
        case .unknownConfigurationKey(let method, let key, let known):
            return "\(method) has no configuration field '\(key)'; fields: \(known.joined(separator: ", "))"
        case .unsupportedInput(let backbone, let shape, let reason):
            return "backbone '\(backbone)' cannot take images of shape \(shape): \(reason)"
        }
    }
}

/// An entry of a ``Registry``: a unique kebab-case name and a one-line summary.
public protocol RegistryEntry {
    var name: String { get }
    var summary: String { get }
    /// The error for a name no entry has.
    static func unknownName(_ name: String, available: [String]) -> RegistryError
}

/// Registered entries (methods or backbones), resolved by name.
public struct Registry<Entry: RegistryEntry> {
    public let entries: [Entry]

    /// - Throws: ``RegistryError/duplicateName(_:)`` when two entries share a name.
    public init(_ entries: [Entry]) throws {
        var seen = Set<String>()
        for entry in entries where !seen.insert(entry.name).inserted { throw RegistryError.duplicateName(entry.name) }
        self.entries = entries
    }

    public var names: [String] { entries.map(\.name) }

    /// The entry named `name`, or an error listing the names there are.
    public func registration(named name: String) throws -> Entry {
        guard let entry = entries.first(where: { $0.name == name }) else { throw Entry.unknownName(name, available: names) }
        return entry
    }
}

/// The registered methods.
public typealias MethodRegistry = Registry<MethodRegistration>

/// One registered method: a kebab-case name, a one-line summary, whether it adapts to a target
/// domain, its default configuration and a factory.
public struct MethodRegistration: RegistryEntry {
    public let name: String
    public let summary: String
    /// Whether the method with its default configuration trains on the unlabelled target domain
    /// of a domain pair (and so needs one); see ``HashingMethod/adaptsToTarget`` and
    /// ``requirements(configuration:)``.
    public var adaptsToTarget: Bool { (try? requirements(configuration: nil).adaptsToTarget) ?? false }
    /// The default configuration as pretty-printed JSON (what `hashing methods` shows).
    public let defaultConfigurationJSON: () -> String
    private let factory: (_ json: Data?, _ context: MethodContext) throws -> any HashingMethod
    private let requirementsOf: (_ json: Data?) throws -> MethodRequirements

    /// Registers a method with a typed configuration, whose needs do not depend on it.
    public init<Configuration: MethodConfiguration>(
        name: String, summary: String, adaptsToTarget: Bool = false, configuration: Configuration.Type,
        make: @escaping (Configuration, MethodContext) throws -> any HashingMethod
    ) {
        self.init(
            name: name, summary: summary, configuration: configuration,
            requirements: { _ in MethodRequirements(adaptsToTarget: adaptsToTarget, domainSpecificBatchNorm: adaptsToTarget) }, make: make)
    }

    /// Registers a method with a typed configuration whose needs depend on it (a composition
    /// adapts when it has a domain adapter).
    public init<Configuration: MethodConfiguration>(
        name: String, summary: String, configuration: Configuration.Type,
        requirements: @escaping (Configuration) throws -> MethodRequirements,
        make: @escaping (Configuration, MethodContext) throws -> any HashingMethod
    ) {
        self.name = name
        self.summary = summary
        self.defaultConfigurationJSON = { ConfigurationCoding.prettyJSON(Configuration()) }
        self.factory = { json, context in
            let configuration: Configuration = try ConfigurationCoding.decode(json, method: name)
            try configuration.validate()
            return try make(configuration, context)
        }
        self.requirementsOf = { json in
            let configuration: Configuration = try ConfigurationCoding.decode(json, method: name)
            try configuration.validate()
            return try requirements(configuration)
        }
    }

    /// What the method needs of its data and backbone with configuration `json` (overlaid on
    /// the defaults), known before it is built.
    public func requirements(configuration json: Data?) throws -> MethodRequirements { try requirementsOf(json) }

    public static func unknownName(_ name: String, available: [String]) -> RegistryError { .unknownMethod(name, available: available) }

    /// Builds the method, overlaying `json` (an object with some of the configuration's fields)
    /// on the defaults.
    public func make(configuration json: Data? = nil, context: MethodContext) throws -> any HashingMethod {
        try factory(json, context)
    }
}

extension Registry where Entry == MethodRegistration {
    /// Builds the method `name` with `configuration` (JSON, optional) for `context`.
    public func make(_ name: String, configuration: Data? = nil, context: MethodContext) throws -> any HashingMethod {
        try registration(named: name).make(configuration: configuration, context: context)
    }
}

/// What a configured method needs before it is built.
public struct MethodRequirements: Equatable, Sendable {
    /// It trains on the unlabelled target domain of a domain pair.
    public var adaptsToTarget: Bool
    /// Its backbone keeps one set of batch-norm statistics and affine parameters per domain (DSBN)
    /// when it trains on two.
    public var domainSpecificBatchNorm: Bool

    public init(adaptsToTarget: Bool, domainSpecificBatchNorm: Bool) {
        self.adaptsToTarget = adaptsToTarget
        self.domainSpecificBatchNorm = domainSpecificBatchNorm
    }
}

/// JSON overlay of partial configurations on defaults.
enum ConfigurationCoding {
    static func compactJSON<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func prettyJSON<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode<Configuration: MethodConfiguration>(_ json: Data?, method: String) throws -> Configuration {
        guard let json, !json.isEmpty else { return Configuration() }
        let defaults = try JSONEncoder().encode(Configuration())
        guard var merged = try JSONSerialization.jsonObject(with: defaults) as? [String: Any] else {
            throw RegistryError.invalidConfiguration(method: method, reason: "its defaults do not encode as an object")
        }
        let overrides: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
                throw RegistryError.invalidConfiguration(method: method, reason: "the configuration must be a JSON object")
            }
            overrides = object
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError.invalidConfiguration(method: method, reason: "the configuration is not valid JSON")
        }
        for (key, value) in overrides {
            guard merged[key] != nil else {
                throw RegistryError.unknownConfigurationKey(method: method, key: key, known: merged.keys.sorted())
            }
            merged[key] = value
        }
        do {
            return try JSONDecoder().decode(Configuration.self, from: JSONSerialization.data(withJSONObject: merged))
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw RegistryError.invalidConfiguration(method: method, reason: "field '\(path)' has the wrong type")
        } catch {
            throw RegistryError.invalidConfiguration(method: method, reason: "\(error)")
        }
    }
}

/// A configuration of a method trained by SGD with momentum and L2 weight decay: the settings the
/// supervised methods share, checked and turned into optimizers in one place.
public protocol SGDConfiguration: MethodConfiguration {
    var learningRate: Float { get }
    var momentum: Float { get }
    var weightDecay: Float { get }
}

extension SGDConfiguration {
    /// Checks `learningRate` in (0, 10), `momentum` in [0, 1) and `weightDecay` ≥ 0.
    public func validateSGD(method: String) throws {
        try require(method: method, learningRate > 0 && learningRate < 10, "learningRate must be in (0, 10), got \(learningRate)")
        try require(method: method, momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got \(momentum)")
        try require(method: method, weightDecay >= 0, "weightDecay must be ≥ 0, got \(weightDecay)")
    }

    /// A named SGD optimizer over `parameters` with these settings (at `learningRate` unless another
    /// rate is given, such as IDCWH's center rate).
    public func sgd(_ name: String, _ parameters: [Parameter], learningRate rate: Float? = nil) -> MethodOptimizer {
        MethodOptimizer(
            name: name, optimizer: SGD(parameters, learningRate: rate ?? learningRate, momentum: momentum, weightDecay: weightDecay))
    }
}

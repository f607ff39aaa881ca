import Foundation
import NeuralNet
import TensorCore

/// A kind of part a hashing method is assembled from: hash layers, losses and domain adapters.
public protocol ComponentKind {
    /// What a registration of this kind builds.
    associatedtype Product
    /// The kind in words, for listings and errors (`"hash layer"`).
    static var displayName: String { get }
}

/// Hash layers: backbone features → continuous codes, each with its binarisation.
public enum HashLayerKind: ComponentKind {
    public typealias Product = any HashLayer
    public static var displayName: String { "hash layer" }
}

/// Losses on a domain's codes (and labels where they need them).
public enum LossKind: ComponentKind {
    public typealias Product = any HashingLoss
    public static var displayName: String { "loss" }
}

/// Domain adapters: terms that align the unlabelled target domain with the labelled source.
public enum AdapterKind: ComponentKind {
    public typealias Product = any DomainAdapter
    public static var displayName: String { "domain adapter" }
}

/// What every component is built from: the problem's shape, and the parts built before it.
public struct ComponentContext {
    /// Code length in bits.
    public var bitCount: Int
    /// Number of classes of the labelled data.
    public var classCount: Int
    /// The backbone's feature length (the hash layer's input).
    public var featureCount: Int
    /// Class-name vectors `[classCount, dimension]`, when known (label-prototype losses).
    public var labelEmbeddings: Tensor?
    /// The losses built before this component, in order: a component that works with another's
    /// class centers (center similarity, the center loss) finds them here.
    public var losses: [any HashingLoss]

    public init(bitCount: Int, classCount: Int, featureCount: Int, labelEmbeddings: Tensor? = nil, losses: [any HashingLoss] = []) {
        self.bitCount = bitCount
        self.classCount = classCount
        self.featureCount = featureCount
        self.labelEmbeddings = labelEmbeddings
        self.losses = losses
    }

    /// The first loss built so far that holds class centers, if any.
    public var classCenters: (any ClassCenterProvider)? {
        losses.lazy.compactMap { $0 as? any ClassCenterProvider }.first
    }
}

/// One registered component: a kebab-case name, a one-line summary, a typed configuration with
/// defaults and `validate()`, and a factory.
public struct ComponentRegistration<Kind: ComponentKind>: RegistryEntry {
    public let name: String
    public let summary: String
    /// The default configuration as compact JSON with sorted keys (what `hashing components` shows).
    public let defaultConfigurationJSON: () -> String
    private let factory: (_ json: Data?, _ context: ComponentContext, _ generator: inout SeededGenerator) throws -> Kind.Product

    /// Registers a component with a typed configuration. `make` receives the user's JSON
    /// overlaid on the defaults, already validated.
    public init<Configuration: MethodConfiguration>(
        name: String, summary: String, configuration: Configuration.Type,
        make: @escaping (Configuration, ComponentContext, inout SeededGenerator) throws -> Kind.Product
    ) {
        self.name = name
        self.summary = summary
        self.defaultConfigurationJSON = { ConfigurationCoding.compactJSON(Configuration()) }
        let label = "\(Kind.displayName) '\(name)'"
        self.factory = { json, context, generator in
            let configuration: Configuration = try ConfigurationCoding.decode(json, method: label)
            try configuration.validate()
            return try make(configuration, context, &generator)
        }
    }

    public static func unknownName(_ name: String, available: [String]) -> RegistryError {
        .unknownComponent(kind: Kind.displayName, name: name, available: available)
    }

    /// Builds the component, overlaying `json` (an object with some of its fields) on the defaults.
    public func make(configuration json: Data? = nil, context: ComponentContext, generator: inout SeededGenerator) throws -> Kind.Product {
        try factory(json, context, &generator)
    }
}

public typealias HashLayerRegistration = ComponentRegistration<HashLayerKind>
public typealias LossRegistration = ComponentRegistration<LossKind>
public typealias AdapterRegistration = ComponentRegistration<AdapterKind>

/// The registered parts methods are assembled from, by kind.
public struct ComponentRegistry {
    public var hashLayers: Registry<HashLayerRegistration>
    public var losses: Registry<LossRegistration>
    public var adapters: Registry<AdapterRegistration>

    public init(hashLayers: [HashLayerRegistration], losses: [LossRegistration], adapters: [AdapterRegistration]) throws {
        self.hashLayers = try Registry(hashLayers)
        self.losses = try Registry(losses)
        self.adapters = try Registry(adapters)
    }

    /// A registry with more components: `extra`'s entries after this one's (a name used twice is
    /// an error).
    public func adding(
        hashLayers extraLayers: [HashLayerRegistration] = [], losses extraLosses: [LossRegistration] = [],
        adapters extraAdapters: [AdapterRegistration] = []
    ) throws -> ComponentRegistry {
        try ComponentRegistry(
            hashLayers: hashLayers.entries + extraLayers, losses: losses.entries + extraLosses, adapters: adapters.entries + extraAdapters)
    }
}

/// How a component's weight grows from 0 over its ramp (``ComponentSpecification/rampEpochs``).
public enum RampShape: String, Codable, Sendable, CaseIterable {
    /// `min(1, e / rampEpochs)` after e epochs.
    case linear
    /// `2/(1 + e^(−10p)) − 1` with `p = min(1, e / rampEpochs)`: DANN's schedule (Ganin &
    /// Lempitsky 2015), slow at first, near full weight half-way through.
    case sigmoid

    /// The factor in [0, 1] on a weight after `progress`, for a ramp over `epochs` epochs (1 when
    /// `epochs` is 0).
    public func factor(at progress: TrainingProgress, over epochs: Double) -> Float {
        guard epochs > 0 else { return 1 }
        let fraction = min(1, max(0, progress.epochsCompleted / epochs))
        switch self {
        case .linear: return Float(fraction)
        case .sigmoid: return dannRamp(progress: fraction)
        }
    }
}

/// A component as a composition names it: its registered name, its weight in the objective, an
/// optional ramp of that weight, and overrides of its configuration.
///
/// In JSON an object — `{"name": "quantization", "weight": 0.01}` — whose other keys are the
/// component's own settings (`"normalization": "per-image"`); or just the name as a string.
public struct ComponentSpecification: Codable, Equatable, Sendable {
    public var name: String
    /// The term's weight in the objective (1 by default).
    public var weight: Float
    /// The weight grows from 0 over this many epochs (0: full weight from the start).
    public var rampEpochs: Double
    /// The ramp's shape (`"ramp"` in JSON): linear unless set.
    public var rampShape: RampShape
    /// The component's own settings, as a JSON object (sorted keys).
    public var settings: String

    public init(_ name: String, weight: Float = 1, rampEpochs: Double = 0, rampShape: RampShape = .linear, settings: String = "{}") {
        self.name = name
        self.weight = weight
        self.rampEpochs = rampEpochs
        self.rampShape = rampShape
        self.settings = settings
    }

    /// A specification whose settings are a configuration value (encoded with sorted keys).
    public init<Settings: Encodable>(
        _ name: String, weight: Float = 1, rampEpochs: Double = 0, rampShape: RampShape = .linear, settings: Settings
    ) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(settings)) ?? Data("{}".utf8)
        self.init(name, weight: weight, rampEpochs: rampEpochs, rampShape: rampShape, settings: String(decoding: data, as: UTF8.self))
    }

    /// The weight at a point of training: `weight × ramp(min(1, epochs completed / rampEpochs))`.
    public func weight(at progress: TrainingProgress) -> Float {
        rampEpochs > 0 ? weight * rampShape.factor(at: progress, over: rampEpochs) : weight
    }

    /// Parses `NAME` or `NAME=JSON-OBJECT` (the command line's form).
    public static func parse(_ text: String) throws -> ComponentSpecification {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let equals = trimmed.firstIndex(of: "=") else {
            return try decode(from: Data("{\"name\": \(jsonString(trimmed))}".utf8))
        }
        let name = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
        let object = trimmed[trimmed.index(after: equals)...]
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(object.utf8)), var fields = parsed as? [String: Any] else {
            throw RegistryError.invalidConfiguration(
                method: "component '\(name)'", reason: "the settings after '=' must be a JSON object, e.g. \(name)={\"weight\": 0.5}")
        }
        fields["name"] = name
        return try decode(from: JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]))
    }

    static func jsonString(_ text: String) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: [text], options: [])) ?? Data("[\"\"]".utf8), as: UTF8.self)
            .dropFirst().dropLast().description
    }

    static func decode(from data: Data) throws -> ComponentSpecification {
        try JSONDecoder().decode(ComponentSpecification.self, from: data)
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            self.init(name)
            return
        }
        let container = try decoder.container(keyedBy: AnyKey.self)
        guard let name = try container.decodeIfPresent(String.self, forKey: AnyKey(stringValue: "name")) else {
            throw RegistryError.invalidConfiguration(method: "a component", reason: "a component needs a \"name\"")
        }
        let label = "component '\(name)'"
        func number(_ key: String) throws -> Double? {
            guard container.contains(AnyKey(stringValue: key)) else { return nil }
            guard let value = try? container.decode(Double.self, forKey: AnyKey(stringValue: key)), value.isFinite else {
                throw RegistryError.invalidConfiguration(method: label, reason: "'\(key)' must be a finite number")
            }
            return value
        }
        let weight = try number("weight") ?? 1
        let ramp = try number("rampEpochs") ?? 0
        guard weight >= 0 else { throw RegistryError.invalidConfiguration(method: label, reason: "weight must be ≥ 0, got \(weight)") }
        guard ramp >= 0 else { throw RegistryError.invalidConfiguration(method: label, reason: "rampEpochs must be ≥ 0, got \(ramp)") }
        var shape = RampShape.linear
        if container.contains(AnyKey(stringValue: "ramp")) {
            let text = try? container.decode(String.self, forKey: AnyKey(stringValue: "ramp"))
            guard let text, let parsed = RampShape(rawValue: text) else {
                throw RegistryError.invalidConfiguration(
                    method: label, reason: "'ramp' must be one of \(RampShape.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            }
            shape = parsed
        }
        // The rest are the component's own settings, kept as JSON for its registration to check.
        let reserved: Set<String> = ["name", "weight", "rampEpochs", "ramp"]
        var settings: [String: Any] = [:]
        for key in container.allKeys where !reserved.contains(key.stringValue) {
            settings[key.stringValue] = try container.decode(JSONValue.self, forKey: key).foundationValue
        }
        let data = try JSONSerialization.data(withJSONObject: settings, options: [.sortedKeys])
        self.init(name, weight: Float(weight), rampEpochs: ramp, rampShape: shape, settings: String(decoding: data, as: UTF8.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        try container.encode(name, forKey: AnyKey(stringValue: "name"))
        try container.encode(weight, forKey: AnyKey(stringValue: "weight"))
        if rampEpochs != 0 { try container.encode(rampEpochs, forKey: AnyKey(stringValue: "rampEpochs")) }
        if rampShape != .linear { try container.encode(rampShape, forKey: AnyKey(stringValue: "ramp")) }
        let fields = (try? JSONDecoder().decode([String: JSONValue].self, from: Data(settings.utf8))) ?? [:]
        for (key, value) in fields { try container.encode(value, forKey: AnyKey(stringValue: key)) }
    }

    /// The component's settings as JSON data (for its registration).
    public var settingsData: Data { Data(settings.utf8) }
}

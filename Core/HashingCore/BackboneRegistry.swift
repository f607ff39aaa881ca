import NeuralNet

/// One registered backbone: a name, a summary, the input sizes it supports, and a factory.
public struct BackboneRegistration {
    public let name: String
    public let summary: String
    private let factory: (_ inputShape: [Int], _ domainCount: Int, _ generator: inout SeededGenerator) throws -> any Backbone

    public init(
        name: String, summary: String,
        make: @escaping (_ inputShape: [Int], _ domainCount: Int, _ generator: inout SeededGenerator) throws -> any Backbone
    ) {
        self.name = name
        self.summary = summary
        self.factory = make
    }

    public func make(inputShape: [Int], domainCount: Int, generator: inout SeededGenerator) throws -> any Backbone {
        try factory(inputShape, domainCount, &generator)
    }
}

/// The registered backbones, resolved by name; any backbone combines with any method.
public struct BackboneRegistry {
    public let entries: [BackboneRegistration]

    public init(_ entries: [BackboneRegistration]) throws {
        var seen = Set<String>()
        for entry in entries where !seen.insert(entry.name).inserted { throw RegistryError.duplicateName(entry.name) }
        self.entries = entries
    }

    public var names: [String] { entries.map(\.name) }

    /// The entry named `name`, or ``RegistryError/unknownBackbone(_:available:)``.
    public func registration(named name: String) throws -> BackboneRegistration {
        guard let entry = entries.first(where: { $0.name == name }) else {
            throw RegistryError.unknownBackbone(name, available: names)
        }
        return entry
    }

    public func make(_ name: String, inputShape: [Int], domainCount: Int, generator: inout SeededGenerator) throws -> any Backbone {
        try registration(named: name).make(inputShape: inputShape, domainCount: domainCount, generator: &generator)
    }
}

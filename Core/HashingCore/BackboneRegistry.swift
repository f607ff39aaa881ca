import NeuralNet
import TensorCore

/// The registered backbones; any backbone combines with any method.
public typealias BackboneRegistry = Registry<BackboneRegistration>

/// One registered backbone: a name, a summary, the input sizes it supports, and a factory.
public struct BackboneRegistration: RegistryEntry {
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

    public static func unknownName(_ name: String, available: [String]) -> RegistryError { .unknownBackbone(name, available: available) }

    public func make(inputShape: [Int], domainCount: Int, generator: inout SeededGenerator) throws -> any Backbone {
        try factory(inputShape, domainCount, &generator)
    }
}

extension Registry where Entry == BackboneRegistration {
    public func make(_ name: String, inputShape: [Int], domainCount: Int, generator: inout SeededGenerator) throws -> any Backbone {
        try registration(named: name).make(inputShape: inputShape, domainCount: domainCount, generator: &generator)
    }
}

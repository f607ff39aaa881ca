import Foundation
import HashingCore
import Testing

struct ToyConfiguration: MethodConfiguration, Equatable {
    var rate: Float = 0.1
    var steps: Int = 3
    var name: String = "x"
    init() {}
    func validate() throws {
        if rate <= 0 { throw RegistryError.invalidConfiguration(method: "toy", reason: "rate must be positive") }
    }
}

@Suite("Registry and configuration")
struct RegistryTests {
    func decode(_ json: String?) throws -> ToyConfiguration {
        try ConfigurationCodingProbe.decode(json.map { Data($0.utf8) })
    }

    @Test func partialJSONOverlaysDefaults() throws {
        #expect(try decode(nil) == ToyConfiguration())
        var expected = ToyConfiguration()
        expected.steps = 7
        #expect(try decode(#"{"steps": 7}"#) == expected)
    }

    @Test func unknownKeysWrongTypesAndInvalidJSONAreRejected() {
        #expect(throws: RegistryError.unknownConfigurationKey(method: "toy", key: "stepz", known: ["name", "rate", "steps"])) {
            try decode(#"{"stepz": 7}"#)
        }
        #expect(throws: RegistryError.self) { try decode(#"{"steps": "seven"}"#) }
        #expect(throws: RegistryError.self) { try decode("[1, 2]") }
        #expect(throws: RegistryError.self) { try decode("{not json") }
    }

    @Test func duplicateNamesAreRejected() {
        let entry = MethodRegistration(name: "toy", summary: "", configuration: ToyConfiguration.self) { _, _ in fatalError("not built") }
        #expect(throws: RegistryError.duplicateName("toy")) { try MethodRegistry([entry, entry]) }
    }

    @Test func errorMessagesAreOneLineAndNameTheAlternatives() {
        let message = RegistryError.unknownMethod("sdh", available: ["ssdh", "dcwh"]).description
        #expect(message == "unknown method 'sdh'; available: ssdh, dcwh")
    }
}

/// Reaches the registry's JSON overlay through a registration, as users do.
enum ConfigurationCodingProbe {
    final class Captured: Error { let configuration: ToyConfiguration; init(_ c: ToyConfiguration) { configuration = c } }

    static func decode(_ json: Data?) throws -> ToyConfiguration {
        let registration = MethodRegistration(name: "toy", summary: "", configuration: ToyConfiguration.self) { configuration, _ in
            throw Captured(configuration)
        }
        let context = MethodContext(
            bitCount: 8, classCount: 2, inputShape: [1, 8, 8],
            backbone: BackboneRegistration(name: "none", summary: "") { _, _, _ in fatalError("not built") }, seed: 0)
        do {
            _ = try registration.make(configuration: json, context: context)
        } catch let captured as Captured {
            return captured.configuration
        }
        fatalError("unreachable")
    }
}

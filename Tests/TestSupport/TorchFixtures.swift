import Foundation
import HashingCore
import TensorCore
import Testing

/// Golden values computed by PyTorch, read from `Tests/Fixtures/torch/<family>.json`
/// (written by `Scripts/make_torch_fixtures.py`).
///
/// Each case holds the inputs of one operation, its output, a random upstream gradient `g` of
/// the output's shape and the gradients PyTorch's `output.backward(g)` gave every input.
public struct TorchFixture: Decodable {
    /// The PyTorch version that produced the values.
    public var torchVersion: String
    /// The operation family (the file's name without `.json`).
    public var family: String
    public var cases: [TorchCase]

    enum CodingKeys: String, CodingKey {
        case torchVersion = "torch_version"
        case family, cases
    }

    /// The URL of a family's file.
    public static func url(family: String) -> URL {
        fixturesDirectory.appendingPathComponent("torch").appendingPathComponent("\(family).json")
    }

    /// Loads (once per process) and decodes a family's file.
    public static func load(_ family: String) throws -> TorchFixture {
        try cache.fixture(family: family)
    }

    /// The case names of a family, for `@Test(arguments:)`. When the file is missing or
    /// unreadable this is a single placeholder name, so the test runs once and fails in
    /// ``case(_:in:)`` with the loading error instead of silently running nothing.
    public static func caseNames(_ family: String) -> [String] {
        guard let fixture = try? load(family), !fixture.cases.isEmpty else { return ["<unreadable \(family).json>"] }
        return fixture.cases.map(\.name)
    }

    /// The case called `name` in `family`.
    public static func `case`(_ name: String, in family: String) throws -> TorchCase {
        let fixture = try load(family)
        guard let found = fixture.cases.first(where: { $0.name == name }) else {
            throw TorchFixtureError.missingCase(name, family: family)
        }
        return found
    }

    private static let cache = FixtureCache()
}

/// Decoded fixtures by family, shared by the tests of one process.
private final class FixtureCache: @unchecked Sendable {
    private let lock = NSLock()
    private var fixtures: [String: TorchFixture] = [:]

    func fixture(family: String) throws -> TorchFixture {
        lock.lock()
        defer { lock.unlock() }
        if let cached = fixtures[family] { return cached }
        let data = try Data(contentsOf: TorchFixture.url(family: family))
        let fixture = try JSONDecoder().decode(TorchFixture.self, from: data)
        fixtures[family] = fixture
        return fixture
    }
}

public enum TorchFixtureError: Error, CustomStringConvertible {
    case missingCase(String, family: String)
    case missingTensor(String, caseName: String)
    case missingParameter(String, caseName: String)
    case unsupportedOperation(String, caseName: String)

    public var description: String {
        switch self {
        case .missingCase(let name, let family): "no case \(name) in torch/\(family).json"
        case .missingTensor(let name, let caseName): "case \(caseName) has no tensor \(name)"
        case .missingParameter(let name, let caseName): "case \(caseName) has no parameter \(name) of the expected type"
        case .unsupportedOperation(let op, let caseName): "case \(caseName): the test has no counterpart of PyTorch's \(op)"
        }
    }
}

/// A tensor as stored in a fixture: a shape and its row-major values.
public struct TorchTensor: Decodable {
    public var shape: [Int]
    /// Decoded as `Double` (JSON numbers) and rounded once to `Float`: the file holds 9
    /// significant digits, which identify every `Float` exactly.
    public var data: [Double]

    public var tensor: Tensor { Tensor(shape: shape, scalars: data.map { Float($0) }) }
}

/// One fixture case; see ``TorchFixture``.
public struct TorchCase: Decodable {
    public var name: String
    /// The PyTorch operation, e.g. `conv2d`, `max`, `cross_entropy_weighted`.
    public var op: String
    public var params: [String: JSONValue]
    /// Differentiable inputs: each has an entry in ``gradients``.
    public var inputs: [String: TorchTensor]
    /// Inputs without gradient (e.g. batch-norm running statistics).
    public var constants: [String: TorchTensor]?
    public var output: TorchTensor
    /// The upstream gradient `g` passed to `output.backward(g)`.
    public var upstream: TorchTensor
    public var gradients: [String: TorchTensor]
    /// Further expected values (batch statistics, running statistics).
    public var extras: [String: TorchTensor]?

    /// The input or constant called `name`.
    public func tensor(_ name: String) throws -> Tensor {
        guard let found = inputs[name] ?? constants?[name] else { throw TorchFixtureError.missingTensor(name, caseName: self.name) }
        return found.tensor
    }

    /// The extra expected value called `name`.
    public func extra(_ name: String) throws -> Tensor {
        guard let found = extras?[name] else { throw TorchFixtureError.missingTensor(name, caseName: self.name) }
        return found.tensor
    }

    /// `true` when the case has an input called `name`.
    public func hasInput(_ name: String) -> Bool { inputs[name] != nil }

    public func int(_ name: String) throws -> Int {
        guard let value = params[name]?.int else { throw TorchFixtureError.missingParameter(name, caseName: self.name) }
        return value
    }

    public func float(_ name: String) throws -> Float {
        guard let value = params[name]?.double else { throw TorchFixtureError.missingParameter(name, caseName: self.name) }
        return Float(value)
    }

    public func bool(_ name: String) throws -> Bool {
        guard let value = params[name]?.bool else { throw TorchFixtureError.missingParameter(name, caseName: self.name) }
        return value
    }

    public func ints(_ name: String) throws -> [Int] {
        guard let value = params[name]?.ints else { throw TorchFixtureError.missingParameter(name, caseName: self.name) }
        return value
    }

    public func floats(_ name: String) throws -> [Float] {
        guard case .array(let values)? = params[name] else { throw TorchFixtureError.missingParameter(name, caseName: self.name) }
        let numbers = values.compactMap(\.double).map(Float.init)
        guard numbers.count == values.count else { throw TorchFixtureError.missingParameter(name, caseName: self.name) }
        return numbers
    }

    public func intMatrix(_ name: String) throws -> [[Int]] {
        guard case .array(let rows)? = params[name] else { throw TorchFixtureError.missingParameter(name, caseName: self.name) }
        let matrix = rows.compactMap(\.ints)
        guard matrix.count == rows.count else { throw TorchFixtureError.missingParameter(name, caseName: self.name) }
        return matrix
    }
}

/// Readers of a case's `params` (HashingCore's JSON values: whole numbers decode as `.integer`).
extension JSONValue {
    public var double: Double? {
        switch self {
        case .number(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }
    public var bool: Bool? { if case .bool(let value) = self { value } else { nil } }

    /// The value as an integer, if it is a whole number.
    public var int: Int? {
        guard let value = double, value == value.rounded(), Swift.abs(value) < 1e15 else { return nil }
        return Int(value)
    }

    /// The value as an array of integers.
    public var ints: [Int]? {
        guard case .array(let items) = self else { return nil }
        let values = items.compactMap(\.int)
        return values.count == items.count ? values : nil
    }
}

/// Checks an operation against a PyTorch case: evaluates `function` at the case's inputs named
/// `inputNames` (in that order), compares its output with the case's, and compares the
/// gradients of `sum(output · upstream)` — equal to what `output.backward(upstream)` gives —
/// with PyTorch's gradients of those inputs.
///
/// Every differentiable input of the case must be listed, so no PyTorch gradient goes
/// unchecked.
public func expectMatchesTorch(
    _ torchCase: TorchCase, inputNames: [String], rtol: Float = 1e-4, atol: Float = 1e-5,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ function: ([Tensor]) throws -> Tensor
) throws {
    #expect(
        Set(inputNames) == Set(torchCase.inputs.keys),
        "\(torchCase.name): inputs \(inputNames.sorted()) ≠ fixture inputs \(torchCase.inputs.keys.sorted())",
        sourceLocation: sourceLocation)
    let inputs = try inputNames.map { try torchCase.tensor($0) }
    let upstream = torchCase.upstream.tensor
    var output: Tensor?
    let (_, gradients) = try valueAndGradient(at: inputs) { tracked in
        let result = try function(tracked)
        output = result.detached()
        // A wrong shape is reported by the output comparison below; don't broadcast over it.
        return result.shape == upstream.shape ? (result * upstream).sum() : result.sum() * 0
    }
    expectClose(output!, torchCase.output.tensor, rtol: rtol, atol: atol, "\(torchCase.name): output", sourceLocation: sourceLocation)
    for (name, gradient) in zip(inputNames, gradients) {
        guard let expected = torchCase.gradients[name] else {
            Issue.record("\(torchCase.name): no PyTorch gradient for \(name)", sourceLocation: sourceLocation)
            continue
        }
        expectClose(gradient, expected.tensor, rtol: rtol, atol: atol, "\(torchCase.name): gradient of \(name)", sourceLocation: sourceLocation)
    }
}

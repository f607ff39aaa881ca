import Foundation
import HashingCore
import TensorCore
import Testing

/// Expects two tensors to have the same shape and elementwise `|a − b| ≤ atol + rtol·|b|`;
/// failures are reported at the caller's location with the worst element.
public func expectClose(
    _ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-4, atol: Float = 1e-5, _ message: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.shape == expected.shape else {
        Issue.record("shape \(actual.shape) ≠ expected \(expected.shape) \(message)", sourceLocation: sourceLocation)
        return
    }
    expectClose(
        actual.withUnsafeScalars { Array($0) }, expected.withUnsafeScalars { Array($0) }, rtol: rtol, atol: atol, message,
        sourceLocation: sourceLocation)
}

/// Expects two arrays to agree elementwise within `atol + rtol·|expected|`.
public func expectClose(
    _ actual: [Float], _ expected: [Float], rtol: Float = 1e-4, atol: Float = 1e-5, _ message: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(actual.count) values ≠ expected \(expected.count) \(message)", sourceLocation: sourceLocation)
        return
    }
    var worst = -1
    var worstExcess: Float = 0
    for i in 0..<actual.count {
        let difference = abs(actual[i] - expected[i])
        let allowed = atol + rtol * abs(expected[i])
        if !(difference <= allowed) {
            let excess = difference.isNaN ? .infinity : difference - allowed
            if worst < 0 || excess > worstExcess { worst = i; worstExcess = excess }
        }
    }
    if worst >= 0 {
        Issue.record(
            "element \(worst): \(actual[worst]) vs expected \(expected[worst]) (rtol \(rtol), atol \(atol)) \(message)",
            sourceLocation: sourceLocation)
    }
}

public func expectClose(
    _ actual: Float, _ expected: Float, rtol: Float = 1e-4, atol: Float = 1e-5, _ message: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    expectClose([actual], [expected], rtol: rtol, atol: atol, message, sourceLocation: sourceLocation)
}

/// Compares the tape's gradients of `function` at `inputs` with central finite differences
/// computed in Double from Float evaluations.
///
/// The function should return a scalar (or is reduced by a fixed random projection so every
/// output element matters). Inputs should be chosen away from kinks (ReLU at 0, max ties).
public func checkGradients(
    at inputs: [Tensor], step: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3, _ message: String = "",
    sourceLocation: SourceLocation = #_sourceLocation,
    _ function: @escaping ([Tensor]) -> Tensor
) {
    // A fixed projection turns any output into a scalar sensitive to every element.
    var generator = SeededGenerator(seed: 12345)
    let probe = function(inputs)
    let projection = Tensor.uniform(probe.shape, low: 0.5, high: 1.5, generator: &generator)
    let scalarFunction: ([Tensor]) -> Tensor = { (function($0) * projection).sum() }
    let (_, analytic) = valueAndGradient(at: inputs, of: scalarFunction)
    for (slot, input) in inputs.enumerated() {
        var numeric = [Float](repeating: 0, count: input.count)
        for index in 0..<input.count {
            var plus = inputs, minus = inputs
            plus[slot].withUnsafeMutableScalars { $0[index] += step }
            minus[slot].withUnsafeMutableScalars { $0[index] -= step }
            let high = Double(withoutGradient { scalarFunction(plus) }.item)
            let low = Double(withoutGradient { scalarFunction(minus) }.item)
            numeric[index] = Float((high - low) / (2 * Double(step)))
        }
        expectClose(
            analytic[slot], Tensor(shape: input.shape, scalars: numeric), rtol: rtol, atol: atol,
            "gradient of input \(slot) \(message)", sourceLocation: sourceLocation)
    }
}

/// The repository's `Tests/Fixtures` directory.
public let fixturesDirectory: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

/// A deterministic tensor with values in `[low, high)` for tests.
public func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor.uniform(shape, low: low, high: high, generator: &generator)
}

/// A tiny learnable image set for method tests: 3 classes, 1×16×16, a bright 4×4 square whose
/// position depends on the class, plus uniform noise.
public func toyDigits(count: Int, seed: UInt64) -> (images: Tensor, labels: [Int]) {
    var generator = SeededGenerator(seed: seed)
    let labels = (0..<count).map { $0 % 3 }
    let images = Tensor(
        shape: [count, 1, 16, 16],
        unsafeUninitialized: { pixels in
            for i in pixels.indices { pixels[i] = 0.2 * generator.nextUniform() }
            for (n, label) in labels.enumerated() {
                for y in 0..<4 { for x in 0..<4 { pixels[n * 256 + (2 + y + 4 * label) * 16 + 2 + x + 4 * label] = 1 } }
            }
        })
    return (images, labels)
}

/// A labelled source batch of ``toyDigits(count:seed:)`` (indices 0…) and an unlabelled target
/// batch of other toy digits, dimmed and shifted into another domain (indices 100…).
public func toyDomainPair(count: Int) -> TrainingBatch {
    let (images, labels) = toyDigits(count: count, seed: 5)
    let (targetImages, _) = toyDigits(count: count, seed: 6)
    return TrainingBatch(
        source: DomainBatch(images: images, labels: labels, indices: Array(0..<count), domain: .source),
        target: DomainBatch(images: targetImages * 0.6 + 0.3, labels: nil, indices: Array(100..<(100 + count)), domain: .target))
}

/// A source domain's step outputs for testing a loss on given codes: features equal the codes.
public func testStepOutputs(codes: Tensor, labels: BatchLabels? = nil, pseudoLabels: [Int?]? = nil, domain: Domain = .source) -> StepOutputs {
    StepOutputs(
        features: codes, codes: codes, labels: labels, pseudoLabels: pseudoLabels, indices: Array(0..<codes.shape[0]), domain: domain)
}

/// A training progress at `epoch` (fractional) of a run of `epochs` epochs of 10 steps.
public func testProgress(epoch: Double = 0, epochs: Int = 1) -> TrainingProgress {
    TrainingProgress(epoch: Int(epoch), epochCount: epochs, step: Int((epoch - Double(Int(epoch))) * 10), stepsPerEpoch: 10)
}

/// Runs `steps` training steps of `method` on `batch` (one epoch of `steps` steps), expects every
/// term finite, and returns each step's total loss.
public func trainingTotals(
    _ method: any HashingMethod, on batch: TrainingBatch, steps: Int, sourceLocation: SourceLocation = #_sourceLocation
) throws -> [Float] {
    var totals: [Float] = []
    for step in 0..<steps {
        let terms = try method.trainingStep(batch, progress: TrainingProgress(epoch: 0, epochCount: 1, step: step, stepsPerEpoch: steps))
        #expect(terms.allSatisfy { $0.value.isFinite }, "step \(step): \(terms)", sourceLocation: sourceLocation)
        totals.append(terms.map(\.value).reduce(0, +))
    }
    return totals
}

/// Whether the mean of the last five totals is below that of the first five.
public func decreased(_ totals: [Float]) -> Bool { totals.suffix(5).reduce(0, +) < totals.prefix(5).reduce(0, +) }

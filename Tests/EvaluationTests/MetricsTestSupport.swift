import Evaluation
import Testing

/// Codes from strings of '0'/'1', character j = bit j.
func codes(_ strings: [String]) -> PackedCodes {
    let bitCount = strings.first?.count ?? 1
    return PackedCodes(bits: strings.map { $0.map { $0 == "1" } }, bitCount: bitCount)
}

/// Expects `|actual − expected| ≤ atol + rtol·|expected|` for Doubles.
func expectNear(
    _ actual: Double, _ expected: Double, rtol: Double = 1e-12, atol: Double = 1e-12, _ message: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let allowed = atol + rtol * abs(expected)
    if !(abs(actual - expected) <= allowed) {
        Issue.record("\(actual) vs expected \(expected) (rtol \(rtol), atol \(atol)) \(message())", sourceLocation: sourceLocation)
    }
}

/// Expects two Double arrays to agree elementwise.
func expectNear(
    _ actual: [Double], _ expected: [Double], rtol: Double = 1e-12, atol: Double = 1e-12, _ message: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(actual.count) values vs expected \(expected.count) \(message())", sourceLocation: sourceLocation)
        return
    }
    for index in actual.indices {
        let allowed = atol + rtol * abs(expected[index])
        if !(abs(actual[index] - expected[index]) <= allowed) {
            Issue.record("element \(index): \(actual[index]) vs expected \(expected[index]) \(message())", sourceLocation: sourceLocation)
            return
        }
    }
}

import HashingCore
import TensorCore
import TestSupport
import Testing

@Suite("Domain adapters: class-centroid alignment")
struct DomainAdapterTests {
    @Test func handComputedCentroidDistances() {
        // Source class 0: rows (1, 0), (3, 2) → mean (2, 1); class 1: (0, 4). Target: class 0 (0, 1),
        // class 1 (2, 2) and (0, 2) → (1, 2), one row without a pseudo-label, class 2 absent from the source.
        let source = Tensor(shape: [3, 2], scalars: [1, 0, 3, 2, 0, 4])
        let target = Tensor(shape: [5, 2], scalars: [0, 1, 2, 2, 9, 9, 0, 2, 7, 7])
        let loss = ClassCentroidAlignment().loss(source: source, sourceLabels: [0, 0, 1], target: target, targetLabels: [0, 1, nil, 1, 2])
        // ‖(2, 1) − (0, 1)‖² + ‖(0, 4) − (1, 2)‖² = 4 + 5.
        #expect(loss.item == 9)
        let terms = ClassCentroidAlignment(weight: 0.5).terms(
            source: HashingOutput(codes: source), sourceLabels: [0, 0, 1], target: HashingOutput(codes: target),
            targetLabels: [0, 1, nil, 1, 2])
        #expect(terms.map(\.name) == ["centroid-alignment"] && terms[0].value.item == 4.5)
        // No class in both domains: zero, still on the tape.
        #expect(
            ClassCentroidAlignment().loss(source: source, sourceLabels: [0, 0, 1], target: target, targetLabels: [nil, 2, nil, 3, nil]).item == 0)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let sourceLabels = [0, 1, 1, 2, 0]
        let targetLabels: [Int?] = [1, nil, 0, 2]
        checkGradients(at: [randomTensor([5, 3], seed: 1), randomTensor([4, 3], seed: 2)]) {
            ClassCentroidAlignment().loss(source: $0[0], sourceLabels: sourceLabels, target: $0[1], targetLabels: targetLabels)
        }
    }

    @Test(arguments: TorchFixture.caseNames("domain_adaptation"))
    func matchesPyTorch(_ name: String) throws {
        let c = try TorchFixture.case(name, in: "domain_adaptation")
        let sourceLabels = try c.ints("source_labels")
        let targetLabels = try c.ints("target_labels").map { $0 < 0 ? nil : $0 }
        try expectMatchesTorch(c, inputNames: ["source", "target"]) { x in
            ClassCentroidAlignment().loss(source: x[0], sourceLabels: sourceLabels, target: x[1], targetLabels: targetLabels)
        }
    }
}

import HashingCore
import NeuralNet
import TensorCore
import TestSupport
import Testing

@testable import IntersectantGAN

/// Intersectant-GAN's generators and loss terms against an independent PyTorch implementation
/// (`Tests/Fixtures/torch/intersectant_gan.json`, written by `Scripts/make_gan_fixtures.py`):
/// outputs, and the gradients of `sum(output · upstream)` for a random upstream gradient with
/// respect to every input — for the generators, the codes and every weight, bias and batch-norm
/// affine parameter (training mode, batch statistics). Default tolerances (`rtol 1e-4, atol 1e-5`).
@Suite("Intersectant-GAN against PyTorch")
struct TorchGoldenTests {
    static let family = "intersectant_gan"

    /// The fixture's case names that satisfy `include`; when none does (a missing or unreadable
    /// file), the loader's placeholder, so the test runs once and fails with the loading error.
    static func caseNames(where include: (String) -> Bool) -> [String] {
        let names = TorchFixture.caseNames(family)
        let selected = names.filter(include)
        return selected.isEmpty ? names : selected
    }

    /// `ImageGenerator` (`.lenet` and `.digits`) with the fixture's parameters loaded by path: the
    /// PyTorch module names its parameters as `namedParameters()` does (`fc.weight`,
    /// `deconvolutions.0.weight`, `norms.0.bias`, …), and every one of them is compared.
    @Test(arguments: caseNames { $0.hasPrefix("generator_") })
    func generator(_ name: String) throws {
        let c = try TorchFixture.case(name, in: Self.family)
        guard case .string(let architectureName)? = c.params["architecture"], let architecture = GeneratorArchitecture(rawValue: architectureName)
        else { throw TorchFixtureError.missingParameter("architecture", caseName: name) }
        var seeds = SeededGenerator(seed: 1)
        let network = try ImageGenerator(
            codeLength: try c.int("code_length"), imageShape: try c.ints("image_shape"), architecture: architecture, width: try c.int("width"),
            generator: &seeds)
        network.train()
        // The method's defaults are the values PyTorch used: LeakyReLU slope and batch-norm ε.
        #expect(network.slope == (try c.float("slope")))
        for norm in [network.fcNorm].compactMap({ $0 }) + network.norms {
            #expect(norm.epsilon == (try c.float("epsilon")))
        }
        let parameters = network.namedParameters()
        // Same shapes, so in particular ConvTranspose2d's weight layout [in, out, k, k] is PyTorch's.
        for (path, parameter) in parameters {
            let expected = try c.tensor(path)
            try #require(expected.shape == parameter.shape, "\(name): \(path) is \(parameter.shape), PyTorch's \(expected.shape)")
        }
        try expectMatchesTorch(c, inputNames: ["codes"] + parameters.map(\.path)) { x in
            for (index, entry) in parameters.enumerated() { entry.parameter.value = x[index + 1] }
            return network(x[0])
        }
    }

    /// The loss terms: `pairwiseHashLoss`, `signQuantizationLoss` (`sgn 0 = +1`, the sign a
    /// constant), `discriminatorLosses` (both terms, stacked), `crossEntropy(partialLabels:)` and
    /// `ClassCentroidAlignment`. Labels of −1 in the fixture are `nil`.
    @Test(arguments: caseNames { !$0.hasPrefix("generator_") })
    func loss(_ name: String) throws {
        let c = try TorchFixture.case(name, in: Self.family)
        func partialLabels(_ key: String) throws -> [Int?] { try c.ints(key).map { $0 < 0 ? nil : $0 } }
        switch c.op {
        case "pairwise_hash":
            let labels = try c.ints("labels")
            try expectMatchesTorch(c, inputNames: ["codes"]) { x in pairwiseHashLoss(codes: x[0], labels: labels) }
        case "sign_quantization":
            try expectMatchesTorch(c, inputNames: ["codes"]) { x in quantizationLoss(x[0], normalization: .perBit) }
        case "discriminator_losses":
            let labels = try partialLabels("real_labels")
            try expectMatchesTorch(c, inputNames: ["real_logits", "fake_logits"]) { x in
                let (real, fake) = discriminatorLosses(realLogits: x[0], realLabels: labels, fakeLogits: x[1])
                return Tensor.concatenate([real.reshaped([1]), fake.reshaped([1])], axis: 0)
            }
        case "partial_cross_entropy":
            let labels = try partialLabels("labels")
            try expectMatchesTorch(c, inputNames: ["logits"]) { x in crossEntropy(logits: x[0], partialLabels: labels) }
        case "class_centroid_alignment":
            let sourceLabels = try c.ints("source_labels")
            let targetLabels = try partialLabels("target_labels")
            try expectMatchesTorch(c, inputNames: ["source", "target"]) { x in
                classCentroidAlignment(source: x[0], sourceLabels: sourceLabels, target: x[1], targetLabels: targetLabels)
            }
        case "discriminator_losses_variant":
            let labels = try partialLabels("real_labels")
            let (batchMean, unlabelledReal) = (try c.int("batch_mean") == 1, try c.int("unlabelled_real") == 1)
            try expectMatchesTorch(c, inputNames: ["real_logits", "fake_logits"]) { x in
                let (real, fake) = discriminatorLosses(
                    realLogits: x[0], realLabels: labels, fakeLogits: x[1], mean: batchMean ? .batch : .selected, unlabelledAreReal: unlabelledReal)
                return Tensor.concatenate([real.reshaped([1]), fake.reshaped([1])], axis: 0)
            }
        case "partial_cross_entropy_batch":
            let labels = try partialLabels("labels")
            try expectMatchesTorch(c, inputNames: ["logits"]) { x in partialCrossEntropy(logits: x[0], labels: labels, mean: .batch) }
        case "class_centroid_alignment_mean":
            let sourceLabels = try c.ints("source_labels")
            let targetLabels = try partialLabels("target_labels")
            try expectMatchesTorch(c, inputNames: ["source", "target"]) { x in
                classCentroidAlignment(source: x[0], sourceLabels: sourceLabels, target: x[1], targetLabels: targetLabels, reduction: .mean)
            }
        default:
            throw TorchFixtureError.unsupportedOperation(c.op, caseName: c.name)
        }
    }
}

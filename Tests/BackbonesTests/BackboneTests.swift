import Backbones
import HashingCore
import TensorCore
import TestSupport
import Testing

@Suite("Backbones")
struct BackboneTests {
    @Test(arguments: [
        ("lenet", [1, 28, 28]), ("lenet", [1, 16, 16]), ("lenet-torch-init", [1, 28, 28]), ("lenet-bn", [1, 28, 28]), ("lenet-bn", [3, 28, 28]),
        ("digits-convnet", [3, 32, 32]), ("digits-convnet", [1, 28, 28]), ("small-vgg", [3, 32, 32]),
    ])
    func featuresHaveTheAdvertisedShape(name: String, shape: [Int]) throws {
        var generator = SeededGenerator(seed: 1)
        let backbone = try BackboneCatalog.registry().make(name, inputShape: shape, domainCount: 1, generator: &generator)
        let features = backbone.features(randomTensor([2] + shape, seed: 2), domain: .source)
        #expect(features.shape == [2, backbone.featureCount])
        #expect(backbone.inputShape == shape)
    }

    @Test func unknownNamesAndUnsupportedShapesGiveClearErrors() {
        var generator = SeededGenerator(seed: 1)
        let registry = BackboneCatalog.registry()
        let available = ["lenet", "lenet-torch-init", "lenet-bn", "digits-convnet", "small-vgg"]
        #expect(throws: RegistryError.unknownBackbone("resnet", available: available)) {
            _ = try registry.make("resnet", inputShape: [1, 28, 28], domainCount: 1, generator: &generator)
        }
        #expect(throws: RegistryError.self) {
            _ = try registry.make("digits-convnet", inputShape: [1, 20, 20], domainCount: 1, generator: &generator)
        }
        #expect(throws: RegistryError.self) { _ = try registry.make("lenet", inputShape: [1, 8, 8], domainCount: 1, generator: &generator) }
    }

    /// Caffe's initialisation: Glorot-uniform weights, zero biases; PyTorch's: weights and biases
    /// uniform in ±1/√fan-in (for conv2, fan-in 20·5·5 = 500, a bound of 0.0447 against Glorot's
    /// √(6 / (500 + 1250)) = 0.0586).
    @Test func leNetInitialisationsFollowCaffeAndPyTorch() throws {
        var generator = SeededGenerator(seed: 1)
        let registry = BackboneCatalog.registry()
        let caffe = try #require(try registry.make("lenet", inputShape: [1, 28, 28], domainCount: 1, generator: &generator) as? LeNet)
        let torch = try #require(try registry.make("lenet-torch-init", inputShape: [1, 28, 28], domainCount: 1, generator: &generator) as? LeNet)
        let glorot = (6 / Float(500 + 1_250)).squareRoot(), pytorch = 1 / Float(500).squareRoot()
        let caffeWeights = caffe.conv2.weight.value.scalars, torchWeights = torch.conv2.weight.value.scalars
        #expect(caffeWeights.allSatisfy { abs($0) <= glorot } && caffeWeights.contains { abs($0) > pytorch })
        #expect(torchWeights.allSatisfy { abs($0) <= pytorch } && torchWeights.contains { abs($0) > 0.9 * pytorch })
        #expect(try #require(caffe.conv2.bias).value.scalars.allSatisfy { $0 == 0 })
        let torchBias = try #require(torch.conv2.bias).value.scalars
        #expect(torchBias.allSatisfy { abs($0) <= pytorch } && torchBias.contains { $0 != 0 })
        let fcBound = 1 / Float(800).squareRoot()
        #expect(torch.fc1.weight.value.scalars.allSatisfy { abs($0) <= fcBound })
    }

    @Test func domainSpecificBatchNormKeepsSeparateStatisticsAndSharesConvolutions() throws {
        var generator = SeededGenerator(seed: 1)
        let network = try DigitsConvNet(inputShape: [1, 28, 28], domainCount: 2, generator: &generator)
        let paths = network.namedParameters().map(\.path)
        #expect(paths.contains("norms.0.branches.0.weight") && paths.contains("norms.0.branches.1.weight"))
        #expect(paths.filter { $0.hasPrefix("convolutions.0.") } == ["convolutions.0.weight", "convolutions.0.bias"])
        _ = network.features(randomTensor([4, 1, 28, 28], seed: 3, low: 0, high: 1), domain: .source)
        _ = network.features(randomTensor([4, 1, 28, 28], seed: 4, low: 2, high: 5), domain: .target)
        let source = network.norms[0].branches[0].runningMean.value.scalars
        let target = network.norms[0].branches[1].runningMean.value.scalars
        #expect(source != target)
    }

    @Test func batchNormLeNetHasATargetBranchThatOnlyTargetBatchesMoveAndEvaluationUses() throws {
        var generator = SeededGenerator(seed: 1)
        let network = try #require(
            try BackboneCatalog.registry().make("lenet-bn", inputShape: [1, 28, 28], domainCount: 2, generator: &generator) as? LeNetBN)
        let paths = network.namedParameters().map(\.path)
        #expect(paths.contains("norm1.branches.0.weight") && paths.contains("norm1.branches.1.weight") && paths.contains("norm2.branches.1.bias"))
        #expect(paths.filter { $0.hasPrefix("conv1.") } == ["conv1.weight", "conv1.bias"])
        let means = { (network.norm1.branches[0].runningMean.value.scalars, network.norm1.branches[1].runningMean.value.scalars) }
        let (source0, target0) = means()
        network.train(true)
        let targetImages = randomTensor([4, 1, 28, 28], seed: 4, low: 2, high: 5)
        _ = network.features(targetImages, domain: .target)
        let (source1, target1) = means()
        #expect(source1 == source0 && target1 != target0)
        _ = network.features(randomTensor([4, 1, 28, 28], seed: 3, low: 0, high: 1), domain: .source)
        let (source2, target2) = means()
        #expect(source2 != source1 && target2 == target1)
        // In evaluation mode the two domains' statistics differ, so the same images give different features.
        network.train(false)
        let asTarget = network.features(targetImages, domain: .target).scalars
        let asSource = network.features(targetImages, domain: .source).scalars
        #expect(asTarget != asSource)
        #expect(network.features(targetImages, domain: .target).scalars == asTarget)
    }
}

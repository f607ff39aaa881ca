import HashingCore
import NeuralNet

/// The built-in backbones, by name.
public enum BackboneCatalog {
    public static let registrations: [BackboneRegistration] = [
        lenet(name: "lenet", summary: "Caffe LeNet (conv 20, conv 50, fc 500) for 28×28 or 16×16 digits; no batch norm", .caffe),
        lenet(
            name: "lenet-torch-init", summary: "the same LeNet with PyTorch's default initialisation (weights and biases uniform in ±1/√fan-in)",
            .pytorch),
        BackboneRegistration(
            name: "lenet-bn", summary: "LeNet with batch norm after each conv (the DSBN paper's digits network); per-domain branches (DSBN)"
        ) {
            shape, domains, generator in
            try requireSquareDigits(shape, backbone: "lenet-bn")
            return LeNetBN(inputSize: shape[1], inputChannels: shape[0], domainCount: domains, generator: &generator)
        },
        BackboneRegistration(name: "digits-convnet", summary: "DupGAN 4-conv digits encoder (64-128-256-512, batch norm, LeakyReLU) for 28×28/32×32")
        {
            shape, domains, generator in try DigitsConvNet(inputShape: shape, domainCount: domains, generator: &generator)
        },
        BackboneRegistration(name: "small-vgg", summary: "small VGG (64-64-128-128-256 convs, batch norm, fc 512) for 32×32 colour images") {
            shape, domains, generator in try SmallVGG(inputShape: shape, domainCount: domains, generator: &generator)
        },
    ]

    /// LeNet under `name`, with the given initialisation.
    static func lenet(name: String, summary: String, _ initialization: LeNet.Initialization) -> BackboneRegistration {
        BackboneRegistration(name: name, summary: summary) { shape, _, generator in
            try requireSquareDigits(shape, backbone: name)
            return LeNet(inputSize: shape[1], inputChannels: shape[0], classCount: nil, initialization: initialization, generator: &generator)
        }
    }

    /// The LeNets take `[C, S, S]` images with S ≥ 16.
    static func requireSquareDigits(_ shape: [Int], backbone: String) throws {
        guard shape.count == 3, shape[1] == shape[2], shape[1] >= 16 else {
            throw RegistryError.unsupportedInput(backbone: backbone, inputShape: shape, reason: "needs square images of at least 16×16")
        }
    }

    /// A registry of the built-in backbones.
    public static func registry() -> BackboneRegistry {
        // The names above are distinct by construction.
        try! BackboneRegistry(registrations)
    }
}

/// The hash layers, losses and domain adapters this package registers.
///
/// A new component is a class with a `registration` (see docs/extending.md) added to one of these
/// lists, or to a registry of one's own with ``ComponentRegistry/adding(hashLayers:losses:adapters:)``.
public enum StandardComponents {
    public static let hashLayers: [HashLayerRegistration] = [
        LinearHashLayer.sigmoidRegistration,
        LinearHashLayer.tanhRegistration,
        LinearHashLayer.identityRegistration,
    ]

    public static let losses: [LossRegistration] = [
        ClassificationLoss.registration,
        BinarizationLoss.registration,
        BalanceLoss.registration,
        ClasswiseLoss.registration,
        CenterSimilarityLoss.registration,
        QuantizationLoss.registration,
        BoundedOutputLoss.registration,
        PrototypeLoss.registration,
        PairwiseHashLoss.registration,
    ]

    public static let adapters: [AdapterRegistration] = [
        DANNAdapter.registration,
        CORALAdapter.registration,
        MMDAdapter.registration,
        CenterLossAdapter.registration,
        CentroidAlignmentAdapter.registration,
        InformationMaximizationAdapter.registration,
    ]

    /// The registry of every standard component.
    public static func registry() -> ComponentRegistry {
        // Names are distinct by construction; a duplicate is a programming error caught by tests.
        try! ComponentRegistry(hashLayers: hashLayers, losses: losses, adapters: adapters)
    }
}

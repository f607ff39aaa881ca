import NeuralNet
import TensorCore

/// Which data domain a batch comes from. Single-domain methods only see ``source``.
public enum Domain: Int, Codable, CaseIterable, Sendable {
    /// The labelled domain (the only one for single-domain training).
    case source = 0
    /// The unlabelled domain of domain-adaptation methods.
    case target = 1
}

/// Batch normalisation with separate statistics and affine parameters per domain (DSBN,
/// Chang et al., CVPR 2019); every other weight of the network stays shared.
///
/// **Shape**: `[N, C]` or `[N, C, H, W]` → the same shape; each batch must come from one domain.
public final class DomainSpecificBatchNorm: Module {
    /// One batch-norm layer per domain, indexed by ``Domain/rawValue``.
    public let branches: [BatchNorm]

    public init(featureCount: Int, expectedRank: Int, domainCount: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        precondition(domainCount >= 1, "DomainSpecificBatchNorm: domainCount must be at least 1")
        branches = (0..<domainCount).map { _ in
            BatchNorm(featureCount: featureCount, expectedRank: expectedRank, epsilon: epsilon, momentum: momentum)
        }
    }

    public func callAsFunction(_ input: Tensor, domain: Domain) -> Tensor {
        // One-domain networks use their single branch for every domain.
        let index = branches.count == 1 ? 0 : domain.rawValue
        precondition(index < branches.count, "DomainSpecificBatchNorm: domain \(domain) but only \(branches.count) branches")
        return branches[index](input)
    }
}

import Evaluation
import Foundation
import HashingCore

/// Everything that defines a training run; saved as `run.json` in the run directory so that
/// `encode`, `evaluate` and `--resume` rebuild exactly the same method and data.
public struct RunSpecification: Codable, Equatable {
    /// Registered method name (`hashing methods`).
    public var method = "ssdh"
    /// Registered backbone name.
    public var backbone = "lenet"
    /// Code length.
    public var bits = 48
    /// A data set or a domain pair (`hashing datasets`). A pair (`mnist-to-mfeat`) brings its
    /// source, its target and its protocol: the labelled source's training images and
    /// validation split, the target's unlabelled training images, which are also its database,
    /// and its queries.
    public var dataset = "mnist"
    /// Seed of the split, the initialisation, the batch order and every other random choice.
    public var seed: UInt64 = 1
    public var batchSize = 64
    /// A fixed number of training steps per epoch, each domain's batches cycled through its own
    /// epochs: a budget in steps that is the same for every data set or pair (`nil`: one pass over
    /// the (larger) training set per epoch).
    public var stepsPerEpoch: Int?
    /// Images are resized to `imageSize × imageSize` when set (bilinear).
    public var imageSize: Int?
    /// Grayscale images are replicated to this many channels when set (e.g. 3).
    public var channels: Int?
    /// How pixels, scaled to [0, 1], are standardised before the network. A `run.json` written
    /// before this setting existed has none, and decodes as `nil`, meaning ``InputNormalization/none``.
    public var inputNormalization: InputNormalization? = .trainingStatistics
    /// Official protocol (data sets with an official test set): training images of each class
    /// held out for validation.
    public var validationPerClass = 500
    /// Per-class protocol (data sets without one): queries, validation and training images per
    /// class; the rest, plus the training images, form the database.
    public var queryPerClass = 100
    public var trainingPerClass = 500
    /// Validation mAP is measured against at most this many training images (a seeded sample).
    public var validationDatabaseLimit = 5000
    /// Training uses at most this many (source) images (0 = all), for quick runs.
    public var trainingLimit = 0
    /// Domain pairs: adaptation trains on at most this many unlabelled target images (a seeded
    /// sample; `nil` = all). The target database of the evaluation stays whole.
    public var targetTrainingLimit: Int?
    /// A `.npy` file of class-name vectors `[classes, dimension]` for label-prototype methods; when
    /// `nil`, the package's embedded sentence embeddings of the data set's class names, where it
    /// has them.
    public var labelEmbeddings: String?
    /// The target-label diagnostic (issue 30; ``TargetLabelDiagnostic``): `true` feeds the true
    /// target labels to the method as its pseudo-labels. Never a result: it answers whether the
    /// adaptation machinery works when its labels are right. `nil` (the default) or `false` in
    /// every real run.
    public var diagnosticTargetPseudoLabels: Bool?
    /// The method's configuration overrides, as a JSON object.
    public var methodConfiguration = "{}"
    public var trainer = TrainerConfiguration()
    /// Retrieval evaluation settings of the final report.
    public var evaluation = RetrievalOptions(topK: 1000)

    public init() {}
}

/// How a run standardises its input pixels.
public enum InputNormalization: String, Codable, CaseIterable, Sendable {
    /// Pixels stay in [0, 1].
    case none
    /// `x′ = (x − mean) / sd` per channel, with the mean and standard deviation of the (source)
    /// training images, never of queries or validation images; both domains of a pair and the
    /// user images of `encode --images` get the same constants. A LeNet without batch norm
    /// learns much faster on standardised digits (SSDH on MNIST: first-epoch cross-entropy 0.97
    /// instead of 1.80).
    case trainingStatistics = "training-statistics"

    public init(from decoder: Decoder) throws { self = try decodeNamedCase(decoder, kind: "input normalisation") }
}

/// Decodes a case named by a string, or throws one line naming the unknown value and the
/// available ones.
func decodeNamedCase<Value: RawRepresentable & CaseIterable>(_ decoder: Decoder, kind: String) throws -> Value
where Value.RawValue == String {
    let name = try decoder.singleValueContainer().decode(String.self)
    guard let value = Value(rawValue: name) else {
        throw WorkflowError.invalid("unknown \(kind) '\(name)'; available: \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return value
}

/// Errors of the workflow, one line each.
public enum WorkflowError: Error, CustomStringConvertible {
    case invalid(String)
    case missingRun(String)

    public var description: String {
        switch self {
        case .invalid(let message): return message
        case .missingRun(let path): return "no run at \(path): run.json is missing (train first, or check --run)"
        }
    }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }
}

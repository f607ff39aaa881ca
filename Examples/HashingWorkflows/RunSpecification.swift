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
    /// Images are resized to `imageSize × imageSize` when set (bilinear).
    public var imageSize: Int?
    /// Grayscale images are replicated to this many channels when set (e.g. 3).
    public var channels: Int?
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
    /// The method's configuration overrides, as a JSON object.
    public var methodConfiguration = "{}"
    public var trainer = TrainerConfiguration()
    /// Retrieval evaluation settings of the final report.
    public var evaluation = RetrievalOptions(topK: 1000)

    public init() {}
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

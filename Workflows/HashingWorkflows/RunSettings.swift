import Evaluation
import Foundation
import HashingCore

/// One setting of a run, by its flat name: the one schema that `hashing train`'s options, a grid's
/// `"settings"` and `run.json` share. Every field of ``RunSpecification`` other than those that
/// name the run (method, backbone, bits, data set, seed, method configuration) is one of
/// ``RunSpecification/settings``.
public struct RunSetting: Sendable {
    /// The flat name (`"epochs"`, `"learningRateWarmupEpochs"`): a grid's key; `--setting NAME=JSON` on the command line.
    public let name: String
    /// What it sets, in a line.
    public let summary: String
    let apply: @Sendable (inout RunSpecification, JSONValue) throws -> Void
    let read: @Sendable (RunSpecification) -> JSONValue
}

extension RunSpecification {
    /// Every run setting, in the order `hashing train --help` and the grid documentation list them.
    public static let settings: [RunSetting] = [
        setting("epochs", "training epochs", \.trainer.epochs),
        setting("batchSize", "mini-batch size (of each domain of a pair)", \.batchSize),
        setting(
            "stepsPerEpoch", "a fixed number of steps per epoch, each domain cycled (null = one pass over the larger training set)", \.stepsPerEpoch),
        setting(
            "learningRateMilestones", "epochs after which every learning rate is multiplied by learningRateGamma", \.trainer.learningRateMilestones),
        setting("learningRateGamma", "the factor at each milestone", \.trainer.learningRateGamma),
        setting(
            "learningRateWarmupEpochs", "linear learning-rate warm-up over the first this many epochs, step by step",
            \.trainer.learningRateWarmupEpochs),
        setting(
            "stages", "training stages (name, epochs, optimizers, reinitialize, resetOptimizers, schedule); default: the method's", \.trainer.stages),
        setting("optimizerSchedules", "learning-rate schedules of single optimizers by name", \.trainer.optimizerSchedules),
        setting("validateEvery", "validate every this many epochs (and after the last)", \.trainer.validateEvery),
        setting("validationTopK", "K of the validation mAP@K that selects the best epoch (0 = mAP@all)", \.trainer.validationTopK),
        setting("validationPerClass", "validation images per class held out of training", \.validationPerClass),
        setting("queryPerClass", "per-class protocol: queries per class", \.queryPerClass),
        setting("trainingPerClass", "per-class protocol: training images per class", \.trainingPerClass),
        setting("validationDatabaseLimit", "validation mAP against at most this many training images (a seeded sample)", \.validationDatabaseLimit),
        setting("trainingLimit", "at most this many (source) training images, a seeded sample (0 = all)", \.trainingLimit),
        setting("targetTrainingLimit", "domain pairs: adapt on at most this many unlabelled target images (null = all)", \.targetTrainingLimit),
        setting("imageSize", "resize images to N×N (null = as stored)", \.imageSize),
        setting("channels", "replicate grayscale images to this many channels (null = as stored)", \.channels),
        setting("inputNormalization", "training-statistics or none", \.inputNormalization),
        setting("labelEmbeddings", "a .npy [classes, dimension] of class-name vectors (null = the embedded ones)", \.labelEmbeddings),
        setting(
            "diagnosticTargetPseudoLabels", "a diagnostic, never a result: feed the true target labels as the method's pseudo-labels",
            \.diagnosticTargetPseudoLabels),
        setting("topK", "K of the final mAP@K", \.evaluation.topK),
        setting("radius", "r of P@H≤r and R@H≤r", \.evaluation.radius),
        setting("precisionCutoffs", "the K values of the P@K curve", \.evaluation.precisionCutoffs),
    ]

    /// The names of ``settings``.
    public static var settingNames: [String] { settings.map(\.name) }

    private static func setting<Value: Codable & Sendable>(
        _ name: String, _ summary: String, _ path: WritableKeyPath<RunSpecification, Value> & Sendable
    ) -> RunSetting {
        RunSetting(
            name: name, summary: summary,
            apply: { specification, value in specification[keyPath: path] = try value.decoded(as: Value.self, setting: name) },
            read: { specification in (try? JSONValue(encoding: specification[keyPath: path])) ?? .null })
    }

    /// Sets each named setting; an unknown name is an error listing the known ones, a value of the
    /// wrong type one naming the setting.
    public mutating func apply(settings values: [String: JSONValue]) throws {
        for name in values.keys.sorted() {
            guard let setting = Self.settings.first(where: { $0.name == name }) else {
                throw WorkflowError.invalid("unknown setting '\(name)'; settings: \(Self.settingNames.joined(separator: ", "))")
            }
            try setting.apply(&self, values[name]!)
        }
    }

    /// The value of every setting.
    public var settingValues: [String: JSONValue] {
        Dictionary(uniqueKeysWithValues: Self.settings.map { ($0.name, $0.read(self)) })
    }

    /// Checks every setting and the run's names and sizes: one line naming what is wrong.
    public func validate() throws {
        func require(_ condition: Bool, _ message: String) throws { if !condition { throw WorkflowError.invalid(message) } }
        try require(bits >= 1 && bits <= 1024, "bits \(bits) is out of range: use 1…1024 (the papers use 12–64)")
        try require(batchSize >= 1, "batchSize must be at least 1, got \(batchSize)")
        if let stepsPerEpoch { try require(stepsPerEpoch >= 1, "stepsPerEpoch must be at least 1, got \(stepsPerEpoch)") }
        for (name, value) in [
            ("validationPerClass", validationPerClass), ("queryPerClass", queryPerClass), ("trainingPerClass", trainingPerClass),
            ("validationDatabaseLimit", validationDatabaseLimit), ("trainingLimit", trainingLimit),
        ] {
            try require(value >= 0, "\(name) must be ≥ 0, got \(value)")
        }
        if let targetTrainingLimit { try require(targetTrainingLimit >= 1, "targetTrainingLimit must be at least 1, got \(targetTrainingLimit)") }
        if let imageSize { try require(imageSize >= 1, "imageSize must be at least 1, got \(imageSize)") }
        if let channels { try require(channels >= 1, "channels must be at least 1, got \(channels)") }
        try require(
            trainer.learningRateMilestones.allSatisfy { $0 >= 0 && $0 <= trainer.epochs },
            "learningRateMilestones must lie in 0…\(trainer.epochs) (the epochs), got \(trainer.learningRateMilestones)")
        do {
            try trainer.validate()
            try evaluation.validate()
        } catch {
            throw WorkflowError.invalid("\(error)")
        }
    }
}

extension JSONValue {
    /// The JSON value of an encodable value.
    init<Value: Encodable>(encoding value: Value) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    /// This value decoded as `Value`, or one line naming the setting.
    func decoded<Value: Decodable>(as type: Value.Type, setting: String) throws -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: JSONEncoder().encode(self))
        } catch let error as WorkflowError {
            throw WorkflowError.invalid("setting '\(setting)': \(error)")
        } catch {
            throw WorkflowError.invalid("setting '\(setting)' has the wrong type (\(Self.describe(self)))")
        }
    }

    static func describe(_ value: JSONValue) -> String {
        (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? "?"
    }
}

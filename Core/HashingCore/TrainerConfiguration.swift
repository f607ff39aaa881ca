import Foundation

/// Learning-rate decay at milestones: the factor on an optimizer's base rate is
/// `gamma^(number of milestones ≤ epoch)`, epochs counted from the start of the stage.
public struct MilestoneSchedule: Codable, Equatable, Sendable {
    public var milestones: [Int]
    public var gamma: Float

    public init(milestones: [Int] = [], gamma: Float = 0.1) {
        self.milestones = milestones
        self.gamma = gamma
    }

    /// The factor during (stage) epoch `epoch`.
    public func factor(epoch: Int) -> Float {
        Foundation.pow(gamma, Float(milestones.filter { $0 <= epoch }.count))
    }

    func validate(_ owner: String) throws {
        guard gamma > 0 else { throw TrainingError.invalidConfiguration("\(owner): learning-rate gamma must be positive, got \(gamma)") }
        guard milestones.allSatisfy({ $0 >= 0 }), milestones == milestones.sorted() else {
            throw TrainingError.invalidConfiguration("\(owner): milestones must be non-negative and increasing, got \(milestones)")
        }
    }
}

/// A stretch of training with its own epochs, optimizers and schedule, such as "pre-train the
/// encoder and classifier on the source" before "train everything adversarially".
public struct TrainingStage: Codable, Equatable, Sendable {
    /// A short name, for the log.
    public var name: String
    public var epochs: Int
    /// The names of the optimizers that step during the stage (`nil`: all of them).
    public var optimizers: [String]?
    /// Dotted paths of submodules of the method's network drawn afresh from their initialisers
    /// when the stage starts (`""` is the whole network).
    public var reinitialize: [String]
    /// Names of optimizers whose state (moments, step count) is cleared when the stage starts.
    public var resetOptimizers: [String]
    /// The stage's learning-rate schedule, epochs counted from the stage's start.
    public var schedule: MilestoneSchedule

    public init(
        name: String, epochs: Int, optimizers: [String]? = nil, reinitialize: [String] = [], resetOptimizers: [String] = [],
        schedule: MilestoneSchedule = MilestoneSchedule()
    ) {
        self.name = name
        self.epochs = epochs
        self.optimizers = optimizers
        self.reinitialize = reinitialize
        self.resetOptimizers = resetOptimizers
        self.schedule = schedule
    }

    enum CodingKeys: String, CodingKey { case name, epochs, optimizers, reinitialize, resetOptimizers, schedule }

    /// Decodes with defaults for every field but `epochs`, so a stage in JSON names only what it sets.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decodeIfPresent(String.self, forKey: .name) ?? "train",
            epochs: try container.decode(Int.self, forKey: .epochs),
            optimizers: try container.decodeIfPresent([String].self, forKey: .optimizers),
            reinitialize: try container.decodeIfPresent([String].self, forKey: .reinitialize) ?? [],
            resetOptimizers: try container.decodeIfPresent([String].self, forKey: .resetOptimizers) ?? [],
            schedule: try container.decodeIfPresent(MilestoneSchedule.self, forKey: .schedule) ?? MilestoneSchedule())
    }
}

/// The loop's settings.
public struct TrainerConfiguration: Codable, Equatable {
    /// Training epochs (with ``stages``, their sum).
    public var epochs: Int = 10
    /// Epochs at which every optimizer's learning rate is multiplied by ``learningRateGamma``
    /// (the schedule of the single stage when ``stages`` is empty).
    public var learningRateMilestones: [Int] = []
    public var learningRateGamma: Float = 0.1
    /// Linear learning-rate warm-up: over the first this many epochs of the run, every
    /// optimizer's rate grows step by step from `1/W` of its scheduled value to all of it, `W`
    /// being the warm-up's steps (0: none).
    public var learningRateWarmupEpochs: Int = 0
    /// Training stages, in order; empty for one stage of ``epochs`` epochs in which every
    /// optimizer steps (or the method's own ``HashingMethod/trainingStages(epochs:)``).
    public var stages: [TrainingStage] = []
    /// Schedules of single optimizers by name, replacing the stage's schedule for them.
    public var optimizerSchedules: [String: MilestoneSchedule] = [:]
    /// Validate every this many epochs (and after the last).
    public var validateEvery: Int = 1
    /// mAP@K cut-off used for model selection on the validation split (0 = mAP@all).
    public var validationTopK: Int = 0
    /// Where checkpoints and the training log go.
    public var outputDirectory: String = "runs/latest"
    /// Progress: `auto` (a live line on a terminal, plain lines otherwise), `lines`, `quiet`.
    public var progress: ProgressStyle = .auto

    public enum ProgressStyle: String, Codable, Sendable, CaseIterable { case auto, lines, quiet }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case epochs, learningRateMilestones, learningRateGamma, learningRateWarmupEpochs, stages, optimizerSchedules, validateEvery
        case validationTopK, outputDirectory, progress
    }

    /// Decodes with a default for every missing field (run files written before stages existed
    /// still load).
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = TrainerConfiguration()
        epochs = try container.decodeIfPresent(Int.self, forKey: .epochs) ?? defaults.epochs
        learningRateMilestones = try container.decodeIfPresent([Int].self, forKey: .learningRateMilestones) ?? defaults.learningRateMilestones
        learningRateGamma = try container.decodeIfPresent(Float.self, forKey: .learningRateGamma) ?? defaults.learningRateGamma
        learningRateWarmupEpochs =
            try container.decodeIfPresent(Int.self, forKey: .learningRateWarmupEpochs) ?? defaults.learningRateWarmupEpochs
        stages = try container.decodeIfPresent([TrainingStage].self, forKey: .stages) ?? defaults.stages
        optimizerSchedules =
            try container.decodeIfPresent([String: MilestoneSchedule].self, forKey: .optimizerSchedules) ?? defaults.optimizerSchedules
        validateEvery = try container.decodeIfPresent(Int.self, forKey: .validateEvery) ?? defaults.validateEvery
        validationTopK = try container.decodeIfPresent(Int.self, forKey: .validationTopK) ?? defaults.validationTopK
        outputDirectory = try container.decodeIfPresent(String.self, forKey: .outputDirectory) ?? defaults.outputDirectory
        progress = try container.decodeIfPresent(ProgressStyle.self, forKey: .progress) ?? defaults.progress
    }

    public func validate() throws {
        guard epochs >= 1 else { throw TrainingError.invalidConfiguration("epochs must be at least 1, got \(epochs)") }
        guard validateEvery >= 1 else { throw TrainingError.invalidConfiguration("validateEvery must be at least 1") }
        guard validationTopK >= 0 else { throw TrainingError.invalidConfiguration("validationTopK must be ≥ 0") }
        guard (0...epochs).contains(learningRateWarmupEpochs) else {
            throw TrainingError.invalidConfiguration("learningRateWarmupEpochs must lie in 0…\(epochs) (the epochs), got \(learningRateWarmupEpochs)")
        }
        try MilestoneSchedule(milestones: learningRateMilestones, gamma: learningRateGamma).validate("the trainer")
        for (name, schedule) in optimizerSchedules { try schedule.validate("the schedule of optimizer '\(name)'") }
        if !stages.isEmpty {
            try Self.validate(stages: stages, epochs: epochs)
        }
    }

    static func validate(stages: [TrainingStage], epochs: Int) throws {
        for stage in stages {
            guard stage.epochs >= 1 else { throw TrainingError.invalidConfiguration("stage '\(stage.name)' must have at least 1 epoch") }
            try stage.schedule.validate("stage '\(stage.name)'")
        }
        let total = stages.reduce(0) { $0 + $1.epochs }
        guard total == epochs else {
            throw TrainingError.invalidConfiguration("the stages' epochs add up to \(total) but the run has \(epochs) epochs")
        }
    }

    /// The stages a run follows: ``stages``, else the method's own, else one stage of every
    /// optimizer with the trainer's milestones.
    public func resolvedStages(method: [TrainingStage]) -> [TrainingStage] {
        if !stages.isEmpty { return stages }
        if !method.isEmpty { return method }
        return [
            TrainingStage(name: "train", epochs: epochs, schedule: MilestoneSchedule(milestones: learningRateMilestones, gamma: learningRateGamma))
        ]
    }
}

/// The stages of a run laid out on its epochs.
struct StagePlan {
    let stages: [TrainingStage]
    let starts: [Int]
    let optimizerSchedules: [String: MilestoneSchedule]

    init(stages: [TrainingStage], optimizerSchedules: [String: MilestoneSchedule], optimizerNames: [String], networkPaths: Set<String>) throws {
        precondition(!stages.isEmpty)
        var starts: [Int] = []
        var start = 0
        for stage in stages {
            starts.append(start)
            start += stage.epochs
        }
        let known = Set(optimizerNames)
        for name in optimizerSchedules.keys where !known.contains(name) {
            throw TrainingError.invalidConfiguration(
                "optimizerSchedules names '\(name)', but the method's optimizers are \(optimizerNames.joined(separator: ", "))")
        }
        for stage in stages {
            for name in (stage.optimizers ?? []) + stage.resetOptimizers where !known.contains(name) {
                throw TrainingError.invalidConfiguration(
                    "stage '\(stage.name)' names optimizer '\(name)', but the method's optimizers are \(optimizerNames.joined(separator: ", "))")
            }
            for path in stage.reinitialize where !networkPaths.contains(path) {
                throw TrainingError.invalidConfiguration(
                    "stage '\(stage.name)' re-initialises '\(path)', which is not a submodule of the method's network")
            }
        }
        self.stages = stages
        self.starts = starts
        self.optimizerSchedules = optimizerSchedules
    }

    var epochCount: Int { starts.last! + stages.last!.epochs }

    /// The stage that contains `epoch`.
    func stageIndex(epoch: Int) -> Int { starts.lastIndex { $0 <= epoch }! }

    /// The learning-rate factor of optimizer `name` during `epoch`.
    func factor(optimizer name: String, epoch: Int) -> Float {
        let index = stageIndex(epoch: epoch)
        let schedule = optimizerSchedules[name] ?? stages[index].schedule
        return schedule.factor(epoch: epoch - starts[index])
    }

    func progress(epoch: Int, step: Int, stepsPerEpoch: Int) -> TrainingProgress {
        let index = stageIndex(epoch: epoch)
        return TrainingProgress(
            epoch: epoch, epochCount: epochCount, step: step, stepsPerEpoch: stepsPerEpoch, stage: index, stageName: stages[index].name,
            epochInStage: epoch - starts[index], activeOptimizers: stages[index].optimizers.map(Set.init))
    }
}

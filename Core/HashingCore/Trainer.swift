import Evaluation
import Foundation
import NeuralNet
import TensorCore

/// What one epoch of training did, as logged and kept in checkpoints and the summary.
public struct EpochRecord: Codable, Equatable, Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// The stage's name.
    public var stage: String
    /// The mean of each loss term over the epoch's steps, in first-seen order.
    public var meanLosses: [NamedValue]
    /// Validation mAP when validated this epoch.
    public var validationMAP: Double?
    /// The fraction of target training images with a pseudo-label after the epoch, for methods
    /// that hold them.
    public var pseudoLabelFraction: Double?
    /// Their accuracy, measured with target labels the method never sees (evaluation only).
    public var pseudoLabelAccuracy: Double?
    /// The accuracy of the method's class predictions on the target queries after the epoch
    /// (evaluation only: training curves; never read by the method or by model selection).
    public var targetAccuracy: Double?
    public var seconds: Double

    public struct NamedValue: Codable, Equatable, Sendable {
        public var name: String
        public var value: Double
    }
}

/// Where one epoch's wall time went, for benchmarks and profiling (kept in memory only: see
/// ``Trainer/epochTimings``). Seconds.
public struct EpochTimings: Equatable, Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// The method's pass before the epoch (``HashingMethod/prepareEpoch(_:data:)``).
    public var prepare: Double = 0
    /// Assembling batches: gathering, scaling and augmenting images (the data's iterator).
    public var batches: Double = 0
    /// The method's training steps: forward, backward and updates.
    public var steps: Double = 0
    /// The validation pass (encoding and mAP).
    public var validation: Double = 0
    /// Writing the best and last checkpoints.
    public var checkpoints: Double = 0
    /// The whole epoch, from before ``prepare`` to after the checkpoints.
    public var total: Double = 0

    /// What the named parts leave: progress output, loss bookkeeping, schedules.
    public var other: Double { total - prepare - batches - steps - validation - checkpoints }
}

/// What a training run produced.
public struct TrainingSummary: Codable, Equatable {
    public var epochsCompleted: Int
    /// The best epoch by validation mAP within the last stage (1-based), and its mAP.
    public var bestEpoch: Int?
    public var bestValidationMAP: Double?
    public var history: [EpochRecord]
    public var lastCheckpoint: String
    public var bestCheckpoint: String?
    public var seconds: Double

    /// Validation mAP of each completed epoch (`nil` where it was not validated).
    public var validationMAPByEpoch: [Double?] { history.map(\.validationMAP) }
}

/// The training loop every method shares: stages, epochs, per-optimizer learning-rate
/// schedules, per-step updates through the method, validation mAP, best and last checkpoints,
/// resumption and progress.
///
/// Checkpoints (`last.safetensors`, `best.safetensors` in the output directory) hold the
/// network's parameters and buffers and every optimizer's state, written atomically after each
/// epoch. Resuming loads `last.safetensors` and continues with the next epoch — in the stage that
/// epoch belongs to; because an epoch's batches, and a stage's re-initialisation, depend only on
/// the seed, the stage and the epoch number, the result equals an uninterrupted run. The best
/// checkpoint is chosen among the epochs of the last stage only (earlier stages train other
/// objectives, so their validation mAP does not compare).
public final class Trainer {
    public let method: any HashingMethod
    public let data: any TrainingBatches
    public let validation: ValidationSet?
    /// Where each epoch of the last ``run(resume:stoppingAfterEpoch:)`` spent its time.
    public private(set) var epochTimings: [EpochTimings] = []
    public let configuration: TrainerConfiguration
    /// The seed of stage re-initialisations.
    public let seed: UInt64
    /// Extra metadata written into checkpoints (method name, its configuration, data set, …).
    public var metadata: [String: String]
    /// The label of a target training image by its data-set index, for measuring the accuracy of
    /// the method's pseudo-labels in the log. Evaluation only: the method never sees it.
    public var targetLabelsForEvaluation: ((Int) -> Int)?
    /// The accuracy of the method on the target queries, measured after every epoch for the log
    /// and the training curves (evaluation only: nothing in training or selection reads it).
    public var targetAccuracyForEvaluation: (() throws -> Double?)?
    /// Called after the last epoch of every stage, once its checkpoints are written (for example
    /// to save the pictures of an ``ImageGeneratingMethod``). Not called for stages that ended
    /// before a resume.
    public var stageEnded: ((StageEnd) throws -> Void)?
    /// How many source and target images the picture rows of an ``ImageGeneratingMethod`` show.
    public var pictureImageCount = 8
    let output: URL
    private let progress: ProgressPrinter
    let plan: StagePlan

    public init(
        method: any HashingMethod, data: any TrainingBatches, validation: ValidationSet?, configuration: TrainerConfiguration,
        seed: UInt64 = 0, metadata: [String: String] = [:]
    ) throws {
        try configuration.validate()
        let stages = configuration.resolvedStages(method: method.trainingStages(epochs: configuration.epochs))
        try TrainerConfiguration.validate(stages: stages, epochs: configuration.epochs)
        plan = try StagePlan(
            stages: stages, optimizerSchedules: configuration.optimizerSchedules, optimizerNames: method.optimizers.map(\.name),
            networkPaths: Set(method.network.namedModules().map(\.path)))
        self.method = method
        self.data = data
        self.validation = validation
        self.configuration = configuration
        self.seed = seed
        self.metadata = metadata
        self.output = URL(fileURLWithPath: configuration.outputDirectory, isDirectory: true)
        self.progress = ProgressPrinter(style: configuration.progress)
    }

    public var lastCheckpointURL: URL { output.appendingPathComponent("last.safetensors") }
    public var bestCheckpointURL: URL { output.appendingPathComponent("best.safetensors") }

    /// The stages this trainer runs, in order.
    public var stages: [TrainingStage] { plan.stages }

    /// Runs the remaining epochs. With `resume`, continues from `last.safetensors` when it exists.
    ///
    /// - Parameter stoppingAfterEpoch: stop once this many epochs are complete, as an
    ///   interruption would (the checkpoints are those of an interrupted run).
    @discardableResult
    public func run(resume: Bool = false, stoppingAfterEpoch: Int? = nil) throws -> TrainingSummary {
        if data.trainingImages(of: .source)?.isMultiLabel == true && !method.trainsOnLabelSets {
            throw TrainingError.invalidData(
                "the training images are multi-label (a set of classes per image) and \(type(of: method)) trains on one class per"
                    + " image; train a method that takes label sets (SSDH with classificationLoss multi-label-hinge)")
        }
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let start = Date()
        var state = RunState()
        if resume, FileManager.default.fileExists(atPath: lastCheckpointURL.path) {
            state = try loadCheckpoint(lastCheckpointURL)
            progress.line("resuming after epoch \(state.epochsCompleted) from \(lastCheckpointURL.path)")
        }
        let steps = data.stepsPerEpoch
        let end = min(configuration.epochs, stoppingAfterEpoch ?? configuration.epochs)
        epochTimings = []
        func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        for epoch in state.epochsCompleted..<max(end, state.epochsCompleted) {
            var timings = EpochTimings(epoch: epoch + 1)
            let timingStart = DispatchTime.now().uptimeNanoseconds
            let stageIndex = plan.stageIndex(epoch: epoch)
            if epoch == plan.starts[stageIndex] { try beginStage(stageIndex) }
            for entry in method.optimizers {
                entry.optimizer.learningRate = entry.baseLearningRate * plan.factor(optimizer: entry.name, epoch: epoch)
            }
            var mark = DispatchTime.now().uptimeNanoseconds
            try method.prepareEpoch(
                plan.progress(epoch: epoch, step: 0, stepsPerEpoch: steps), data: EpochData { domain in self.trainingOutputs(domain) })
            timings.prepare = seconds(since: mark)
            method.network.train(true)
            var sums: [(name: String, value: Double)] = []
            var images = 0
            let epochStart = Date()
            let batches = data.batches(epoch: epoch).makeIterator()
            for step in 0... {
                mark = DispatchTime.now().uptimeNanoseconds
                let next = batches.next()
                timings.batches += seconds(since: mark)
                guard let batch = next else { break }
                if epoch < configuration.learningRateWarmupEpochs {
                    let warmup = Float(epoch * steps + step + 1) / Float(max(configuration.learningRateWarmupEpochs * steps, 1))
                    for entry in method.optimizers {
                        entry.optimizer.learningRate = entry.baseLearningRate * plan.factor(optimizer: entry.name, epoch: epoch) * warmup
                    }
                }
                mark = DispatchTime.now().uptimeNanoseconds
                let terms = try method.trainingStep(batch, progress: plan.progress(epoch: epoch, step: step, stepsPerEpoch: steps))
                timings.steps += seconds(since: mark)
                for term in terms {
                    if let index = sums.firstIndex(where: { $0.name == term.name }) {
                        sums[index].value += Double(term.value)
                    } else {
                        sums.append((term.name, Double(term.value)))
                    }
                }
                images += batch.source.count + (batch.target?.count ?? 0)
                progress.step(
                    epoch: epoch, epochs: configuration.epochs, step: step + 1, steps: steps, terms: terms, images: images,
                    elapsed: Date().timeIntervalSince(epochStart))
            }
            var record = EpochRecord(
                epoch: epoch + 1, stage: plan.stages[stageIndex].name,
                meanLosses: sums.map { .init(name: $0.name, value: $0.value / Double(max(steps, 1))) }, seconds: 0)
            if let validation, (epoch + 1) % configuration.validateEvery == 0 || epoch + 1 == configuration.epochs {
                mark = DispatchTime.now().uptimeNanoseconds
                record.validationMAP = try evaluate(validation)
                timings.validation = seconds(since: mark)
            }
            if let pseudoLabels = method.pseudoLabels {
                record.pseudoLabelFraction = pseudoLabels.selectedFraction
                record.pseudoLabelAccuracy = targetLabelsForEvaluation.flatMap { pseudoLabels.accuracy(trueLabel: $0) }
            }
            if let targetAccuracyForEvaluation {
                mark = DispatchTime.now().uptimeNanoseconds
                record.targetAccuracy = try targetAccuracyForEvaluation()
                timings.validation += seconds(since: mark)
            }
            record.seconds = Date().timeIntervalSince(epochStart)
            state.epochsCompleted = epoch + 1
            state.history.append(record)
            let inLastStage = stageIndex == plan.stages.count - 1
            mark = DispatchTime.now().uptimeNanoseconds
            if inLastStage, let map = record.validationMAP, state.bestValidationMAP.map({ map > $0 }) ?? true {
                state.bestValidationMAP = map
                state.bestEpoch = epoch + 1
                try saveCheckpoint(bestCheckpointURL, state: state)
            }
            try saveCheckpoint(lastCheckpointURL, state: state)
            timings.checkpoints = seconds(since: mark)
            progress.epoch(record, epochs: configuration.epochs, stageCount: plan.stages.count, seconds: record.seconds)
            if let stageEnded, epoch + 1 == plan.starts[stageIndex] + plan.stages[stageIndex].epochs {
                try stageEnded(
                    StageEnd(
                        index: stageIndex, name: plan.stages[stageIndex].name, epoch: epoch + 1,
                        pictureRows: pictureRows()))
            }
            timings.total = seconds(since: timingStart)
            epochTimings.append(timings)
        }
        return TrainingSummary(
            epochsCompleted: state.epochsCompleted, bestEpoch: state.bestEpoch, bestValidationMAP: state.bestValidationMAP,
            history: state.history, lastCheckpoint: lastCheckpointURL.path, bestCheckpoint: state.bestEpoch == nil ? nil : bestCheckpointURL.path,
            seconds: Date().timeIntervalSince(start))
    }

    /// A stage's start: re-initialise its submodules (from a generator of the seed and the stage
    /// alone) and clear its optimizers' state.
    private func beginStage(_ index: Int) throws {
        let stage = plan.stages[index]
        if plan.stages.count > 1 { progress.line("stage \(index + 1)/\(plan.stages.count): \(stage.name), \(stage.epochs) epochs") }
        var generator = SeededGenerator(seed: seed ^ (0x5354_4147_4500_0000 &+ UInt64(index)))
        for path in stage.reinitialize {
            try method.network.submodule(at: path).reinitialize(generator: &generator, path: path)
        }
        for entry in method.optimizers where stage.resetOptimizers.contains(entry.name) { entry.optimizer.resetState() }
    }

    /// Validation mAP (mAP@all, or mAP@K when configured), with ties broken by database index;
    /// relevance is "shares a label" on multi-label data.
    public func evaluate(_ validation: ValidationSet) throws -> Double {
        let queries = encodeCodes(method: method, source: validation.queries, domain: validation.domain)
        let database = encodeCodes(method: method, source: validation.database, domain: validation.domain)
        let evaluator = try RetrievalEvaluator(
            queries: queries, queryLabels: validation.queries.relevanceLabels()!,
            database: database, databaseLabels: validation.database.relevanceLabels()!)
        let topK = configuration.validationTopK == 0 ? database.count : min(configuration.validationTopK, database.count)
        return try evaluator.meanAveragePrecision(topK: topK)
    }

    /// The picture rows of an ``ImageGeneratingMethod`` on `pictureImageCount` training images of
    /// each domain, spread evenly over the training set (data sets stored sorted by class show
    /// several classes); empty for other methods or without a target domain.
    func pictureRows() -> [PictureRow] {
        guard let generating = method as? any ImageGeneratingMethod,
            let source = data.trainingImages(of: .source), let target = data.trainingImages(of: .target)
        else { return [] }
        func spread(_ images: ImageSource) -> Tensor {
            let count = min(pictureImageCount, images.count)
            return Tensor.concatenate(
                (0..<count).map { images.images((($0 * images.count) / count)..<(($0 * images.count) / count + 1)) }, axis: 0)
        }
        method.network.train(false)
        defer { method.network.train(true) }
        return generating.pictureRows(source: spread(source), target: spread(target))
    }

    private func trainingOutputs(_ domain: Domain) -> DomainOutputs? {
        guard let source = data.trainingImages(of: domain) else { return nil }
        let output = inferenceOutputs(method: method, source: source, domain: domain)
        return DomainOutputs(codes: output.codes, logits: output.logits, labels: source.labels, indices: source.indices)
    }
}

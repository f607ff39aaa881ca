import Foundation
import HashingCore
import NeuralNet
import Optimizers
import TensorCore
import TestSupport
import Testing

@Suite("Trainer: two domains, stages, schedules, resume", .serialized)
struct TrainerTests {
    @Test func targetBatchesReachTheMethodWithoutLabelsAndEpochPassesHideTargetLabels() throws {
        let directory = temporaryRunDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let method = ToyTwoDomainMethod()
        let trainer = try Trainer(
            method: method, data: ToyTwoDomainData(), validation: nil, configuration: quietConfiguration(epochs: 2, directory: directory))
        let data = ToyTwoDomainData()
        trainer.targetLabelsForEvaluation = { data.sourceLabels[$0] }  // any labels: only the log sees them
        let summary = try trainer.run()
        #expect(method.targetBatches == 2 * data.stepsPerEpoch)
        #expect(!method.sawTargetLabels)
        let target = try #require(method.epochData.first ?? nil)
        #expect(target.labels == nil)
        #expect(target.indices == Array(0..<16))
        #expect(target.logits?.shape == [16, 2])
        // The trainer logs the pseudo-labels' fraction and (evaluation-only) accuracy.
        #expect(summary.history.allSatisfy { $0.pseudoLabelFraction != nil && $0.pseudoLabelAccuracy != nil })
    }

    /// The breakdown bench-epoch prints: one entry per epoch run, every part counted once (the
    /// parts never add up to more than the epoch), and a validation pass timed only where one ran.
    @Test func epochTimingsAccountForEachEpochOnce() throws {
        let directory = temporaryRunDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let trainer = try Trainer(
            method: ToyTwoDomainMethod(), data: ToyTwoDomainData(), validation: nil,
            configuration: quietConfiguration(epochs: 3, directory: directory))
        try trainer.run(stoppingAfterEpoch: 2)
        #expect(trainer.epochTimings.map(\.epoch) == [1, 2])
        try trainer.run(resume: true)
        #expect(trainer.epochTimings.map(\.epoch) == [3], "a resumed run times the epochs it runs")
        for timings in trainer.epochTimings {
            let parts = [timings.prepare, timings.batches, timings.steps, timings.validation, timings.checkpoints]
            #expect(parts.allSatisfy { $0 >= 0 } && timings.steps > 0 && timings.checkpoints > 0 && timings.validation == 0)
            #expect(parts.reduce(0, +) <= timings.total && timings.other >= 0)
        }
    }

    @Test func domainSpecificStatisticsMoveOnlyWithTheirDomainsBatches() throws {
        let method = ToyTwoDomainMethod()
        let branches = method.model.norm.branches
        let before = branches.map(\.runningMean.value.scalars)
        let data = ToyTwoDomainData()
        method.model.train(true)
        _ = method.model(data.targetImages, domain: .target)
        #expect(branches[0].runningMean.value.scalars == before[0])
        #expect(branches[1].runningMean.value.scalars != before[1])
        let targetMean = branches[1].runningMean.value.scalars
        _ = method.model(data.sourceImages, domain: .source)
        #expect(branches[1].runningMean.value.scalars == targetMean)
        #expect(branches[0].runningMean.value.scalars != before[0])
    }

    func stagedConfiguration(directory: URL) -> TrainerConfiguration {
        var configuration = quietConfiguration(epochs: 4, directory: directory)
        configuration.stages = [
            TrainingStage(name: "pre-train", epochs: 2, optimizers: ["encoder"]),
            TrainingStage(name: "joint", epochs: 2, reinitialize: ["head"], resetOptimizers: ["head"]),
        ]
        configuration.optimizerSchedules = ["head": MilestoneSchedule(milestones: [1], gamma: 0.5)]
        return configuration
    }

    func validation(_ data: ToyTwoDomainData) -> ValidationSet {
        ValidationSet(
            queries: InMemoryImages(images: data.sourceImages, labels: data.sourceLabels),
            database: InMemoryImages(images: data.sourceImages, labels: data.sourceLabels))
    }

    @Test func stagesStepTheirOptimizersReinitialiseAndFollowPerOptimizerSchedules() throws {
        let directory = temporaryRunDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = ToyTwoDomainData()
        let method = ToyTwoDomainMethod()
        let initialHead = method.model.head.weight.value.scalars
        let trainer = try Trainer(
            method: method, data: data, validation: validation(data), configuration: stagedConfiguration(directory: directory), seed: 9)
        _ = try trainer.run(stoppingAfterEpoch: 2)
        // The head's optimizer does not step in the pre-training stage.
        #expect(method.model.head.weight.value.scalars == initialHead)
        #expect(method.optimizers[1].optimizer.stepCount == 0)
        let encoderSteps = method.optimizers[0].optimizer.stepCount
        #expect(encoderSteps == 2 * data.stepsPerEpoch)
        let summary = try trainer.run(resume: true)
        #expect(summary.epochsCompleted == 4)
        // The joint stage re-initialised the head (not to its first draw) and stepped both.
        #expect(method.model.head.weight.value.scalars != initialHead)
        #expect(method.optimizers[1].optimizer.stepCount == 2 * data.stepsPerEpoch)
        #expect(method.stagesSeen == [Int](repeating: 0, count: 8) + [Int](repeating: 1, count: 8))
        // Encoder: base rate throughout; head: halved from the second epoch of its stage.
        let rates = method.learningRates
        #expect(rates.allSatisfy { $0["encoder"] == 0.1 })
        #expect(rates[8..<12].allSatisfy { $0["head"] == 0.2 } && rates[12..<16].allSatisfy { $0["head"] == 0.1 })
        // Model selection only within the last stage.
        #expect((summary.bestEpoch ?? 0) >= 3)
        #expect(summary.history.map(\.stage) == ["pre-train", "pre-train", "joint", "joint"])
    }

    /// A warm-up ramps every optimizer's rate step by step over its epochs, on top of the
    /// milestones, then leaves the schedule alone; one longer than the run is refused.
    @Test func warmUpRampsTheRateStepByStepThenFollowsTheSchedule() throws {
        let directory = temporaryRunDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = ToyTwoDomainData()
        let method = ToyTwoDomainMethod()
        var configuration = quietConfiguration(epochs: 3, directory: directory)
        configuration.learningRateMilestones = [2]
        configuration.learningRateGamma = 0.5
        configuration.learningRateWarmupEpochs = 1
        try Trainer(method: method, data: data, validation: nil, configuration: configuration).run()
        let steps = data.stepsPerEpoch
        let encoder = method.learningRates.map { $0["encoder"] ?? -1 }
        let head = method.learningRates.map { $0["head"] ?? -1 }
        #expect(encoder.count == 3 * steps)
        for step in 0..<steps {
            #expect(abs(encoder[step] - 0.1 * Float(step + 1) / Float(steps)) < 1e-7)
            #expect(abs(head[step] - 0.2 * Float(step + 1) / Float(steps)) < 1e-7)
        }
        #expect(encoder[steps..<(2 * steps)].allSatisfy { $0 == 0.1 } && encoder[(2 * steps)...].allSatisfy { $0 == 0.05 })
        configuration.learningRateWarmupEpochs = 4
        #expect(throws: TrainingError.self) { try configuration.validate() }
    }

    @Test func resumingAtAStageBoundaryEqualsAnUninterruptedRun() throws {
        let (straight, interrupted) = (temporaryRunDirectory(), temporaryRunDirectory())
        defer {
            try? FileManager.default.removeItem(at: straight)
            try? FileManager.default.removeItem(at: interrupted)
        }
        let data = ToyTwoDomainData()
        let reference = ToyTwoDomainMethod()
        _ = try Trainer(method: reference, data: data, validation: validation(data), configuration: stagedConfiguration(directory: straight), seed: 9)
            .run()
        let first = ToyTwoDomainMethod()
        _ = try Trainer(method: first, data: data, validation: validation(data), configuration: stagedConfiguration(directory: interrupted), seed: 9)
            .run(stoppingAfterEpoch: 2)
        // A new process: a fresh method resumes from the checkpoint at the stage boundary.
        let second = ToyTwoDomainMethod()
        let summary = try Trainer(
            method: second, data: data, validation: validation(data), configuration: stagedConfiguration(directory: interrupted), seed: 9
        ).run(resume: true)
        #expect(summary.epochsCompleted == 4)
        #expect(sameState(second.model.stateDictionary(), reference.model.stateDictionary()))
        #expect(second.stagesSeen == [Int](repeating: 1, count: 8))
    }

    @Test func stagesThatNameUnknownOptimizersOrModulesAreRejected() throws {
        let directory = temporaryRunDirectory()
        var configuration = quietConfiguration(epochs: 2, directory: directory)
        configuration.stages = [TrainingStage(name: "a", epochs: 2, optimizers: ["discriminator"])]
        #expect(throws: TrainingError.self) {
            try Trainer(method: ToyTwoDomainMethod(), data: ToyTwoDomainData(), validation: nil, configuration: configuration)
        }
        configuration.stages = [TrainingStage(name: "a", epochs: 2, reinitialize: ["generator"])]
        #expect(throws: TrainingError.self) {
            try Trainer(method: ToyTwoDomainMethod(), data: ToyTwoDomainData(), validation: nil, configuration: configuration)
        }
        configuration.stages = [TrainingStage(name: "a", epochs: 3)]
        #expect(throws: TrainingError.self) {
            try Trainer(method: ToyTwoDomainMethod(), data: ToyTwoDomainData(), validation: nil, configuration: configuration)
        }
        configuration.stages = []
        configuration.optimizerSchedules = ["centers": MilestoneSchedule(milestones: [1])]
        #expect(throws: TrainingError.self) {
            try Trainer(method: ToyTwoDomainMethod(), data: ToyTwoDomainData(), validation: nil, configuration: configuration)
        }
    }

    @Test func stagesDecodeWithDefaultsAndOldRunFilesStillLoad() throws {
        let stage = try JSONDecoder().decode(TrainingStage.self, from: Data(#"{"epochs": 3, "optimizers": ["encoder"]}"#.utf8))
        #expect(stage == TrainingStage(name: "train", epochs: 3, optimizers: ["encoder"]))
        let old = try JSONDecoder().decode(TrainerConfiguration.self, from: Data(#"{"epochs": 4, "learningRateMilestones": [2]}"#.utf8))
        #expect(old.epochs == 4 && old.stages.isEmpty && old.optimizerSchedules.isEmpty && old.progress == .auto)
    }
}

@Suite("Optimizing one network: NaN guards and inactive optimizers")
struct OptimizationTests {
    let progress = TrainingProgress(epoch: 2, epochCount: 5, step: 6, stepsPerEpoch: 10)

    @Test func aNonFiniteLossNamesTheTermAndTheOptimizerAndChangesNothing() throws {
        let method = ToyTwoDomainMethod()
        let before = method.model.stateDictionary()
        #expect(
            throws: TrainingError.nonFiniteLoss(term: "bad", value: .infinity, network: "head", epoch: 2, step: 6)
        ) {
            try method.optimize(method.optimizers[1], progress: progress) {
                [
                    LossTerm("fine", method.model.head.weight.value.sum() * 0),
                    LossTerm("bad", Tensor(Float.infinity) + method.model.head.bias!.value.sum()),
                ]
            }
        }
        #expect(sameState(method.model.stateDictionary(), before))
    }

    @Test func aNonFiniteGradientBehindAFiniteLossNamesTheParameter() throws {
        let method = ToyTwoDomainMethod()
        method.model.head.bias!.value = Tensor([0, 1])
        let before = method.model.stateDictionary()
        // √b at b = 0 is finite (0), its derivative 1/(2√b) is not.
        #expect(throws: TrainingError.nonFiniteGradient(parameter: "head.bias", network: "head", epoch: 2, step: 6)) {
            try method.optimize(method.optimizers[1], progress: progress) { [LossTerm("root", method.model.head.bias!.value.squareRoot().sum())] }
        }
        #expect(sameState(method.model.stateDictionary(), before))
    }

    @Test func anOptimizerTheStageDoesNotStepIsNotEvaluated() throws {
        let method = ToyTwoDomainMethod()
        var evaluated = false
        let inactive = TrainingProgress(epoch: 0, epochCount: 1, step: 0, stepsPerEpoch: 1, activeOptimizers: ["encoder"])
        let values = try method.optimize(method.optimizers[1], progress: inactive) {
            evaluated = true
            return [LossTerm("head", method.model.head.weight.value.sum())]
        }
        #expect(values.isEmpty && !evaluated)
        #expect(method.optimizers[1].optimizer.stepCount == 0)
    }

    @Test func jointOptimizationUpdatesEachOptimizerWithItsOwnGradients() throws {
        let method = ToyTwoDomainMethod()
        let head = method.model.head.weight.value.scalars
        let encoder = method.model.encoder.weight.value.scalars
        // An objective of the head alone: the encoder's gradient is zero, so it does not move.
        _ = try method.optimizeJointly(progress: progress) { [LossTerm("head", method.model.head.weight.value.sum())] }
        #expect(method.model.encoder.weight.value.scalars == encoder)
        expectAllClose(method.model.head.weight.value.scalars, head.map { $0 - 0.2 })
    }

    func expectAllClose(_ a: [Float], _ b: [Float], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) { #expect(abs(x - y) < 1e-6, sourceLocation: sourceLocation) }
    }
}

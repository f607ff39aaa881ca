import Datasets
import Evaluation
import Foundation
import HashingCore
import HashingWorkflows
import Testing

/// A supervised method on a domain pair: the source-only baseline, evaluated on the target.
@Suite("Domain-pair runs", .serialized)
struct DomainPairTests {
    func specification(output: URL) -> RunSpecification {
        var specification = RunSpecification()
        specification.method = "dcwh"
        specification.dataset = "optdigits-to-mfeat"
        specification.bits = 12
        specification.batchSize = 50
        specification.trainingLimit = 300
        specification.validationDatabaseLimit = 200
        specification.trainer.epochs = 2
        specification.trainer.progress = .quiet
        specification.trainer.outputDirectory = output.path
        specification.evaluation = RetrievalOptions(topK: 100)
        return specification
    }

    @Test func aSupervisedMethodTrainsOnTheSourceAndIsEvaluatedOnTheTarget() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hashing-pair-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let experiment = try Experiment(specification(output: directory))
        let target = try #require(experiment.target)
        #expect(!experiment.trainsOnTarget)
        #expect(experiment.dataSummary.contains("source-only baseline"))
        let summary = try experiment.train(resume: false)
        #expect(summary.epochsCompleted == 2)
        #expect(summary.history.allSatisfy { $0.pseudoLabelFraction == nil })
        try experiment.loadCheckpoint()
        let (report, files) = try experiment.evaluate()
        #expect(report.retrieval.map(\.name) == ["target-to-target", "target-to-source"])
        let queries = target.split.query.count
        #expect(report.retrieval.allSatisfy { $0.report.queryCount == queries })
        #expect(report.retrieval[0].report.databaseCount == target.split.database.count)
        #expect(report.retrieval[1].report.databaseCount == experiment.source.split.train.count)
        #expect(report.classification.map(\.name) == ["target-query"])
        #expect(report.classification[0].report.count == queries)
        #expect(report.targetDataset == target.dataset.name)
        // The written report reads back, and codes.npz holds the three sets.
        #expect(try RunReport(contentsOf: files[0]) == report)
        let codes = try CodeFile.read("source_database", from: directory.appendingPathComponent("codes.npz"))
        #expect(codes.codes.count == experiment.source.split.train.count)
        // Encoding by domain: the target has queries; the source has none.
        #expect(try experiment.encode(.query, domain: .target).codes.count == queries)
        #expect(throws: WorkflowError.self) { try experiment.encode(.query, domain: .source) }
    }

    @Test func databasesAreRankedInASeededOrderNotByIndex() throws {
        // mfeat is stored sorted by class: codes that all tie must not score above chance.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hashing-pair-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let experiment = try Experiment(specification(output: directory))
        // An untrained network with its hash layer zeroed gives one code for every image.
        for (path, parameter) in experiment.method.network.namedParameters() where path.hasPrefix("hash.") {
            parameter.value = .zeros(parameter.shape)
        }
        let (report, _) = try experiment.evaluate()
        let headline = report.retrieval[0].report
        #expect(abs(headline.tieAwareMeanAveragePrecision - 0.1) < 0.01)
        #expect(abs(headline.meanAveragePrecision - 0.1) < 0.03)
    }

    @Test func pairedBatchesDrawEachDomainsOrderOncePerEpochAndHideTargetLabels() throws {
        let pair = try DataCatalog.domainPair("optdigits-to-mfeat", seed: 3)
        let source = try BatchLoader(dataset: pair.source, indices: pair.sourceSplit.train, batchSize: 64, seed: 3)
        let target = try BatchLoader(dataset: pair.target, indices: Array(pair.targetSplit.train.prefix(300)), batchSize: 64, seed: 4)
        let batches = try LoaderBatches(source: source, target: target)
        let paired = try PairedBatchLoader(source: source, target: target)
        var seen: [Int] = []
        for (step, batch) in batches.batches(epoch: 1).enumerated() {
            let expected = paired.step(epoch: 1, index: step)
            #expect(batch.source.indices == expected.source.indices && batch.target?.indices == expected.target.indices)
            #expect(batch.target?.labels == nil && batch.source.labels != nil)
            seen += batch.source.indices
        }
        #expect(seen.sorted() == source.indices.sorted())
        #expect(batches.trainingImages(of: .target)?.labels == nil)
    }

    @Test func aFixedStepBudgetCyclesEachDomainAndContinuesAcrossEpochs() throws {
        let pair = try DataCatalog.domainPair("optdigits-to-mfeat", seed: 3)
        let source = try BatchLoader(dataset: pair.source, indices: pair.sourceSplit.train, batchSize: 64, seed: 3)
        let target = try BatchLoader(dataset: pair.target, indices: Array(pair.targetSplit.train.prefix(300)), batchSize: 64, seed: 4)
        let paired = try LoaderBatches(source: source, target: target, stepsPerEpoch: 7)
        let alone = try LoaderBatches(source: source, stepsPerEpoch: 7)
        #expect(paired.stepsPerEpoch == 7 && alone.stepsPerEpoch == 7)
        // Two epochs of 7 steps are global steps 0…13: each domain's batch g mod n of its epoch g / n.
        let steps = Array(paired.batches(epoch: 0)) + Array(paired.batches(epoch: 1))
        let single = Array(alone.batches(epoch: 0)) + Array(alone.batches(epoch: 1))
        #expect(steps.count == 14 && single.count == 14)
        for (global, (batch, sourceOnly)) in zip(steps, single).enumerated() {
            let expectedSource = source.batch(epoch: global / source.batchesPerEpoch, index: global % source.batchesPerEpoch)
            let expectedTarget = target.batch(epoch: global / target.batchesPerEpoch, index: global % target.batchesPerEpoch)
            #expect(batch.source.indices == expectedSource.indices && batch.target?.indices == expectedTarget.indices)
            #expect(sourceOnly.source.indices == expectedSource.indices && sourceOnly.target == nil)
            #expect(batch.target?.labels == nil)
        }
        // The same epoch twice gives the same batches (a resumed run repeats an uninterrupted one).
        #expect(Array(alone.batches(epoch: 1)).map(\.source.indices) == single.suffix(7).map(\.source.indices))
        #expect(throws: WorkflowError.self) { _ = try LoaderBatches(source: source, stepsPerEpoch: 0) }
    }

    @Test func classNameVectorsReachTheRunAndAWrongFileIsOneClearError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hashing-pair-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = specification(output: directory)
        #expect(try Experiment(options).labelEmbeddings?.source == "embedded:digits")
        let file = directory.appendingPathComponent("three.npy")
        try NPYWriter.write(NumpyArray(shape: [3, 4], values: [Float](repeating: 1, count: 12)), to: file)
        options.labelEmbeddings = file.path
        let error = try #require(throws: DatasetError.self) { _ = try Experiment(options) }
        #expect(error.description.contains("[10, dimension]"))
    }
}

import Evaluation
import Foundation
import HashingCore
import HashingWorkflows
import Testing

/// An interrupted and resumed run ends with the same codes as an uninterrupted one.
@Suite("Resume", .serialized)
struct ResumeTests {
    func specification(method: String, output: URL) -> RunSpecification {
        var specification = RunSpecification()
        specification.method = method
        specification.dataset = "embedded-digits"
        specification.bits = 12
        specification.batchSize = 50
        specification.queryPerClass = 10
        specification.validationPerClass = 3
        specification.trainingPerClass = 20
        specification.validationDatabaseLimit = 200
        specification.trainer.epochs = 3
        specification.trainer.learningRateMilestones = [2]
        specification.trainer.progress = .quiet
        specification.trainer.outputDirectory = output.path
        return specification
    }

    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("hashing-resume-\(UUID().uuidString)", isDirectory: true)
    }

    @Test(arguments: ["ssdh", "dcwh", "idcwh"])
    func interruptedThenResumedEqualsUninterrupted(method: String) throws {
        let (straight, interrupted) = (temporaryDirectory(), temporaryDirectory())
        defer {
            try? FileManager.default.removeItem(at: straight)
            try? FileManager.default.removeItem(at: interrupted)
        }
        let reference = try Experiment(specification(method: method, output: straight))
        _ = try reference.train(resume: false)
        let referenceCodes = try reference.encode(.query).codes

        let first = try Experiment(specification(method: method, output: interrupted))
        try FileManager.default.createDirectory(at: interrupted, withIntermediateDirectories: true)
        _ = try first.makeTrainer().run(resume: false, stoppingAfterEpoch: 1)
        // A new process: everything rebuilt from the run's files.
        let second = try Experiment(specification(method: method, output: interrupted))
        let summary = try second.train(resume: true)
        #expect(summary.epochsCompleted == 3)
        #expect(try second.encode(.query).codes == referenceCodes)
        #expect(summary.validationMAPByEpoch.count == 3)
    }

    @Test func resumingWithDifferentOptionsIsRefused() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = specification(method: "ssdh", output: directory)
        options.trainer.epochs = 1
        options.trainer.learningRateMilestones = []
        _ = try Experiment(options).train(resume: false)
        options.bits = 24
        #expect(throws: WorkflowError.self) { _ = try Experiment(options).train(resume: true) }
    }

    @Test func unknownNamesFailBeforeAnyDataIsRead() throws {
        var options = specification(method: "nope", output: temporaryDirectory())
        #expect(throws: RegistryError.self) { _ = try Experiment(options) }
        options.method = "ssdh"
        options.dataset = "imagenet"
        let error = try #require(throws: WorkflowError.self) { _ = try Experiment(options) }
        #expect(error.description.contains("domain pairs: optdigits-to-mfeat"))
        options.dataset = "embedded-digits"
        options.bits = 0
        #expect(throws: WorkflowError.self) { _ = try Experiment(options) }
    }
}

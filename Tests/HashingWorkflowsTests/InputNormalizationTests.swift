import Datasets
import Foundation
import HashingWorkflows
import Testing

/// Input standardisation: from the training images only, the same constants for every image the
/// run encodes, and none for a run saved before the setting existed.
@Suite("Input normalisation")
struct InputNormalizationTests {
    func specification(_ normalization: InputNormalization?) -> RunSpecification {
        var specification = RunSpecification()
        specification.dataset = "embedded-digits"
        specification.bits = 8
        specification.queryPerClass = 20
        specification.trainingPerClass = 50
        specification.validationPerClass = 10
        specification.inputNormalization = normalization
        specification.trainer.outputDirectory =
            FileManager.default.temporaryDirectory.appendingPathComponent("hashing-normalization-\(UUID().uuidString)").path
        return specification
    }

    @Test func theDefaultStandardisesByTheTrainingImagesStatistics() throws {
        #expect(RunSpecification().inputNormalization == .trainingStatistics)
        let experiment = try Experiment(specification(.trainingStatistics))
        let expected = try ChannelNormalization.estimated(from: experiment.dataset, indices: experiment.split[.train])
        #expect(experiment.augmentation.normalization == expected)
        // Not the statistics of all images: queries and validation images take no part.
        let all = try ChannelNormalization.estimated(from: experiment.dataset)
        #expect(expected != all)
        #expect(expected.mean[0] > 0 && expected.mean[0] < 1 && expected.standardDeviation[0] > 0)
        for setting in [InputNormalization.none, nil] {
            #expect(try Experiment(specification(setting)).augmentation.normalization == nil)
        }
    }

    @Test func replicatedChannelsGetTheGrayscaleStatisticsEach() throws {
        var colour = specification(.trainingStatistics)
        colour.channels = 3
        let normalization = try #require(try Experiment(colour).augmentation.normalization)
        #expect(normalization.channelCount == 3 && Set(normalization.mean).count == 1 && Set(normalization.standardDeviation).count == 1)
    }

    @Test func aRunSavedBeforeTheSettingExistedDecodesAsUnnormalised() throws {
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(specification(.trainingStatistics))) as! [String: Any]
        json.removeValue(forKey: "inputNormalization")
        let decoded = try JSONDecoder().decode(RunSpecification.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(decoded.inputNormalization == nil)
        json["inputNormalization"] = "zscore"
        #expect(throws: (any Error).self) { try JSONDecoder().decode(RunSpecification.self, from: JSONSerialization.data(withJSONObject: json)) }
    }

    @Test func userImagesAreEncodedWithTheSameConstantsAsTheRunsOwn() throws {
        let experiment = try Experiment(specification(.trainingStatistics))
        let queries = try experiment.encode(.query)
        let size = experiment.dataset.imageElementCount
        var pixels: [UInt8] = []
        for index in queries.indices { pixels += experiment.dataset.image(at: index) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hashing-normalization-\(UUID().uuidString).npy")
        defer { try? FileManager.default.removeItem(at: file) }
        try NPYWriter.write(NumpyArray(shape: [queries.indices.count] + experiment.dataset.imageShape, values: pixels), to: file)
        #expect(pixels.count == queries.indices.count * size)
        #expect(try experiment.encode(imagesAt: file) == queries.codes)
    }
}

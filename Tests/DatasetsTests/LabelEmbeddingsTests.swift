import Foundation
import Testing

@testable import Datasets

@Suite("Label embeddings")
struct LabelEmbeddingsTests {
    @Test func everyKnownDataSetHasUnitVectorsOfItsClassNames() throws {
        for (name, classes) in [("mnist", 10), ("mfeat-to-mnist", 10), ("fashion-mnist", 10), ("cifar10", 10), ("cifar100", 100)] {
            let embeddings = try #require(try LabelEmbeddings.builtIn(forDataset: name))
            #expect(embeddings.classCount == classes && embeddings.dimension == 384)
            let vocabulary = try #require(LabelEmbeddings.vocabularyName(forDataset: name))
            #expect(LabelEmbeddings.vocabularies[vocabulary]?.count == classes)
            for row in 0..<classes {
                let vector = embeddings.vectors[(row * 384)..<((row + 1) * 384)]
                #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
            }
        }
        #expect(try LabelEmbeddings.builtIn(forDataset: "my-photos") == nil)
    }

    @Test func wordsThatMeanAlikeAreCloser() throws {
        // CIFAR-10: cat is closer to dog than to ship, automobile to truck than to frog.
        let cifar = try LabelEmbeddings.embedded(vocabulary: "cifar10")
        func cosine(_ a: Int, _ b: Int) -> Float {
            (0..<384).reduce(0) { $0 + cifar.vectors[a * 384 + $1] * cifar.vectors[b * 384 + $1] }
        }
        #expect(cosine(3, 5) > cosine(3, 8))
        #expect(cosine(1, 9) > cosine(1, 6))
    }

    @Test func aUsersFileNeedsOneRowPerClass() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("label-embeddings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("good.npy")
        try NPYWriter.write(NumpyArray(shape: [3, 2], values: [Float](repeating: 0.5, count: 6)), to: good)
        let loaded = try LabelEmbeddings.load(npyAt: good, classCount: 3)
        #expect(loaded.classCount == 3 && loaded.dimension == 2 && loaded.vectors == [Float](repeating: 0.5, count: 6))
        let error = try #require(throws: DatasetError.self) { try LabelEmbeddings.load(npyAt: good, classCount: 10) }
        #expect(error.description.contains("one row per class: [10, dimension]") && error.description.contains("[3, 2]"))
        let flat = directory.appendingPathComponent("flat.npy")
        try NPYWriter.write(NumpyArray(shape: [6], values: [Float](repeating: 0.5, count: 6)), to: flat)
        #expect(throws: DatasetError.self) { try LabelEmbeddings.load(npyAt: flat, classCount: 6) }
        let integers = directory.appendingPathComponent("integers.npy")
        try NPYWriter.write(NumpyArray(shape: [2, 2], values: [Int64](repeating: 1, count: 4)), to: integers)
        #expect(throws: DatasetError.self) { try LabelEmbeddings.load(npyAt: integers, classCount: 2) }
    }
}

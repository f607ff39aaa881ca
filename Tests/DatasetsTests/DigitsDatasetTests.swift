import Foundation
import Testing

@testable import Datasets

@Suite("Digits data sets")
struct DigitsDatasetTests {
    /// Four 1 × 2 × 2 images whose pixels are all equal to ten times their index.
    static func sample() throws -> DigitsDataset {
        try DigitsDataset(
            name: "sample", images: (0..<4).flatMap { Array(repeating: UInt8($0 * 10), count: 4) },
            imageShape: [1, 2, 2], labels: [0, 1, 2, 1], classCount: 3)
    }

    @Test("Images, subsets and histograms")
    func accessors() throws {
        let dataset = try Self.sample()
        #expect(dataset.count == 4 && dataset.imageElementCount == 4)
        #expect(Array(dataset.image(at: 2)) == [20, 20, 20, 20])
        #expect(dataset.labelHistogram() == [1, 2, 1])
        let subset = dataset.subset([3, 0, 3], name: "picked")
        #expect(subset.name == "picked" && subset.labels == [1, 0, 1] && subset.imageShape == [1, 2, 2])
        #expect(subset.images == [30, 30, 30, 30, 0, 0, 0, 0, 30, 30, 30, 30])
        #expect(dataset.subset(1..<3).labels == [1, 2])
        #expect(dataset.subset([]).count == 0)
        #expect(dataset.subset(0..<4) == dataset)
    }

    @Test("Inconsistent parts are rejected")
    func validation() {
        expectDatasetError("labelCountMismatch", containing: ["bad", "2 images but 3 labels"]) {
            try DigitsDataset(
                name: "bad", images: Array(repeating: 0, count: 8), imageShape: [1, 2, 2],
                labels: [0, 1, 0], classCount: 2)
        }
        expectDatasetError("invalidLabel", containing: ["index 1", "label 5 is outside 0..<2"]) {
            try DigitsDataset(
                name: "bad", images: Array(repeating: 0, count: 8), imageShape: [1, 2, 2],
                labels: [0, 5], classCount: 2)
        }
        expectDatasetError("unexpectedShape", containing: ["7 pixels"]) {
            try DigitsDataset(
                name: "bad", images: Array(repeating: 0, count: 7), imageShape: [1, 2, 2],
                labels: [0], classCount: 2)
        }
        expectDatasetError("unexpectedShape") {
            try DigitsDataset(name: "bad", images: [], imageShape: [2, 2], labels: [], classCount: 2)
        }
    }

    @Test("Loading an IDX pair, plain and gzipped, three- and four-dimensional")
    func loadIDX() throws {
        try withTemporaryDirectory { directory in
            let imagesURL = directory.appendingPathComponent("images-idx3-ubyte.gz")
            let labelsURL = directory.appendingPathComponent("labels-idx1-ubyte")
            let images = IDXArray(dimensions: [3, 2, 2], unsignedBytes: Array(0..<12))
            try write(Zlib.compress(images.encoded(), format: .gzip), to: imagesURL)
            try write(IDXArray(dimensions: [3], unsignedBytes: [9, 0, 4]).encoded(), to: labelsURL)
            let dataset = try DigitsDataset.loadIDX(images: imagesURL, labels: labelsURL, name: "pair")
            #expect(dataset.imageShape == [1, 2, 2] && dataset.labels == [9, 0, 4] && dataset.images == Array(0..<12))

            let colourURL = directory.appendingPathComponent("colour-idx4-ubyte")
            try write(IDXArray(dimensions: [3, 2, 1, 2], unsignedBytes: Array(0..<12)).encoded(), to: colourURL)
            #expect(try DigitsDataset.loadIDX(images: colourURL, labels: labelsURL, name: "c").imageShape == [2, 1, 2])

            let fewLabelsURL = directory.appendingPathComponent("few-labels")
            try write(IDXArray(dimensions: [2], unsignedBytes: [1, 2]).encoded(), to: fewLabelsURL)
            expectDatasetError("labelCountMismatch", containing: ["few-labels", "3 images but 2 labels"]) {
                try DigitsDataset.loadIDX(images: imagesURL, labels: fewLabelsURL, name: "pair")
            }
            expectDatasetError("invalidLabel", containing: ["label 9 is outside 0..<5"]) {
                try DigitsDataset.loadIDX(images: imagesURL, labels: labelsURL, name: "pair", classCount: 5)
            }
            expectDatasetError("unexpectedShape", containing: ["1 dimensions"]) {
                try DigitsDataset.loadIDX(images: imagesURL, labels: imagesURL, name: "swapped")
            }
            expectDatasetError("missingFile", containing: ["absent", "run the fetch script"]) {
                try DigitsDataset.loadIDX(
                    images: directory.appendingPathComponent("absent"), labels: labelsURL, name: "x",
                    hint: "run the fetch script")
            }
        }
    }

    @Test("Fashion-MNIST names the fetch script when its files are missing")
    func fashionMissing() throws {
        try withTemporaryDirectory { directory in
            expectDatasetError("missingFile", containing: ["train-images-idx3-ubyte.gz", "fetch-fashion-mnist.sh"]) {
                try FashionMNIST(directory: directory)
            }
        }
        #expect(FashionMNIST.resolvedDirectory(environment: [:]) == FashionMNIST.defaultDirectory)
        #expect(FashionMNIST.resolvedDirectory(environment: ["HASHING_FASHION_MNIST": "/tmp/f"]).path == "/tmp/f")
    }

    static let fashionDirectory = FashionMNIST.resolvedDirectory()

    @Test(
        "The installed Fashion-MNIST has 60,000 + 10,000 balanced images",
        .enabled(
            if: FileManager.default.fileExists(
                atPath: fashionDirectory.appendingPathComponent("t10k-labels-idx1-ubyte.gz").path),
            "run Scripts/fetch-fashion-mnist.sh first"))
    func installedFashionMNIST() throws {
        let fashion = try FashionMNIST()
        #expect(fashion.train.count == 60_000 && fashion.test.count == 10_000)
        #expect(fashion.train.imageShape == [1, 28, 28])
        #expect(fashion.train.labelHistogram() == Array(repeating: 6_000, count: 10))
        #expect(fashion.test.labelHistogram() == Array(repeating: 1_000, count: 10))
        #expect(fashion.test.images.max() == 255 && fashion.test.images.min() == 0)
    }
}

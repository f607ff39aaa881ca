import Foundation
import Testing

@testable import Datasets

@Suite("MNIST")
struct MNISTTests {
    /// Writes a sprite of `count` images (image `i` filled with the value `i`) and one-hot labels `i % 10`.
    static func writeSprite(count: Int, in directory: URL, labels: [UInt8]? = nil, width: Int = 784) throws
        -> (images: URL, labels: URL)
    {
        let pixels = (0..<count).flatMap { Array(repeating: UInt8($0), count: width) }
        let imagesURL = directory.appendingPathComponent(MNIST.spriteRelativePath)
        let labelsURL = directory.appendingPathComponent(MNIST.labelsRelativePath)
        try write(TestPNG.encode(width: width, height: count, colorType: 0, pixels: pixels), to: imagesURL)
        let oneHot = labels ?? (0..<count).flatMap { index in (0..<10).map { UInt8($0 == index % 10 ? 1 : 0) } }
        try write(oneHot, to: labelsURL)
        return (imagesURL, labelsURL)
    }

    @Test("A small sprite loads with one image per row and one-hot labels decoded")
    func smallSprite() throws {
        try withTemporaryDirectory { directory in
            let (imagesURL, labelsURL) = try Self.writeSprite(count: 12, in: directory)
            let dataset = try MNIST.loadSprite(imagesURL: imagesURL, labelsURL: labelsURL, imageCount: 12, name: "small")
            #expect(dataset.count == 12 && dataset.imageShape == [1, 28, 28] && dataset.classCount == 10)
            #expect(dataset.labels == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
            #expect(dataset.image(at: 11).allSatisfy { $0 == 11 })
        }
    }

    @Test("Broken one-hot rows and size mismatches are named")
    func labelErrors() throws {
        expectDatasetError("invalidLabel", containing: ["labels", "index 1", "exactly one 1"]) {
            try MNIST.readOneHotLabels(
                [0, 1, 0, 0, 0, 0, 0, 0, 0, 0] + [0, 1, 1, 0, 0, 0, 0, 0, 0, 0], imageCount: 2,
                source: "labels")
        }
        expectDatasetError("invalidLabel", containing: ["index 0", "all zeros"]) {
            try MNIST.readOneHotLabels(Array(repeating: 0, count: 10), imageCount: 1, source: "labels")
        }
        expectDatasetError("invalidLabel", containing: ["index 0"]) {
            try MNIST.readOneHotLabels([2, 0, 0, 0, 0, 0, 0, 0, 0, 0], imageCount: 1, source: "labels")
        }
        expectDatasetError("labelCountMismatch", containing: ["3 images but 2 labels"]) {
            try MNIST.readOneHotLabels(Array(repeating: 0, count: 20), imageCount: 3, source: "labels")
        }
        expectDatasetError("invalidFormat", containing: ["15 bytes"]) {
            try MNIST.readOneHotLabels(Array(repeating: 0, count: 15), imageCount: 3, source: "labels")
        }
        try withTemporaryDirectory { directory in
            let (imagesURL, labelsURL) = try Self.writeSprite(count: 4, in: directory, width: 28)
            expectDatasetError("unexpectedShape", containing: ["mnist_sprite.png", "784 wide", "28 × 4"]) {
                try MNIST.loadSprite(imagesURL: imagesURL, labelsURL: labelsURL, imageCount: 4, name: "narrow")
            }
        }
    }

    @Test("Missing files name the fetch script")
    func missingFiles() throws {
        try withTemporaryDirectory { directory in
            expectDatasetError("missingFile", containing: ["mnist_labels_uint8", "Scripts/fetch-mnist.sh"]) {
                try MNIST(dataDirectory: directory)
            }
        }
    }

    @Test("The data directory comes from HASHING_DATA, else ./data")
    func dataDirectory() {
        #expect(DataDirectory.resolved(environment: [:]).path.hasSuffix("/data"))
        #expect(DataDirectory.resolved(environment: ["HASHING_DATA": ""]).path.hasSuffix("/data"))
        #expect(DataDirectory.resolved(environment: ["HASHING_DATA": "/srv/data"]).path == "/srv/data")
    }

    static let spritePath = DataDirectory.resolved().appendingPathComponent(MNIST.spriteRelativePath).path

    @Test(
        "The fetched MNIST has 65,000 plausible images and the official test set",
        .enabled(if: FileManager.default.fileExists(atPath: spritePath), "run Scripts/fetch-mnist.sh first"))
    func fetchedMNIST() throws {
        let mnist = try MNIST()
        #expect(mnist.train.count == 55_000 && mnist.test.count == 10_000)
        #expect(mnist.train.imageShape == [1, 28, 28] && mnist.train.images.count == 55_000 * 784)
        let histogram = zip(mnist.train.labelHistogram(), mnist.test.labelHistogram()).map { $0 + $1 }
        #expect(histogram.reduce(0, +) == 65_000)
        for count in histogram {
            #expect((5_000...8_000).contains(count))
        }
        // The class counts and first labels of the official MNIST test set.
        #expect(mnist.test.labelHistogram() == [980, 1_135, 1_032, 1_010, 982, 892, 958, 1_028, 974, 1_009])
        #expect(Array(mnist.test.labels.prefix(5)) == [7, 2, 1, 0, 4])
        for split in [mnist.train, mnist.test] {
            var intensityHistogram = [Int](repeating: 0, count: 256)
            split.images.withUnsafeBufferPointer { pixels in
                for pixel in pixels { intensityHistogram[Int(pixel)] += 1 }
            }
            #expect(intensityHistogram[0] > 0 && intensityHistogram[255] > 0)
            let total = intensityHistogram.enumerated().reduce(0) { $0 + $1.offset * $1.element }
            let mean = Double(total) / Double(split.images.count)
            #expect((25...40).contains(mean), "mean pixel \(mean)")  // MNIST's mean pixel is about 33.
        }
    }
}

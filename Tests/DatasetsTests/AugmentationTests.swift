import Foundation
import TensorCore
import Testing

@testable import Datasets

private func generator(_ seed: UInt64) -> TensorCore.SeededGenerator {
    TensorCore.SeededGenerator(seed: seed)
}

private func expectValues(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    for (index, (a, e)) in zip(actual, expected).enumerated() where abs(a - e) > tolerance {
        Issue.record("element \(index): \(a) != \(e)", sourceLocation: sourceLocation)
    }
}

@Suite("Augmentation")
struct AugmentationTests {
    @Test("bilinear resize matches PyTorch interpolate(align_corners=False), up and down")
    func bilinear() {
        // torch.nn.functional.interpolate(x, size=(4, 5), mode="bilinear", align_corners=False)
        let up = ImageTransforms.resizeBilinear(Tensor(shape: [1, 1, 2, 3], scalars: [1, 2, 4, 8, 16, 32]), to: ImageSize(height: 4, width: 5))
        #expect(up.shape == [1, 1, 4, 5])
        expectValues(
            up.scalars,
            [1.0, 1.4, 2.0, 3.2, 4.0, 2.75, 3.85, 5.5, 8.8, 11.0, 6.25, 8.75, 12.5, 20.0, 25.0, 8.0, 11.2, 16.0, 25.6, 32.0],
            tolerance: 1e-4)
        let down = ImageTransforms.resizeBilinear(Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map(Float.init)), to: ImageSize(side: 3))
        expectValues(down.scalars, [0.8333333, 2.1666667, 3.5, 6.1666665, 7.5, 8.833333, 11.5, 12.833334, 14.166667])
        let same = ImageTransforms.resizeBilinear(Tensor(shape: [2, 1, 2, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8]), to: ImageSize(side: 2))
        #expect(same.scalars == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test("data sets resize to a common size, rounding to bytes; a constant image stays constant")
    func datasetResize() throws {
        let dataset = try DigitsDataset(
            name: "toy", images: [1, 2, 4, 8, 16, 32] + [UInt8](repeating: 200, count: 6), imageShape: [1, 2, 3], labels: [0, 1],
            classCount: 2)
        let resized = dataset.resized(to: ImageSize(height: 4, width: 5), name: "toy-4x5")
        #expect(resized.imageShape == [1, 4, 5])
        #expect(resized.name == "toy-4x5")
        #expect(Array(resized.image(at: 0)) == [1, 1, 2, 3, 4, 3, 4, 6, 9, 11, 6, 9, 13, 20, 25, 8, 11, 16, 26, 32])
        #expect(resized.image(at: 1).allSatisfy { $0 == 200 })
        #expect(resized.labels == [0, 1])
        #expect(dataset.resized(to: ImageSize(height: 2, width: 3)) == dataset)
    }

    @Test("grayscale replicates into three channels, for tensors and data sets")
    func replication() throws {
        let images = Tensor(shape: [2, 1, 1, 2], scalars: [1, 2, 3, 4])
        let colour = ImageTransforms.replicateChannels(images, count: 3)
        #expect(colour.shape == [2, 3, 1, 2])
        #expect(colour.scalars == [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4])
        let dataset = try DigitsDataset(name: "toy", images: [1, 2, 3, 4], imageShape: [1, 1, 2], labels: [0, 1], classCount: 2)
        let replicated = try dataset.replicatingChannels(to: 3)
        #expect(replicated.imageShape == [3, 1, 2])
        #expect(replicated.images == [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4])
        expectDatasetError("unexpectedShape") { try replicated.replicatingChannels(to: 2) }
    }

    @Test("random crop with zero padding shifts each image by at most the padding, seeded")
    func randomCrop() {
        let side = 6
        let images = Tensor(shape: [8, 1, side, side], scalars: (0..<(8 * side * side)).map { Float($0 % (side * side) + 1) })
        var first = generator(3)
        let cropped = ImageTransforms.randomCrop(images, padding: 2, generator: &first)
        var second = generator(3)
        #expect(ImageTransforms.randomCrop(images, padding: 2, generator: &second).scalars == cropped.scalars)
        var offsets: Set<[Int]> = []
        for image in 0..<8 {
            let plane = Array(cropped.scalars[(image * side * side)..<((image + 1) * side * side)])
            // Find the shift: the original value v = row * side + column + 1 lands at (row - dy, column - dx).
            var found: [Int]? = nil
            for dy in -2...2 {
                for dx in -2...2 {
                    let matches = (0..<side).allSatisfy { row in
                        (0..<side).allSatisfy { column in
                            let (sourceRow, sourceColumn) = (row + dy, column + dx)
                            let inside = (0..<side).contains(sourceRow) && (0..<side).contains(sourceColumn)
                            let expected: Float = inside ? Float(sourceRow * side + sourceColumn + 1) : 0
                            return plane[row * side + column] == expected
                        }
                    }
                    if matches { found = [dy, dx] }
                }
            }
            #expect(found != nil, "image \(image) is not a shifted, zero-padded copy")
            if let found { offsets.insert(found) }
        }
        #expect(offsets.count > 1, "eight crops should not all share one offset")
        var third = generator(1)
        #expect(ImageTransforms.randomCrop(images, padding: 0, generator: &third).scalars == images.scalars)
    }

    @Test("horizontal flip mirrors rows; probability 0 and 1 are exact")
    func flip() {
        let images = Tensor(shape: [1, 2, 2, 3], scalars: (1...12).map(Float.init))
        var random = generator(1)
        #expect(
            ImageTransforms.randomHorizontalFlip(images, probability: 1, generator: &random).scalars
                == [3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10])
        #expect(ImageTransforms.randomHorizontalFlip(images, probability: 0, generator: &random).scalars == images.scalars)
        let many = Tensor(shape: [200, 1, 1, 2], scalars: (0..<200).flatMap { _ in [Float(0), 1] })
        let flipped = ImageTransforms.randomHorizontalFlip(many, probability: 0.5, generator: &random)
        let flippedCount = stride(from: 0, to: 400, by: 2).filter { flipped.scalars[$0] == 1 }.count
        #expect((70...130).contains(flippedCount))
    }

    @Test("per-channel normalisation, and estimating it from a data set")
    func normalize() throws {
        let images = Tensor(shape: [1, 2, 1, 2], scalars: [0, 1, 0.5, 0.25])
        let normalization = try ChannelNormalization(mean: [0.5, 0.25], standardDeviation: [0.5, 0.25])
        expectValues(ImageTransforms.normalize(images, normalization).scalars, [-1, 1, 1, 0])
        let dataset = try DigitsDataset(name: "toy", images: [0, 255, 0, 255], imageShape: [1, 1, 2], labels: [0, 1], classCount: 2)
        let estimated = try ChannelNormalization.estimated(from: dataset)
        expectValues(estimated.mean, [0.5])
        expectValues(estimated.standardDeviation, [0.5])
        expectDatasetError("invalidConfiguration") { try ChannelNormalization(mean: [0], standardDeviation: [0]) }
        expectDatasetError("invalidConfiguration") { try ChannelNormalization(mean: [0, 1], standardDeviation: [1]) }
        expectDatasetError("invalidConfiguration") { try ChannelNormalization.estimated(from: dataset, indices: []) }
    }

    @Test("the pipeline runs resize, channels, crop, flip, normalise in order; evaluation drops the random steps")
    func pipeline() throws {
        let augmentation = Augmentation(
            resize: ImageSize(side: 4), channelCount: 3, cropPadding: 1, horizontalFlipProbability: 0.5,
            normalization: try ChannelNormalization(mean: [0.1, 0.2, 0.3], standardDeviation: [1, 1, 1]))
        #expect(augmentation.isRandom)
        #expect(!augmentation.withoutRandomSteps.isRandom)
        #expect(augmentation.outputShape(for: [1, 2, 2]) == [3, 4, 4])
        try augmentation.validate(for: [1, 2, 2])
        let images = Tensor(shape: [2, 1, 2, 2], scalars: [0, 1, 1, 0, 1, 1, 1, 1])
        var first = generator(5)
        var second = generator(5)
        let a = augmentation.apply(to: images, generator: &first)
        #expect(a.shape == [2, 3, 4, 4])
        #expect(a.scalars == augmentation.apply(to: images, generator: &second).scalars)
        var third = generator(5)
        let evaluation = augmentation.withoutRandomSteps.apply(to: images, generator: &third)
        // Image 1 is all ones: after resizing and normalising, channel c holds 1 − mean[c] everywhere.
        expectValues(Array(evaluation.scalars[48..<64]), [Float](repeating: 0.9, count: 16))
        expectValues(Array(evaluation.scalars[80..<96]), [Float](repeating: 0.7, count: 16))
        #expect(Augmentation.identity.apply(to: images, generator: &third).scalars == images.scalars)
        expectDatasetError("invalidConfiguration", containing: ["3 channels into 2"]) {
            try Augmentation(channelCount: 2).validate(for: [3, 2, 2])
        }
        expectDatasetError("invalidConfiguration") { try Augmentation(cropPadding: -1).validate(for: [1, 2, 2]) }
        expectDatasetError("invalidConfiguration") { try Augmentation(horizontalFlipProbability: 2).validate(for: [1, 2, 2]) }
    }
}

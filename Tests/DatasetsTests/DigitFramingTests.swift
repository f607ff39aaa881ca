import Foundation
import Testing

@testable import Datasets

private let mnistFetched = FileManager.default.fileExists(
    atPath: DataDirectory.resolved().appendingPathComponent(MNIST.spriteRelativePath).path)

/// The ink's bounding box (rows × columns of the rectangle holding every pixel above 0) and its
/// intensity-weighted centre of mass, for one plane of a single-channel data set.
private func inkGeometry(_ dataset: DigitsDataset, at index: Int) -> (height: Int, width: Int, row: Double, column: Double)? {
    let (height, width) = (dataset.imageShape[1], dataset.imageShape[2])
    let pixels = Array(dataset.image(at: index))
    guard let bounds = DigitsDataset.inkBounds(pixels.map(Int.init), height: height, width: width) else { return nil }
    var (mass, rowMoment, columnMoment) = (0.0, 0.0, 0.0)
    for row in 0..<height {
        for column in 0..<width {
            let value = Double(pixels[row * width + column])
            mass += value
            rowMoment += value * Double(row)
            columnMoment += value * Double(column)
        }
    }
    return (bounds.rows.count, bounds.columns.count, rowMoment / mass, columnMoment / mass)
}

/// The mean height and width of the ink's bounding box over a data set's images with ink.
private func meanInkBox(_ dataset: DigitsDataset) -> (height: Double, width: Double) {
    let boxes = (0..<dataset.count).compactMap { inkGeometry(dataset, at: $0) }
    let count = Double(boxes.count)
    return (boxes.reduce(0) { $0 + Double($1.height) } / count, boxes.reduce(0) { $0 + Double($1.width) } / count)
}

@Suite("Digit framing")
struct DigitFramingTests {
    /// One 16 × 15 image holding a `blockHeight × blockWidth` block of ink at `(top, left)`.
    static func block(top: Int, left: Int, blockHeight: Int, blockWidth: Int, channels: Int = 1) throws -> DigitsDataset {
        var plane = [UInt8](repeating: 0, count: 16 * 15)
        for row in top..<(top + blockHeight) {
            for column in left..<(left + blockWidth) {
                plane[row * 15 + column] = 200
            }
        }
        return try DigitsDataset(
            name: "block", images: Array(repeatElement(plane, count: channels).joined()), imageShape: [channels, 16, 15], labels: [3],
            classCount: 10)
    }

    @Test("a 6×4 block of ink becomes 20×13 (longer side 20, aspect kept), centred by mass at (14, 14) in 28×28")
    func block() throws {
        let framed = try Self.block(top: 1, left: 9, blockHeight: 6, blockWidth: 4).framed()
        #expect(framed.imageShape == [1, 28, 28] && framed.count == 1 && framed.labels == [3] && framed.name == "block")
        let geometry = try #require(inkGeometry(framed, at: 0))
        #expect(geometry.height == 20)
        #expect(geometry.width == 13)  // round(20 × 4 / 6)
        #expect(abs(geometry.row - 14) <= 0.5 && abs(geometry.column - 14) <= 0.5, "\(geometry)")
        // A uniform block stays uniform when enlarged bilinearly.
        #expect(Set(framed.images).isSubset(of: [0, 200]))

        // Wider than tall: the width is the one scaled to the box.
        let wide = try #require(inkGeometry(try Self.block(top: 10, left: 0, blockHeight: 3, blockWidth: 12).framed(), at: 0))
        #expect(wide.width == 20 && wide.height == 5)
        #expect(abs(wide.row - 14) <= 0.5 && abs(wide.column - 14) <= 0.5, "\(wide)")
    }

    @Test("a one-pixel stroke keeps at least one pixel across; other box and canvas sizes")
    func thinAndOtherSizes() throws {
        let stroke = try Self.block(top: 2, left: 7, blockHeight: 14, blockWidth: 1).framed()
        let geometry = try #require(inkGeometry(stroke, at: 0))
        #expect(geometry.height == 20 && geometry.width == 1)
        let small = try Self.block(top: 0, left: 0, blockHeight: 16, blockWidth: 15).framed(box: 8, canvas: 12, name: "small")
        #expect(small.imageShape == [1, 12, 12] && small.name == "small")
        let smallGeometry = try #require(inkGeometry(small, at: 0))
        #expect(smallGeometry.height == 8 && smallGeometry.width == 8)  // round(8 × 15 / 16)
        #expect(abs(smallGeometry.row - 6) <= 0.5 && abs(smallGeometry.column - 6) <= 0.5)
    }

    @Test("several channels are framed alike, by their summed intensity")
    func channels() throws {
        let framed = try Self.block(top: 4, left: 2, blockHeight: 6, blockWidth: 4, channels: 3).framed()
        #expect(framed.imageShape == [3, 28, 28])
        let plane = 28 * 28
        #expect(framed.images[0..<plane] == framed.images[plane..<(2 * plane)])
        #expect(framed.images[0..<plane] == framed.images[(2 * plane)..<(3 * plane)])
        let first = try #require(inkGeometry(framed.subset([0]).channelPlane(0), at: 0))
        #expect(first.height == 20 && first.width == 13)
    }

    @Test("an image without ink becomes a blank canvas, and the images around it are framed as usual")
    func blank() throws {
        let ink = try Self.block(top: 1, left: 9, blockHeight: 6, blockWidth: 4)
        let blank = try DigitsDataset(
            name: "mixed", images: [UInt8](repeating: 0, count: 16 * 15) + ink.images, imageShape: [1, 16, 15], labels: [0, 3],
            classCount: 10)
        let framed = blank.framed()
        #expect(framed.count == 2 && framed.imageShape == [1, 28, 28])
        #expect(framed.image(at: 0).allSatisfy { $0 == 0 })
        #expect(Array(framed.image(at: 1)) == Array(ink.framed().image(at: 0)))
    }

    @Test("framed mfeat: 2,000 images 28×28 with mfeat's labels, ink boxes of at most 20 centred by mass")
    func framedMultipleFeatures() throws {
        let mfeat = try EmbeddedDigits.multipleFeatures()
        let framed = try DataCatalog.load("mfeat-framed")
        #expect(framed.name == "mfeat-framed" && framed.count == 2_000 && framed.imageShape == [1, 28, 28])
        #expect(framed.labels == mfeat.labels && framed.classCount == 10)
        let entry = try DataCatalog.entry(named: "mfeat-framed")
        #expect(entry.imageCount == 2_000 && entry.imageShape == [1, 28, 28] && !entry.needsDownload)
        let mean = meanInkBox(framed)
        #expect(mean.height <= 20 && mean.width <= 20, "\(mean)")
        #expect(mean.height > 19, "\(mean)")  // mfeat digits are taller than wide: their height becomes 20.
        for index in stride(from: 0, to: framed.count, by: 97) {
            let geometry = try #require(inkGeometry(framed, at: index))
            #expect(max(geometry.height, geometry.width) == 20, "image \(index): \(geometry)")
            #expect(abs(geometry.row - 14) <= 0.5 && abs(geometry.column - 14) <= 0.5, "image \(index): \(geometry)")
        }
        // Resized only, mfeat fills the whole 28 × 28 frame.
        #expect(meanInkBox(mfeat.resized(to: ImageSize(side: 28))).height > 25)
    }

    @Test("the framed pairs are listed, need MNIST, and use the digit vocabulary")
    func pairsListed() throws {
        for name in ["mnist-to-mfeat-framed", "mfeat-framed-to-mnist"] {
            #expect(DataCatalog.domainPairNames.contains(name))
            #expect(DataCatalog.listing.contains(name))
            #expect(try DataCatalog.domainPairEntry(named: name).fetchScripts == ["Scripts/fetch-mnist.sh"])
            #expect(LabelEmbeddings.vocabularyName(forDataset: name) == "digits")
        }
        #expect(LabelEmbeddings.vocabularyName(forDataset: "mfeat-framed") == "digits")
        try withTemporaryDirectory { directory in
            for name in ["mnist-to-mfeat-framed", "mfeat-framed-to-mnist"] {
                expectDatasetError("missingFile", containing: ["Scripts/fetch-mnist.sh"]) {
                    try DataCatalog.domainPair(name, dataDirectory: directory, seed: 0)
                }
            }
        }
    }

    @Test("the framed pairs build with the protocols of mnist-to-mfeat and mfeat-to-mnist", .enabled(if: mnistFetched))
    func pairsBuild() throws {
        let toMNIST = try DataCatalog.domainPair("mfeat-framed-to-mnist", seed: 1)
        let plainToMNIST = try DataCatalog.domainPair("mfeat-to-mnist", seed: 1)
        #expect(toMNIST.name == "mfeat-framed-to-mnist")
        #expect(toMNIST.source.name == "mfeat-framed" && toMNIST.source.imageShape == [1, 28, 28])
        #expect(toMNIST.target.count == 65_000 && toMNIST.targetSplit.query == Array(55_000..<65_000))
        #expect(toMNIST.sourceSplit == plainToMNIST.sourceSplit && toMNIST.targetSplit == plainToMNIST.targetSplit)

        let fromMNIST = try DataCatalog.domainPair("mnist-to-mfeat-framed", seed: 1)
        let plainFromMNIST = try DataCatalog.domainPair("mnist-to-mfeat", seed: 1)
        #expect(fromMNIST.name == "mnist-to-mfeat-framed")
        #expect(fromMNIST.target.name == "mfeat-framed" && fromMNIST.target.imageShape == [1, 28, 28])
        #expect(fromMNIST.sourceSplit.train.count == 55_000 - 1_000)
        #expect(fromMNIST.targetSplit.query.count == 200)
        #expect(fromMNIST.sourceSplit == plainFromMNIST.sourceSplit && fromMNIST.targetSplit == plainFromMNIST.targetSplit)
    }

    @Test("mean ink box: framed mfeat against MNIST's training images", .enabled(if: mnistFetched))
    func inkBoxStatistic() throws {
        let framed = meanInkBox(try DataCatalog.load("mfeat-framed"))
        let mnist = meanInkBox(try MNIST.loadAll().subset(0..<MNIST.trainingCount))
        let resized = meanInkBox(try EmbeddedDigits.multipleFeatures().resized(to: ImageSize(side: 28)))
        print(
            String(
                format: "ink box (height × width): mfeat-framed %.2f × %.2f, mnist-train %.2f × %.2f, mfeat resized %.2f × %.2f",
                framed.height, framed.width, mnist.height, mnist.width, resized.height, resized.width))
        #expect(abs(framed.height - mnist.height) < 2)
    }
}

extension DigitsDataset {
    /// One channel of a multi-channel data set as a single-channel one, for measuring its ink.
    fileprivate func channelPlane(_ channel: Int) -> DigitsDataset {
        let plane = imageShape[1] * imageShape[2]
        var pixels: [UInt8] = []
        for image in 0..<count {
            let start = (image * imageShape[0] + channel) * plane
            pixels += images[start..<(start + plane)]
        }
        return DigitsDataset(
            uncheckedName: name, images: pixels, imageShape: [1, imageShape[1], imageShape[2]], labels: labels, classCount: classCount)
    }
}

import Foundation

/// A labelled set of small 8-bit images, such as MNIST, Fashion-MNIST or a split of either.
///
/// **Shape**: `images [count, channels, height, width]` as one flat row-major array of bytes
/// (0–255), with `imageShape == [channels, height, width]`; `labels [count]`, each in
/// `0..<classCount`.
public struct DigitsDataset: Equatable, Sendable {
    /// A short name for messages and reports, such as `mnist-train`.
    public var name: String
    /// The pixels of every image, `count × channels × height × width` bytes, row-major.
    public var images: [UInt8]
    /// The shape of one image: `[channels, height, width]`.
    public var imageShape: [Int]
    /// The class of every image, each in `0..<classCount`.
    public var labels: [Int]
    /// The number of classes.
    public var classCount: Int
    /// The classes of every image of a multi-label data set (an image showing several objects),
    /// each set sorted, without duplicates and holding the image's ``labels`` entry, which is then
    /// its first object's class; `nil` for a single-label data set.
    public var labelSets: [[Int]]?

    /// Creates a data set, checking that images, shape and labels agree.
    ///
    /// - Parameters:
    ///   - name: A short name for messages and reports.
    ///   - images: The pixels, `labels.count × channels × height × width` bytes, row-major.
    ///   - imageShape: The shape of one image, `[channels, height, width]`, all positive.
    ///   - labels: The class of every image.
    ///   - classCount: The number of classes; every label must be in `0..<classCount`.
    ///   - labelSets: For a multi-label data set, the classes of every image, each set holding
    ///     that image's `labels` entry; `nil` (the default) for a single-label one.
    /// - Throws: ``DatasetError/unexpectedShape(source:expected:found:)`` for a bad shape,
    ///   ``DatasetError/labelCountMismatch(source:imageCount:labelCount:)`` when there are not as
    ///   many labels as images, and ``DatasetError/invalidLabel(source:index:reason:)`` for a label
    ///   out of range.
    public init(name: String, images: [UInt8], imageShape: [Int], labels: [Int], classCount: Int, labelSets: [[Int]]? = nil) throws {
        guard imageShape.count == 3, imageShape.allSatisfy({ $0 > 0 }) else {
            throw DatasetError.unexpectedShape(
                source: name, expected: "an image shape [channels, height, width] of positive sizes",
                found: "\(imageShape)")
        }
        let imageElementCount = imageShape.reduce(1, *)
        guard images.count % imageElementCount == 0 else {
            throw DatasetError.unexpectedShape(
                source: name, expected: "a multiple of \(imageElementCount) pixels (images of \(imageShape))",
                found: "\(images.count) pixels")
        }
        guard images.count / imageElementCount == labels.count else {
            throw DatasetError.labelCountMismatch(
                source: name, imageCount: images.count / imageElementCount, labelCount: labels.count)
        }
        guard classCount > 0 else {
            throw DatasetError.invalidLabel(source: name, index: 0, reason: "the class count \(classCount) is not positive")
        }
        if let index = labels.firstIndex(where: { !(0..<classCount).contains($0) }) {
            throw DatasetError.invalidLabel(
                source: name, index: index, reason: "label \(labels[index]) is outside 0..<\(classCount)")
        }
        if let labelSets {
            guard labelSets.count == labels.count else {
                throw DatasetError.labelCountMismatch(source: name, imageCount: labels.count, labelCount: labelSets.count)
            }
            for (index, set) in labelSets.enumerated() {
                if let label = set.first(where: { !(0..<classCount).contains($0) }) {
                    throw DatasetError.invalidLabel(source: name, index: index, reason: "label \(label) of its set is outside 0..<\(classCount)")
                }
                guard set.contains(labels[index]) else {
                    throw DatasetError.invalidLabel(
                        source: name, index: index, reason: "its label set \(set) does not hold its label \(labels[index])")
                }
            }
        }
        self.name = name
        self.images = images
        self.imageShape = imageShape
        self.labels = labels
        self.classCount = classCount
        self.labelSets = labelSets.map { $0.map { Array(Set($0)).sorted() } }
    }

    /// The number of images.
    public var count: Int { labels.count }

    /// Whether images carry sets of labels (``labelSets``) rather than one class each.
    public var isMultiLabel: Bool { labelSets != nil }

    /// The number of bytes in one image, `channels × height × width`.
    public var imageElementCount: Int { imageShape.reduce(1, *) }

    /// The pixels of one image, `channels × height × width` bytes.
    ///
    /// - Precondition: `index` is in `0..<count`.
    public func image(at index: Int) -> ArraySlice<UInt8> {
        precondition((0..<count).contains(index), "Image index \(index) is outside 0..<\(count)")
        let size = imageElementCount
        return images[(index * size)..<((index + 1) * size)]
    }

    /// The images and labels at the given indices, in the order given.
    ///
    /// Indices may repeat (for bootstrap samples) and may come in any order (for shuffles).
    ///
    /// - Parameters:
    ///   - indices: Positions in this data set, each in `0..<count`.
    ///   - name: The name of the result; this data set's name by default.
    /// - Precondition: Every index is in `0..<count`.
    public func subset<Indices: Sequence<Int>>(_ indices: Indices, name: String? = nil) -> DigitsDataset {
        let size = imageElementCount
        var subsetImages: [UInt8] = []
        var subsetLabels: [Int] = []
        var subsetLabelSets: [[Int]]? = labelSets.map { _ in [] }
        subsetImages.reserveCapacity(indices.underestimatedCount * size)
        subsetLabels.reserveCapacity(indices.underestimatedCount)
        images.withUnsafeBufferPointer { source in
            for index in indices {
                precondition((0..<count).contains(index), "Subset index \(index) is outside 0..<\(count)")
                subsetImages.append(contentsOf: UnsafeBufferPointer(rebasing: source[(index * size)..<((index + 1) * size)]))
                subsetLabels.append(labels[index])
                if let labelSets { subsetLabelSets!.append(labelSets[index]) }
            }
        }
        return DigitsDataset(
            uncheckedName: name ?? self.name, images: subsetImages, imageShape: imageShape, labels: subsetLabels,
            classCount: classCount, labelSets: subsetLabelSets)
    }

    /// The number of images of each class: element `c` counts the labels equal to `c`.
    public func labelHistogram() -> [Int] {
        var histogram = [Int](repeating: 0, count: classCount)
        for label in labels {
            histogram[label] += 1
        }
        return histogram
    }

    /// Creates a data set from parts already known to agree.
    init(uncheckedName name: String, images: [UInt8], imageShape: [Int], labels: [Int], classCount: Int, labelSets: [[Int]]? = nil) {
        self.name = name
        self.images = images
        self.imageShape = imageShape
        self.labels = labels
        self.classCount = classCount
        self.labelSets = labelSets
    }
}

extension DigitsDataset {
    /// Loads a data set from a pair of IDX files in the MNIST layout, plain or gzipped.
    ///
    /// The images file must hold unsigned bytes of shape `[count, height, width]` (one channel)
    /// or `[count, channels, height, width]`; the labels file unsigned bytes of shape `[count]`.
    ///
    /// - Parameters:
    ///   - imagesURL: The images file, such as `train-images-idx3-ubyte.gz`.
    ///   - labelsURL: The labels file, such as `train-labels-idx1-ubyte.gz`.
    ///   - name: The name of the data set.
    ///   - classCount: The number of classes; 10 by default.
    ///   - hint: What to tell the user when a file is missing.
    /// - Throws: ``DatasetError`` when a file is missing or malformed, or the two disagree.
    public static func loadIDX(
        images imagesURL: URL, labels labelsURL: URL, name: String, classCount: Int = 10,
        hint: String = "check the path"
    ) throws -> DigitsDataset {
        let imageArray = try IDXReader.read(DataFile.read(imagesURL, hint: hint), source: imagesURL.path)
        guard imageArray.elementType == .unsignedByte else {
            throw DatasetError.unsupportedDataType(source: imagesURL.path, code: imageArray.elementType.rawValue)
        }
        let imageShape: [Int]
        switch imageArray.dimensions.count {
        case 3: imageShape = [1] + imageArray.dimensions.dropFirst()
        case 4: imageShape = Array(imageArray.dimensions.dropFirst())
        default:
            throw DatasetError.unexpectedShape(
                source: imagesURL.path, expected: "[count, height, width] or [count, channels, height, width]",
                found: "\(imageArray.dimensions)")
        }
        let labelArray = try IDXReader.read(DataFile.read(labelsURL, hint: hint), source: labelsURL.path)
        try labelArray.require(.unsignedByte, rank: 1, source: labelsURL.path)
        guard labelArray.dimensions[0] == imageArray.dimensions[0] else {
            throw DatasetError.labelCountMismatch(
                source: labelsURL.path, imageCount: imageArray.dimensions[0], labelCount: labelArray.dimensions[0])
        }
        guard imageShape.allSatisfy({ $0 > 0 }) else {
            throw DatasetError.unexpectedShape(
                source: imagesURL.path, expected: "positive image sizes", found: "\(imageArray.dimensions)")
        }
        let labels = labelArray.bytes.map(Int.init)
        if let index = labels.firstIndex(where: { $0 >= classCount }) {
            throw DatasetError.invalidLabel(
                source: labelsURL.path, index: index, reason: "label \(labels[index]) is outside 0..<\(classCount)")
        }
        return try DigitsDataset(
            name: name, images: imageArray.bytes, imageShape: imageShape, labels: labels, classCount: classCount)
    }
}

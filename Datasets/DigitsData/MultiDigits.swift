import TensorCore

/// A multi-label data set of real handwritten digits: two or three MNIST digits of different
/// classes on one canvas, each image labelled with the set of its digits' classes (the
/// `mnist-multi` entry of ``DataCatalog``).
///
/// The canvas is a 2 × 2 grid of digit-sized cells (56 × 56 for MNIST); each image puts its
/// digits into randomly chosen cells and leaves the others black. Its ``DigitsDataset/labels``
/// entry is the class of its first digit in reading order (what per-class splits stratify by),
/// and ``DigitsDataset/labelSets`` holds every class it shows.
///
/// **Disjoint by construction.** Training canvases are drawn only from the source's official
/// training images and test canvases only from its official test images, and no source digit
/// appears on two canvases: a test query never shows a digit the database holds.
///
/// Every choice (how many digits, which classes, which images, which cells) comes from the seed,
/// so the same seed always gives the same data set.
public enum MultiDigits {
    /// The canvases made from the official training images.
    public static let trainingCount = 18_000
    /// The canvases made from the official test images (the queries).
    public static let testCount = 3_000
    /// The number of digits on a canvas: two or three, equally often.
    public static let digitCounts = 2...3
    /// The grid of cells on a canvas.
    public static let gridSide = 2

    /// Composes the data set: `trainingCount` canvases from the digits at `trainingIndices`, then
    /// `testCount` from those at `testIndices` (so the test canvases are the last ones).
    ///
    /// **Shape**: `digits` images `[N, C, h, w]` → images `[training + test, C, 2h, 2w]`.
    ///
    /// - Parameters:
    ///   - digits: Single-label digits with an official train / test division (MNIST).
    ///   - trainingIndices: The positions of the official training images in `digits`.
    ///   - testIndices: The positions of the official test images in `digits`; none of them
    ///     among `trainingIndices`.
    ///   - trainingCount: Canvases to make from the training images.
    ///   - testCount: Canvases to make from the test images.
    ///   - seed: The seed of every choice.
    ///   - name: The name of the result.
    /// - Throws: ``DatasetError/invalidLabel(source:index:reason:)`` when `digits` is already
    ///   multi-label or the indices lack the images for the canvases asked for.
    public static func make(
        from digits: DigitsDataset, trainingIndices: [Int], testIndices: [Int], trainingCount: Int = trainingCount,
        testCount: Int = testCount, seed: UInt64, name: String = "mnist-multi"
    ) throws -> DigitsDataset {
        guard !digits.isMultiLabel else {
            throw DatasetError.invalidLabel(source: digits.name, index: 0, reason: "composes single-label digits; this set is multi-label")
        }
        precondition(
            (trainingIndices + testIndices).allSatisfy { (0..<digits.count).contains($0) }
                && Set(trainingIndices).isDisjoint(with: testIndices),
            "MultiDigits: the training and test indices must be disjoint and inside 0..<\(digits.count)")
        let (channels, height, width) = (digits.imageShape[0], digits.imageShape[1], digits.imageShape[2])
        let canvasShape = [channels, gridSide * height, gridSide * width]
        let canvasSize = canvasShape.reduce(1, *)
        var images = [UInt8](repeating: 0, count: (trainingCount + testCount) * canvasSize)
        var labels: [Int] = []
        var labelSets: [[Int]] = []
        labels.reserveCapacity(trainingCount + testCount)
        labelSets.reserveCapacity(trainingCount + testCount)
        for (part, (indices, count)) in [(trainingIndices, trainingCount), (testIndices, testCount)].enumerated() {
            var generator = SeededSampling.generator(seed: seed, .multiDigits, [part])
            // Each class's images of this part, shuffled; a canvas takes the next unused one.
            var pools = [[Int]](repeating: [], count: digits.classCount)
            for index in indices { pools[digits.labels[index]].append(index) }
            for label in pools.indices { SeededSampling.shuffle(&pools[label], using: &generator) }
            for _ in 0..<count {
                let digitCount = digitCounts.lowerBound + SeededSampling.uniformIndex(below: digitCounts.count, using: &generator)
                let available = pools.indices.filter { !pools[$0].isEmpty }
                guard available.count >= digitCount else {
                    throw DatasetError.invalidLabel(
                        source: name, index: labels.count,
                        reason: "\(digits.name) has too few \(part == 0 ? "training" : "test") images of distinct classes for \(count) canvases")
                }
                let classes = Array(SeededSampling.shuffled(available, using: &generator).prefix(digitCount))
                let cells = SeededSampling.shuffled(Array(0..<(gridSide * gridSide)), using: &generator).prefix(digitCount)
                // Reading order: the digit in the lowest-numbered cell comes first.
                let placed = zip(cells, classes).sorted { $0.0 < $1.0 }
                let canvas = labels.count
                for (cell, label) in placed {
                    let source = digits.image(at: pools[label].removeLast())
                    let (top, left) = ((cell / gridSide) * height, (cell % gridSide) * width)
                    for channel in 0..<channels {
                        for row in 0..<height {
                            let from = source.startIndex + (channel * height + row) * width
                            let to = canvas * canvasSize + (channel * canvasShape[1] + top + row) * canvasShape[2] + left
                            images.replaceSubrange(to..<(to + width), with: source[from..<(from + width)])
                        }
                    }
                }
                labels.append(placed[0].1)
                labelSets.append(classes.sorted())
            }
        }
        return try DigitsDataset(
            name: name, images: images, imageShape: canvasShape, labels: labels, classCount: digits.classCount, labelSets: labelSets)
    }
}

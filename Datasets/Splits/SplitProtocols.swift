/// How many images of each class go to each set of a ``Split`` (the protocol of most hashing
/// papers on CIFAR-10 and MNIST: 100 queries and 500 training images per class, the rest as the
/// database).
public struct PerClassProtocol: Equatable, Sendable, Codable {
    /// Query images per class.
    public var queryPerClass: Int
    /// Training images per class.
    public var trainingPerClass: Int
    /// Validation images per class (for model selection).
    public var validationPerClass: Int
    /// Database images per class taken from the images left after queries, validation and
    /// training; `nil` takes all of them.
    public var databasePerClass: Int?
    /// Whether the training images are also put in the database (the "rest including training as
    /// database" variant of the protocol).
    public var databaseIncludesTraining: Bool

    /// Creates a protocol; the defaults are 100 queries, 500 training and 0 validation images per
    /// class, with all the rest as a database disjoint from training.
    public init(
        queryPerClass: Int = 100, trainingPerClass: Int = 500, validationPerClass: Int = 0, databasePerClass: Int? = nil,
        databaseIncludesTraining: Bool = false
    ) {
        self.queryPerClass = queryPerClass
        self.trainingPerClass = trainingPerClass
        self.validationPerClass = validationPerClass
        self.databasePerClass = databasePerClass
        self.databaseIncludesTraining = databaseIncludesTraining
    }

    /// The images a class needs: queries + validation + training + database (0 when it takes the rest).
    public var imagesNeededPerClass: Int {
        queryPerClass + validationPerClass + trainingPerClass + (databasePerClass ?? 0)
    }
}

extension Split {
    /// A split by per-class counts: in each class, a seeded shuffle of its images gives the
    /// first `queryPerClass` to the queries, the next `validationPerClass` to validation, the next
    /// `trainingPerClass` to training, and then `databasePerClass` (or all the rest) to the
    /// database (to which the training images are added when `databaseIncludesTraining`).
    ///
    /// Each class is shuffled from its own stream of the seed, so the same seed always gives the
    /// same split, and one class's images never change another's.
    ///
    /// - Parameters:
    ///   - labels: The class of every image, each in `0..<classCount`.
    ///   - classCount: The number of classes.
    ///   - counts: How many images of each class go to each set.
    ///   - seed: The seed of the shuffles.
    ///   - source: The data set named in errors.
    /// - Throws: ``DatasetError/notEnoughImages(source:classLabel:needed:available:)`` when a
    ///   class has fewer images than the counts need, and
    ///   ``DatasetError/invalidConfiguration(source:reason:)`` for a negative count.
    public static func perClass(
        labels: [Int], classCount: Int, counts: PerClassProtocol, seed: UInt64, source: String = "data set"
    ) throws -> Split {
        let allCounts = [counts.queryPerClass, counts.validationPerClass, counts.trainingPerClass, counts.databasePerClass ?? 0]
        guard allCounts.allSatisfy({ $0 >= 0 }) else {
            throw DatasetError.invalidConfiguration(source: source, reason: "per-class counts \(counts) include a negative count")
        }
        let byClass = try indicesByClass(labels: labels, classCount: classCount, source: source)
        var (train, validation, query, database) = ([Int](), [Int](), [Int](), [Int]())
        for (classLabel, members) in byClass.enumerated() {
            guard members.count >= counts.imagesNeededPerClass else {
                throw DatasetError.notEnoughImages(
                    source: source, classLabel: classLabel, needed: counts.imagesNeededPerClass, available: members.count)
            }
            var generator = SeededSampling.generator(seed: seed, .perClassSplit, [classLabel])
            let shuffled = SeededSampling.shuffled(members, using: &generator)
            var position = 0
            func take(_ count: Int) -> ArraySlice<Int> {
                defer { position += count }
                return shuffled[position..<(position + count)]
            }
            query += take(counts.queryPerClass)
            validation += take(counts.validationPerClass)
            let classTraining = take(counts.trainingPerClass)
            train += classTraining
            database += take(counts.databasePerClass ?? (shuffled.count - position))
            if counts.databaseIncludesTraining {
                database += classTraining
            }
        }
        let split = Split(
            train: train, validation: validation, query: query, database: database,
            databaseIncludesTraining: counts.databaseIncludesTraining)
        try split.validate(imageCount: labels.count, source: source)
        return split
    }

    /// A split of a data set by per-class counts; see ``perClass(labels:classCount:counts:seed:source:)``.
    public static func perClass(_ dataset: DigitsDataset, counts: PerClassProtocol, seed: UInt64) throws -> Split {
        try perClass(labels: dataset.labels, classCount: dataset.classCount, counts: counts, seed: seed, source: dataset.name)
    }

    /// The official protocol: the official test images are the queries, the official training
    /// images the database, and `validationPerClass` images of each class, drawn from the training
    /// images by seed, are held out of both training and database for validation.
    ///
    /// So ``train`` equals ``database`` (``databaseIncludesTraining`` is `true`), while queries
    /// and validation images are disjoint from everything else.
    ///
    /// - Parameters:
    ///   - labels: The class of every image of the data set, training and test together.
    ///   - classCount: The number of classes.
    ///   - trainingIndices: The official training images.
    ///   - testIndices: The official test images, disjoint from `trainingIndices`.
    ///   - validationPerClass: Training images of each class held out for validation.
    ///   - seed: The seed of the validation draw.
    ///   - source: The data set named in errors.
    /// - Throws: ``DatasetError/notEnoughImages(source:classLabel:needed:available:)`` when a class
    ///   has too few training images, ``DatasetError/invalidSplit(source:reason:)`` when the
    ///   training and test indices overlap or are out of range.
    public static func official(
        labels: [Int], classCount: Int, trainingIndices: [Int], testIndices: [Int], validationPerClass: Int, seed: UInt64,
        source: String = "data set"
    ) throws -> Split {
        guard validationPerClass >= 0 else {
            throw DatasetError.invalidConfiguration(source: source, reason: "validation per class \(validationPerClass) is negative")
        }
        let training = trainingIndices.sorted()
        let test = testIndices.sorted()
        if let bad = (training + test).first(where: { !(0..<labels.count).contains($0) }) {
            throw DatasetError.invalidSplit(source: source, reason: "index \(bad) is outside 0..<\(labels.count)")
        }
        if let shared = firstCommonElement(training, test) {
            throw DatasetError.invalidSplit(source: source, reason: "image \(shared) is in both the training and the test set")
        }
        var byClass = [[Int]](repeating: [], count: classCount)
        for index in training {
            guard (0..<classCount).contains(labels[index]) else {
                throw DatasetError.invalidLabel(source: source, index: index, reason: "label \(labels[index]) is outside 0..<\(classCount)")
            }
            byClass[labels[index]].append(index)
        }
        var validation: [Int] = []
        for (classLabel, members) in byClass.enumerated() where validationPerClass > 0 {
            guard members.count >= validationPerClass else {
                throw DatasetError.notEnoughImages(
                    source: source, classLabel: classLabel, needed: validationPerClass, available: members.count)
            }
            var generator = SeededSampling.generator(seed: seed, .officialValidation, [classLabel])
            validation += SeededSampling.shuffled(members, using: &generator).prefix(validationPerClass)
        }
        let held = Set(validation)
        let remaining = training.filter { !held.contains($0) }
        let split = Split(train: remaining, validation: validation, query: test, database: remaining, databaseIncludesTraining: true)
        try split.validate(imageCount: labels.count, source: source)
        return split
    }

    /// The official protocol on a data set whose official test images are a range of it (such as
    /// MNIST's last 10,000): the rest is the official training set. See
    /// ``official(labels:classCount:trainingIndices:testIndices:validationPerClass:seed:source:)``.
    public static func official(
        _ dataset: DigitsDataset, testRange: Range<Int>, validationPerClass: Int, seed: UInt64
    ) throws -> Split {
        guard testRange.lowerBound >= 0, testRange.upperBound <= dataset.count else {
            throw DatasetError.invalidSplit(source: dataset.name, reason: "test range \(testRange) is outside 0..<\(dataset.count)")
        }
        let training = Array(0..<testRange.lowerBound) + Array(testRange.upperBound..<dataset.count)
        return try official(
            labels: dataset.labels, classCount: dataset.classCount, trainingIndices: training, testIndices: Array(testRange),
            validationPerClass: validationPerClass, seed: seed, source: dataset.name)
    }

    /// The indices of each class, in increasing order.
    static func indicesByClass(labels: [Int], classCount: Int, source: String) throws -> [[Int]] {
        var byClass = [[Int]](repeating: [], count: classCount)
        for (index, label) in labels.enumerated() {
            guard (0..<classCount).contains(label) else {
                throw DatasetError.invalidLabel(source: source, index: index, reason: "label \(label) is outside 0..<\(classCount)")
            }
            byClass[label].append(index)
        }
        return byClass
    }
}

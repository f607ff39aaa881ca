import Foundation
import Testing

@testable import Datasets

private let mnistFetched = FileManager.default.fileExists(
    atPath: DataDirectory.resolved().appendingPathComponent(MNIST.spriteRelativePath).path)

@Suite("Data catalog")
struct CatalogTests {
    @Test("lists the data sets and domain pairs by name")
    func names() {
        #expect(
            DataCatalog.names == [
                "mnist", "fashion-mnist", "optdigits", "mfeat", "mfeat-framed", "embedded-digits", "color-mnist", "mnist-multi",
                "embedded-multi", "cifar10", "cifar100",
            ])
        #expect(
            DataCatalog.domainPairNames == [
                "optdigits-to-mfeat", "mfeat-to-optdigits", "mnist-to-mfeat", "mfeat-to-mnist", "mnist-to-mfeat-framed",
                "mfeat-framed-to-mnist", "mnist-to-color-mnist", "color-mnist-to-mnist",
            ])
        let listing = DataCatalog.listing
        for name in DataCatalog.names + DataCatalog.domainPairNames {
            #expect(listing.contains(name))
        }
        #expect(listing.contains("Scripts/fetch-photos.sh"))
        #expect(listing.contains("cifar10          60000 × 3×32×32, needs the CIFAR binary batches in data/cifar-10-batches-bin/: "))
        #expect(listing.contains("cifar100         60000 × 3×32×32, needs the CIFAR binary batches in data/cifar-100-binary/: "))
    }

    @Test("an unknown name gives one line listing the available names")
    func unknownName() {
        let available =
            "mnist, fashion-mnist, optdigits, mfeat, mfeat-framed, embedded-digits, color-mnist, mnist-multi, embedded-multi, cifar10, cifar100"
        expectDatasetError("unknownName", containing: ["\"svhn\"", available]) { try DataCatalog.load("svhn") }
        expectDatasetError("unknownName", containing: ["domain pair", "optdigits-to-mfeat"]) {
            try DataCatalog.domainPair("usps-to-mnist", seed: 0)
        }
    }

    @Test("the embedded entries load with the shape and count they announce")
    func embeddedEntries() throws {
        for entry in DataCatalog.entries where !entry.needsDownload {
            let dataset = try entry.load()
            #expect(dataset.count == entry.imageCount, "\(entry.name)")
            #expect(dataset.imageShape == entry.imageShape, "\(entry.name)")
            #expect(dataset.classCount == entry.classCount, "\(entry.name)")
        }
        let pair = try DataCatalog.domainPair("mfeat-to-optdigits", seed: 4)
        #expect(pair.source.count == 2_000 && pair.target.count == 1_797)
    }

    @Test("entries that need a download name their scripts when the files are missing")
    func missingDownloads() throws {
        try withTemporaryDirectory { directory in
            expectDatasetError("missingFile", containing: ["Scripts/fetch-mnist.sh"]) {
                try DataCatalog.load("mnist", dataDirectory: directory)
            }
            expectDatasetError("missingFile", containing: ["Scripts/fetch-photos.sh"]) {
                try DataCatalog.load("color-mnist", dataDirectory: directory)
            }
            expectDatasetError("missingFile", containing: ["Scripts/fetch-mnist.sh"]) {
                try DataCatalog.domainPair("mnist-to-mfeat", dataDirectory: directory, seed: 0)
            }
        }
    }

    /// `count` records in the CIFAR binary layout: label bytes from `labels`, then 3,072 pixel
    /// bytes that start with the record's global index `first + r` (so order can be checked).
    static func cifarRecords(first: Int, count: Int, labels: (Int) -> [UInt8]) -> [UInt8] {
        (first..<(first + count)).flatMap { index in
            labels(index) + (0..<(3 * 32 * 32)).map { UInt8(truncatingIfNeeded: index &+ $0 &* 3) }
        }
    }

    @Test("cifar10 and cifar100 load the binary batches: train then test, [3, 32, 32], official test range after 50,000")
    func cifarEntries() throws {
        try withTemporaryDirectory { directory in
            let ten = try DataCatalog.entry(named: "cifar10")
            #expect(ten.imageShape == [3, 32, 32] && ten.classCount == 10 && ten.imageCount == 60_000)
            #expect(ten.officialTestRange == 50_000..<60_000)
            #expect(ten.fetchScripts.isEmpty && ten.needsDownload)
            // Five images per file: data_batch_1 … data_batch_5, then test_batch.
            let tenFiles = (1...5).map { "data_batch_\($0).bin" } + ["test_batch.bin"]
            for (batch, file) in tenFiles.enumerated() {
                try write(
                    Self.cifarRecords(first: batch * 5, count: 5) { [UInt8($0 % 10)] },
                    to: directory.appendingPathComponent("cifar-10-batches-bin/\(file)"))
            }
            let cifar10 = try ten.load(dataDirectory: directory)
            #expect(cifar10.name == "cifar10" && cifar10.count == 30)
            #expect(cifar10.imageShape == [3, 32, 32] && cifar10.classCount == 10)
            #expect(cifar10.labels == (0..<30).map { $0 % 10 })
            #expect(cifar10.images == Self.cifarRecords(first: 0, count: 30) { _ in [] })
            #expect((0..<30).map { cifar10.image(at: $0).first! } == (0..<30).map(UInt8.init))

            let hundred = try DataCatalog.entry(named: "cifar100")
            #expect(hundred.imageShape == [3, 32, 32] && hundred.classCount == 100 && hundred.imageCount == 60_000)
            #expect(hundred.officialTestRange == 50_000..<60_000)
            #expect(hundred.fetchScripts.isEmpty && hundred.needsDownload)
            // Coarse label first, then fine; the entry keeps the fine one.
            let labels: (Int) -> [UInt8] = { [UInt8($0 % 20), UInt8($0 * 7 % 100)] }
            try write(
                Self.cifarRecords(first: 0, count: 5, labels: labels), to: directory.appendingPathComponent("cifar-100-binary/train.bin"))
            try write(
                Self.cifarRecords(first: 5, count: 3, labels: labels), to: directory.appendingPathComponent("cifar-100-binary/test.bin"))
            let cifar100 = try hundred.load(dataDirectory: directory)
            #expect(cifar100.name == "cifar100" && cifar100.count == 8 && cifar100.classCount == 100)
            #expect(cifar100.labels == (0..<8).map { $0 * 7 % 100 })
            #expect(cifar100.images == Self.cifarRecords(first: 0, count: 8) { _ in [] })
        }
    }

    @Test("a missing CIFAR file gives one error naming every file, where it goes, and the official download")
    func cifarMissing() throws {
        try withTemporaryDirectory { directory in
            let tenDirectory = directory.appendingPathComponent("cifar-10-batches-bin").path
            expectDatasetError(
                "missingFile",
                containing: [
                    "\(tenDirectory)/data_batch_1.bin: file not found",
                    "cifar10 needs data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin,"
                        + " test_batch.bin in \(tenDirectory)/",
                    "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", "extract it into \(directory.path)/",
                ]
            ) { try DataCatalog.load("cifar10", dataDirectory: directory) }
            expectDatasetError(
                "missingFile",
                containing: [
                    "cifar100 needs train.bin, test.bin in \(directory.appendingPathComponent("cifar-100-binary").path)/",
                    "missing: train.bin, test.bin", "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
                ]
            ) { try DataCatalog.load("cifar100", dataDirectory: directory) }
            // One file missing among the others: named alone.
            for file in (1...5).map({ "data_batch_\($0).bin" }) + ["test_batch.bin"] where file != "data_batch_3.bin" {
                try write(
                    Self.cifarRecords(first: 0, count: 1) { _ in [0] }, to: directory.appendingPathComponent("cifar-10-batches-bin/\(file)"))
            }
            expectDatasetError("missingFile", containing: ["data_batch_3.bin: file not found", "(missing: data_batch_3.bin)"]) {
                try DataCatalog.load("cifar10", dataDirectory: directory)
            }
        }
    }

    @Test("MNIST pairs: official test set as target queries, disjoint from the target training set", .enabled(if: mnistFetched))
    func mnistPairs() throws {
        let toMNIST = try DataCatalog.domainPair("mfeat-to-mnist", seed: 1)
        #expect(toMNIST.targetSplit.query == Array(55_000..<65_000))
        #expect(toMNIST.targetSplit.train.count == 55_000)
        #expect(toMNIST.source.imageShape == [1, 28, 28])
        let fromMNIST = try DataCatalog.domainPair("mnist-to-mfeat", seed: 1)
        #expect(fromMNIST.sourceSplit.train.count == 55_000 - 1_000)
        #expect(fromMNIST.sourceSplit.train.allSatisfy { $0 < 55_000 })
        #expect(fromMNIST.targetSplit.query.count == 200)
        let split = try Split.official(
            DataCatalog.load("mnist"), testRange: DataCatalog.entry(named: "mnist").officialTestRange!, validationPerClass: 100,
            seed: 1)
        #expect(split.query.count == 10_000 && split.validation.count == 1_000 && split.train.count == 54_000)
    }
}

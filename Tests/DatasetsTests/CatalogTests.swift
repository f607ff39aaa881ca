import Foundation
import Testing

@testable import Datasets

private let mnistFetched = FileManager.default.fileExists(
    atPath: DataDirectory.resolved().appendingPathComponent(MNIST.spriteRelativePath).path)

@Suite("Data catalog")
struct CatalogTests {
    @Test("lists the data sets and domain pairs by name")
    func names() {
        #expect(DataCatalog.names == ["mnist", "fashion-mnist", "optdigits", "mfeat", "embedded-digits", "color-mnist"])
        #expect(
            DataCatalog.domainPairNames == [
                "optdigits-to-mfeat", "mfeat-to-optdigits", "mnist-to-mfeat", "mfeat-to-mnist", "mnist-to-color-mnist",
                "color-mnist-to-mnist",
            ])
        let listing = DataCatalog.listing
        for name in DataCatalog.names + DataCatalog.domainPairNames {
            #expect(listing.contains(name))
        }
        #expect(listing.contains("Scripts/fetch-photos.sh"))
    }

    @Test("an unknown name gives one line listing the available names")
    func unknownName() {
        expectDatasetError("unknownName", containing: ["\"svhn\"", "mnist, fashion-mnist, optdigits, mfeat, embedded-digits, color-mnist"]) {
            try DataCatalog.load("svhn")
        }
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

import Foundation
import TestSupport
import Testing

@testable import Datasets

@Suite("CIFAR binary batches")
struct CIFARTests {
    struct Fixture: Decodable {
        struct Ten: Decodable {
            var file: String
            var images: String
            var labels: [Int]
        }
        struct Hundred: Decodable {
            var file: String
            var images: String
            var coarseLabels: [Int]
            var fineLabels: [Int]
        }
        var cifar10: Ten
        var cifar100: Hundred
    }

    static let fixture: Fixture = try! FormatFixtures.decode("cifar.json")

    @Test("A CIFAR-10 batch reads as [count, 3, 32, 32] images with the labels NumPy wrote")
    func cifar10() throws {
        let batch = try CIFAR10.readBatch(contentsOf: FormatFixtures.url(Self.fixture.cifar10.file))
        let expected = try NPYReader.read(contentsOf: FormatFixtures.url(Self.fixture.cifar10.images))
        #expect(batch.name == "cifar10-batch")
        #expect(batch.imageShape == [3, 32, 32] && batch.classCount == 10)
        #expect(batch.labels == Self.fixture.cifar10.labels)
        #expect(expected.shape == [4, 3, 32, 32])
        #expect(batch.images == expected.values(as: UInt8.self))
        #expect(CIFAR10.classNames[batch.labels[1]] == "truck")
    }

    @Test("A CIFAR-100 batch reads with fine or coarse labels")
    func cifar100() throws {
        let url = FormatFixtures.url(Self.fixture.cifar100.file)
        let fine = try CIFAR100.readBatch(contentsOf: url)
        let coarse = try CIFAR100.readBatch(contentsOf: url, labels: .coarse, name: "coarse")
        let expected = try NPYReader.read(contentsOf: FormatFixtures.url(Self.fixture.cifar100.images))
        #expect(fine.labels == Self.fixture.cifar100.fineLabels && fine.classCount == 100)
        #expect(coarse.labels == Self.fixture.cifar100.coarseLabels && coarse.classCount == 20 && coarse.name == "coarse")
        #expect(fine.images == expected.values(as: UInt8.self) && coarse.images == fine.images)
        let both = try CIFAR100.readLabels(DataFile.read(url))
        #expect(both.coarse == Self.fixture.cifar100.coarseLabels && both.fine == Self.fixture.cifar100.fineLabels)
    }

    @Test("The binary distributions' directory layouts load into train and test sets")
    func loadDirectories() throws {
        let ten = try DataFile.read(FormatFixtures.url(Self.fixture.cifar10.file))
        let hundred = try DataFile.read(FormatFixtures.url(Self.fixture.cifar100.file))
        try withTemporaryDirectory { directory in
            for (index, name) in CIFAR10.trainingFileNames.enumerated() {
                try write(Array(ten.prefix(CIFAR10.recordByteCount * (index % 4 + 1))), to: directory.appendingPathComponent(name))
            }
            try write(ten, to: directory.appendingPathComponent(CIFAR10.testFileName))
            let cifar = try CIFAR10.load(directory: directory)
            #expect(cifar.train.count == 1 + 2 + 3 + 4 + 1 && cifar.test.count == 4)
            #expect(cifar.train.name == "cifar10-train" && cifar.test.name == "cifar10-test")
            #expect(cifar.train.labels.prefix(3) == [0, 0, 9])

            try write(hundred, to: directory.appendingPathComponent(CIFAR100.trainingFileName))
            try write(Array(hundred.prefix(CIFAR100.recordByteCount)), to: directory.appendingPathComponent(CIFAR100.testFileName))
            let coarse = try CIFAR100.load(directory: directory, labels: .coarse)
            #expect(coarse.train.count == 3 && coarse.test.count == 1 && coarse.train.labels == [0, 19, 5])

            try FileManager.default.removeItem(at: directory.appendingPathComponent("data_batch_3.bin"))
            expectDatasetError("missingFile", containing: ["data_batch_3.bin"]) { try CIFAR10.load(directory: directory) }
        }
    }

    // MARK: - Robustness

    @Test("Partial records, empty files, bad labels and other formats give clear errors")
    func malformed() throws {
        let ten = try DataFile.read(FormatFixtures.url(Self.fixture.cifar10.file))
        for length in 1..<ten.count where length % CIFAR10.recordByteCount != 0 {
            let error = expectDatasetError("truncated", containing: ["cut.bin", "record \(length / CIFAR10.recordByteCount)"]) {
                try CIFAR10.readBatch(Array(ten.prefix(length)), source: "cut.bin")
            }
            if error == nil { break }
        }
        for length in stride(from: CIFAR10.recordByteCount, through: ten.count, by: CIFAR10.recordByteCount) {
            #expect(try CIFAR10.readBatch(Array(ten.prefix(length))).count == length / CIFAR10.recordByteCount)
        }
        expectDatasetError("truncated", containing: ["empty.bin", "empty"]) { try CIFAR10.readBatch([], source: "empty.bin") }
        expectDatasetError("truncated", containing: ["4 whole 3073-byte records and 1 byte of record 4, which needs 3072 more"]) {
            try CIFAR10.readBatch(ten + [0])
        }
        var badLabel = ten
        badLabel[2 * CIFAR10.recordByteCount] = 10
        expectDatasetError("invalidLabel", containing: ["index 2", "label 10 is outside 0..<10", "byte 6146"]) {
            try CIFAR10.readBatch(badLabel)
        }
        var hundred = try DataFile.read(FormatFixtures.url(Self.fixture.cifar100.file))
        hundred[CIFAR100.recordByteCount + 1] = 100
        expectDatasetError("invalidLabel", containing: ["index 1", "fine label 100 is outside 0..<100"]) {
            try CIFAR100.readBatch(hundred)
        }
        hundred[CIFAR100.recordByteCount + 1] = 5
        hundred[0] = 20
        expectDatasetError("invalidLabel", containing: ["index 0", "coarse label 20 is outside 0..<20"]) {
            try CIFAR100.readBatch(hundred, labels: .fine)
        }
        // A CIFAR-100 file read as CIFAR-10 does not divide into records.
        expectDatasetError("truncated") { try CIFAR10.readBatch(Array(repeating: 0, count: CIFAR100.recordByteCount * 3)) }
        // The files people pass by mistake.
        expectDatasetError("wrongMagic", containing: ["gzip data", "extract"]) {
            try CIFAR10.readBatch(Zlib.compress(ten, format: .gzip))
        }
        expectDatasetError("wrongMagic", containing: ["Python pickle", "binary version"]) {
            try CIFAR10.readBatch([0x80, 0x02, 0x7D, 0x71] + Array(repeating: 0, count: 3069))
        }
        var tar = [UInt8](repeating: 0, count: 1024)
        tar.replaceSubrange(0..<4, with: Array("cifa".utf8))
        tar.replaceSubrange(257..<262, with: Array("ustar".utf8))
        expectDatasetError("wrongMagic", containing: ["tar archive"]) { try CIFAR100.readBatch(tar) }
    }

    @Test("Random and mutated batches: only DatasetErrors, never a crash")
    func fuzz() throws {
        var counts = (succeeded: 0, failed: 0)
        let ten = try DataFile.read(FormatFixtures.url(Self.fixture.cifar10.file))
        let hundred = try DataFile.read(FormatFixtures.url(Self.fixture.cifar100.file))
        var generator = SeededGenerator(seed: 400)
        var inputs = FuzzInputs.randomInputs(seed: 401, count: 300, prefixes: [[], [0x80, 0x02], [0x1F, 0x8B]], maximumLength: 200)
        // Whole records of random bytes with mostly valid labels.
        inputs += (0..<300).map { _ -> [UInt8] in
            let records = Int.random(in: 0...3, using: &generator)
            var bytes = generator.bytes(count: records * CIFAR100.recordByteCount + Int.random(in: 0...2, using: &generator))
            for record in 0..<records { bytes[record * CIFAR100.recordByteCount] %= 24 }
            return bytes
        }
        inputs += FuzzInputs.mutations(of: ten, seed: 402, count: 300) + FuzzInputs.mutations(of: hundred, seed: 403, count: 300)
        for input in inputs {
            FormatFixtures.feed([input], counts: &counts) { _ = try CIFAR10.readBatch($0) }
            FormatFixtures.feed([input], counts: &counts) { _ = try CIFAR100.readBatch($0, labels: .coarse) }
        }
        #expect(counts.failed > 0 && counts.succeeded > 0, "\(counts)")
    }
}

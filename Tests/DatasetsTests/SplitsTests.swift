import Foundation
import Testing

@testable import Datasets

/// Labels with `perClass[c]` images of class `c`, interleaved (0, 1, 2, …, 0, 1, …) while classes last.
private func interleavedLabels(_ perClass: [Int]) -> [Int] {
    var remaining = perClass
    var labels: [Int] = []
    while remaining.contains(where: { $0 > 0 }) {
        for label in remaining.indices where remaining[label] > 0 {
            labels.append(label)
            remaining[label] -= 1
        }
    }
    return labels
}

/// Checks every rule of a split by brute force, independently of `Split.validate`.
private func expectDisjointRules(_ split: Split, imageCount: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    let sets = Split.Role.allCases.map { Set(split[$0]) }
    for role in Split.Role.allCases {
        #expect(Set(split[role]).count == split[role].count, "\(role) repeats an index", sourceLocation: sourceLocation)
        #expect(split[role].allSatisfy { (0..<imageCount).contains($0) }, sourceLocation: sourceLocation)
    }
    let (train, validation, query, database) = (sets[0], sets[1], sets[2], sets[3])
    #expect(query.isDisjoint(with: train), sourceLocation: sourceLocation)
    #expect(query.isDisjoint(with: validation), sourceLocation: sourceLocation)
    #expect(query.isDisjoint(with: database), sourceLocation: sourceLocation)
    #expect(validation.isDisjoint(with: train), sourceLocation: sourceLocation)
    #expect(validation.isDisjoint(with: database), sourceLocation: sourceLocation)
    if !split.databaseIncludesTraining {
        #expect(train.isDisjoint(with: database), sourceLocation: sourceLocation)
    }
}

@Suite("Splits")
struct SplitsTests {
    let labels = interleavedLabels([30, 25, 40, 28])

    @Test("per-class counts are exact, the sets disjoint, and the rest is the database")
    func perClassCounts() throws {
        let counts = PerClassProtocol(queryPerClass: 5, trainingPerClass: 10, validationPerClass: 3)
        let split = try Split.perClass(labels: labels, classCount: 4, counts: counts, seed: 42)
        expectDisjointRules(split, imageCount: labels.count)
        for classLabel in 0..<4 {
            let available = labels.filter { $0 == classLabel }.count
            #expect(split.query.filter { labels[$0] == classLabel }.count == 5)
            #expect(split.validation.filter { labels[$0] == classLabel }.count == 3)
            #expect(split.train.filter { labels[$0] == classLabel }.count == 10)
            #expect(split.database.filter { labels[$0] == classLabel }.count == available - 18)
        }
        // Every image is in exactly one set.
        #expect((split.train + split.validation + split.query + split.database).sorted() == Array(0..<labels.count))
        #expect(split.query == split.query.sorted())
    }

    @Test("a fixed database count per class, and the variant whose database includes training")
    func perClassVariants() throws {
        let fixed = try Split.perClass(
            labels: labels, classCount: 4,
            counts: PerClassProtocol(queryPerClass: 2, trainingPerClass: 4, databasePerClass: 6), seed: 1)
        #expect(fixed.database.count == 24)
        expectDisjointRules(fixed, imageCount: labels.count)

        let including = try Split.perClass(
            labels: labels, classCount: 4,
            counts: PerClassProtocol(queryPerClass: 5, trainingPerClass: 10, databaseIncludesTraining: true), seed: 1)
        expectDisjointRules(including, imageCount: labels.count)
        #expect(Set(including.train).isSubset(of: Set(including.database)))
        #expect(including.database.count == labels.count - including.query.count)
    }

    @Test("the same seed gives the same split; another seed another one")
    func stability() throws {
        let counts = PerClassProtocol(queryPerClass: 5, trainingPerClass: 10, validationPerClass: 2)
        let first = try Split.perClass(labels: labels, classCount: 4, counts: counts, seed: 7)
        let again = try Split.perClass(labels: labels, classCount: 4, counts: counts, seed: 7)
        let other = try Split.perClass(labels: labels, classCount: 4, counts: counts, seed: 8)
        #expect(first == again)
        #expect(first.query != other.query)
        #expect(first.train != other.train)
        // Pinned values: the shuffle is our own, so a toolchain change cannot move them.
        #expect(Array(first.query.prefix(6)) == [1, 3, 11, 14, 28, 29])
    }

    @Test("one class's draw does not depend on another class's images")
    func classIndependence() throws {
        let counts = PerClassProtocol(queryPerClass: 3, trainingPerClass: 5)
        let split = try Split.perClass(labels: labels, classCount: 4, counts: counts, seed: 3)
        // More images of class 3: classes 0, 1 and 2 keep exactly their sets.
        let extended = labels + [3, 3, 3, 3, 3]
        let other = try Split.perClass(labels: extended, classCount: 4, counts: counts, seed: 3)
        #expect(split.query.filter { labels[$0] < 3 } == other.query.filter { extended[$0] < 3 })
        #expect(split.train.filter { labels[$0] < 3 } == other.train.filter { extended[$0] < 3 })
    }

    @Test("a class with too few images gives a clear error naming the class")
    func notEnoughImages() throws {
        expectDatasetError("notEnoughImages", containing: ["class 1 has 25 images", "needs 26"]) {
            try Split.perClass(
                labels: labels, classCount: 4, counts: PerClassProtocol(queryPerClass: 6, trainingPerClass: 20), seed: 0,
                source: "toy")
        }
        expectDatasetError("notEnoughImages", containing: ["class 3 has 0 images"]) {
            try Split.perClass(labels: [0, 1, 2], classCount: 4, counts: PerClassProtocol(queryPerClass: 1, trainingPerClass: 0), seed: 0)
        }
        expectDatasetError("invalidConfiguration") {
            try Split.perClass(labels: labels, classCount: 4, counts: PerClassProtocol(queryPerClass: -1), seed: 0)
        }
    }

    @Test("official protocol: test images are the queries, training minus validation is train and database")
    func official() throws {
        let trainingCount = 90
        let split = try Split.official(
            labels: labels, classCount: 4, trainingIndices: Array(0..<trainingCount),
            testIndices: Array(trainingCount..<labels.count), validationPerClass: 2, seed: 5)
        expectDisjointRules(split, imageCount: labels.count)
        #expect(split.query == Array(trainingCount..<labels.count))
        #expect(split.train == split.database)
        #expect(split.databaseIncludesTraining)
        #expect(split.validation.count == 8)
        #expect(Set(split.train + split.validation) == Set(0..<trainingCount))
        for classLabel in 0..<4 {
            #expect(split.validation.filter { labels[$0] == classLabel }.count == 2)
        }
        let same = try Split.official(
            DigitsDataset(name: "toy", images: [UInt8](repeating: 0, count: labels.count), imageShape: [1, 1, 1], labels: labels, classCount: 4),
            testRange: trainingCount..<labels.count, validationPerClass: 2, seed: 5)
        #expect(same == split)
    }

    @Test("official protocol rejects overlapping training and test sets")
    func officialOverlap() throws {
        expectDatasetError("invalidSplit", containing: ["image 10", "training and the test set"]) {
            try Split.official(
                labels: labels, classCount: 4, trainingIndices: Array(0..<20), testIndices: Array(10..<30),
                validationPerClass: 0, seed: 0)
        }
        expectDatasetError("notEnoughImages") {
            try Split.official(
                labels: labels, classCount: 4, trainingIndices: Array(0..<8), testIndices: Array(8..<20),
                validationPerClass: 3, seed: 0)
        }
    }

    @Test("validate catches shared, repeated and out-of-range indices")
    func validation() throws {
        let good = Split(train: [0, 1], validation: [2], query: [3], database: [4, 5], databaseIncludesTraining: false)
        try good.validate(imageCount: 6, source: "toy")
        expectDatasetError("invalidSplit", containing: ["image 3", "query", "database"]) {
            try Split(train: [0], validation: [], query: [3], database: [3, 4], databaseIncludesTraining: true)
                .validate(imageCount: 6, source: "toy")
        }
        expectDatasetError("invalidSplit", containing: ["train and database"]) {
            try Split(train: [0, 1], validation: [], query: [], database: [1], databaseIncludesTraining: false)
                .validate(imageCount: 6, source: "toy")
        }
        try Split(train: [0, 1], validation: [], query: [], database: [1], databaseIncludesTraining: true)
            .validate(imageCount: 6, source: "toy")
        expectDatasetError("invalidSplit", containing: ["twice"]) {
            try Split(train: [1, 1], validation: [], query: [], database: [], databaseIncludesTraining: false)
                .validate(imageCount: 6, source: "toy")
        }
        expectDatasetError("invalidSplit", containing: ["outside 0..<6"]) {
            try Split(train: [6], validation: [], query: [], database: [], databaseIncludesTraining: false)
                .validate(imageCount: 6, source: "toy")
        }
    }

    @Test("a split survives a JSON round trip")
    func codable() throws {
        let split = try Split.perClass(labels: labels, classCount: 4, counts: PerClassProtocol(queryPerClass: 2, trainingPerClass: 3), seed: 9)
        let decoded = try JSONDecoder().decode(Split.self, from: JSONEncoder().encode(split))
        #expect(decoded == split)
    }

    @Test("domain pair: source train and validation, target queries never in its training set or database")
    func domainPair() throws {
        let source = try DigitsDataset(
            name: "source", images: [UInt8](repeating: 1, count: labels.count * 4), imageShape: [1, 2, 2], labels: labels,
            classCount: 4)
        let targetLabels = interleavedLabels([12, 12, 12, 12])
        let target = try DigitsDataset(
            name: "target", images: [UInt8](repeating: 2, count: targetLabels.count * 4), imageShape: [1, 2, 2],
            labels: targetLabels, classCount: 4)
        let pair = try DomainPair.make(
            name: "toy", source: source, target: target,
            protocol: DomainPairProtocol(sourceValidationPerClass: 2, targetQueryPerClass: 3), seed: 11)
        expectDisjointRules(pair.sourceSplit, imageCount: source.count)
        expectDisjointRules(pair.targetSplit, imageCount: target.count)
        #expect(pair.sourceSplit.validation.count == 8)
        #expect(pair.sourceSplit.train.count == labels.count - 8)
        #expect(pair.sourceSplit.query.isEmpty && pair.sourceSplit.database.isEmpty)
        #expect(pair.targetSplit.query.count == 12)
        #expect(pair.targetSplit.train == pair.targetSplit.database)
        #expect(pair.targetSplit.train.count == 36)
        let again = try DomainPair.make(
            name: "toy", source: source, target: target,
            protocol: DomainPairProtocol(sourceValidationPerClass: 2, targetQueryPerClass: 3), seed: 11)
        #expect(again.targetSplit == pair.targetSplit && again.sourceSplit == pair.sourceSplit)

        // The official protocol on the target: its test images are the queries.
        let official = try DomainPair.make(
            name: "toy", source: source, target: target,
            protocol: DomainPairProtocol(sourceValidationPerClass: 0, targetTestIndices: Array(40..<48)), seed: 11)
        #expect(official.targetSplit.query == Array(40..<48))
        #expect(official.targetSplit.train == Array(0..<40))
        #expect(official.sourceSplit.train == Array(0..<labels.count))
    }

    @Test("domain pair: different image shapes are rejected with a hint to resize")
    func domainPairShapes() throws {
        let first = try DigitsDataset(name: "a", images: [0, 0, 0, 0], imageShape: [1, 2, 2], labels: [0], classCount: 2)
        let second = try DigitsDataset(name: "b", images: [0], imageShape: [1, 1, 1], labels: [1], classCount: 2)
        expectDatasetError("unexpectedShape", containing: ["resized(to:)"]) {
            try DomainPair(
                name: "bad", source: first, target: second,
                sourceSplit: Split(train: [0], validation: [], query: [], database: [], databaseIncludesTraining: false),
                targetSplit: Split(train: [0], validation: [], query: [], database: [0], databaseIncludesTraining: true))
        }
    }

    @Test("the embedded pair optdigits → mfeat: real class counts and disjoint splits")
    func embeddedPair() throws {
        let pair = try EmbeddedDigits.domainPair(from: .optdigits, seed: 2)
        #expect(pair.name == "optdigits-to-mfeat")
        #expect(pair.source.imageShape == [1, 28, 28] && pair.target.imageShape == [1, 28, 28])
        #expect(pair.targetSplit.query.count == 200)
        #expect(pair.targetSplit.train.count == 1_800)
        #expect(pair.sourceSplit.train.count == 1_797 - 100)
        expectDisjointRules(pair.targetSplit, imageCount: pair.target.count)
        let reverse = try EmbeddedDigits.domainPair(from: .multipleFeatures, seed: 2)
        #expect(reverse.name == "mfeat-to-optdigits" && reverse.target.count == 1_797)
        #expect(pair.summary.contains("optdigits-to-mfeat"))
    }
}

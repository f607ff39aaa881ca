import Datasets
import Evaluation
import Foundation
import HashingServer
import HashingWorkflows
import Testing

/// `hashing serve`'s answers, in process: good requests against the index searched directly, and
/// every kind of bad request is a 4xx with a JSON error naming the problem, after which the
/// service still answers.
@Suite("hashing serve: the search service's handlers")
struct SearchServiceTests {
    let directory: URL
    let database = PackedCodes.random(count: 300, bitCount: 24, seed: 3)
    let labels = (0..<300).map { $0 % 7 }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hashing-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try CodeFile.write([CodeFile.Set(name: "database", codes: database, labels: labels)], to: codesURL)
        try HammingIndexFile(kind: .flat, substringCount: 0, codes: database).write(to: indexURL)
    }

    var codesURL: URL { directory.appendingPathComponent("codes.npz") }
    var indexURL: URL { directory.appendingPathComponent("db.hidx") }

    func json(_ reply: SearchService.Reply) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any])
    }

    @Test func healthAndPackedSearchesMatchTheIndex() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let service = try SearchService(index: indexURL, labels: (codesURL, "database"))
        let health = try json(service.health())
        #expect(service.health().status == 200 && health["codes"] as? Int == 300 && health["bits"] as? Int == 24)
        let queries = PackedCodes.random(count: 5, bitCount: 24, seed: 4)
        let expected = FlatHammingIndex(database).search(queries, k: 7)
        let reply = service.search(parameters: ["k": "7"], contentType: "application/octet-stream", body: queries.packbitsBytes())
        #expect(reply.status == 200)
        let results = try #require(try json(reply)["results"] as? [[String: Any]])
        #expect(results.count == 5)
        for (row, neighbours) in zip(results, expected) {
            #expect(row["ids"] as? [Int] == neighbours.map(\.index))
            #expect(row["distances"] as? [Int] == neighbours.map(\.distance))
            #expect(row["labels"] as? [Int] == neighbours.map { labels[$0.index] })
        }
        let withinRadius = FlatHammingIndex(database).search(queries, radius: 6)
        let radiusReply = service.search(parameters: ["radius": "6"], contentType: "application/octet-stream", body: queries.packbitsBytes())
        let radiusRows = try #require(try json(radiusReply)["results"] as? [[String: Any]])
        #expect(radiusRows.map { $0["ids"] as? [Int] ?? [-1] } == withinRadius.map { $0.map(\.index) })
    }

    @Test func badRequestsGetA4xxNamingTheProblemAndTheServiceKeepsAnswering() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let service = try SearchService(index: indexURL)
        let good = PackedCodes.random(count: 2, bitCount: 24, seed: 5).packbitsBytes()
        let cases: [([String: String], String?, [UInt8], Int, String)] = [
            (["k": "0"], "application/octet-stream", good, 400, "k must be"),
            (["k": "1001"], "application/octet-stream", good, 400, "k must be"),
            (["k": "ten"], "application/octet-stream", good, 400, "k must be"),
            (["radius": "-1"], "application/octet-stream", good, 400, "radius must be"),
            ([:], "application/octet-stream", Array(good.dropLast()), 400, "3 bytes each"),
            ([:], "application/octet-stream", [], 400, "3 bytes each"),
            ([:], "application/octet-stream", [0, 0, 0, 0, 0, 0xFF], 200, ""),  // 24 bits: no padding, any byte is valid
            ([:], "text/plain", good, 415, "content type 'text/plain'"),
            ([:], nil, good, 415, "content type ''"),
            ([:], "image/png", [0x89, 0x50, 0x4E, 0x47], 415, "cannot encode images"),
            ([:], "application/x-npy", [1, 2, 3], 415, "cannot encode images"),
        ]
        for (parameters, type, body, status, message) in cases {
            let reply = service.search(parameters: parameters, contentType: type, body: body)
            #expect(reply.status == status, "\(parameters) \(type ?? "nil")")
            if status != 200 {
                let error = try json(reply)["error"] as? String ?? ""
                #expect(error.contains(message), "\(error)")
            }
            #expect(service.search(parameters: [:], contentType: "application/octet-stream", body: good).status == 200)
        }
    }

    @Test func aCorruptOrMismatchedFileRefusesToStartWithOneLine() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        var bytes = try [UInt8](Data(contentsOf: indexURL))
        bytes[bytes.count / 2] ^= 0xFF
        let corrupt = directory.appendingPathComponent("corrupt.hidx")
        try Data(bytes).write(to: corrupt)
        let error = try #require(throws: WorkflowError.self) { _ = try SearchService(index: corrupt) }
        #expect("\(error)".contains("corrupt.hidx") && !"\(error)".contains("\n"))
        let truncated = directory.appendingPathComponent("truncated.hidx")
        try Data(bytes.prefix(20)).write(to: truncated)
        #expect(throws: WorkflowError.self) { _ = try SearchService(index: truncated) }
        let other = directory.appendingPathComponent("other.npz")
        try CodeFile.write(
            [CodeFile.Set(name: "database", codes: PackedCodes.random(count: 5, bitCount: 24, seed: 1), labels: [0, 1, 2, 3, 4])], to: other)
        #expect(throws: WorkflowError.self) { _ = try SearchService(index: indexURL, labels: (other, "database")) }
    }

    @Test func imagesAreEncodedByTheRunAndBadImagesAreRefused() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        var specification = RunSpecification()
        specification.dataset = "embedded-digits"
        specification.bits = 24
        specification.queryPerClass = 10
        specification.trainingPerClass = 20
        specification.validationPerClass = 5
        specification.trainer.epochs = 1
        specification.trainer.progress = .quiet
        let run = directory.appendingPathComponent("run")
        specification.trainer.outputDirectory = run.path
        let experiment = try Experiment(specification)
        _ = try experiment.train(resume: false)
        let service = try SearchService(index: indexURL, run: run)
        // Three real digits as a uint8 [3, 28, 28] .npy: the codes the run itself gives them.
        let dataset = experiment.dataset
        let pixels: [UInt8] = Array(dataset.images[0..<(3 * 28 * 28)])
        let array = NumpyArray(shape: [3, 28, 28], values: pixels)
        let expected = try experiment.encode(images: array, source: "test", domain: .source)
        let reply = service.search(parameters: ["k": "3"], contentType: "application/x-npy", body: NPYWriter.encode(array))
        #expect(reply.status == 200)
        let rows = try #require(try json(reply)["results"] as? [[String: Any]])
        #expect(rows.map { $0["ids"] as? [Int] ?? [] } == FlatHammingIndex(database).search(expected, k: 3).map { $0.map(\.index) })
        // The first digit as a PNG: the same neighbours as the first row of the .npy batch.
        let png = PNGEncoder().encode(DecodedImage(width: 28, height: 28, channels: 1, pixels: Array(pixels[0..<(28 * 28)])))
        let pngReply = service.search(parameters: ["k": "3"], contentType: "image/png", body: png)
        #expect(pngReply.status == 200)
        #expect((try json(pngReply)["results"] as? [[String: Any]])?.first?["ids"] as? [Int] == rows.first?["ids"] as? [Int])
        // Images of another size are resized to the run's, as `hashing encode --images` does; a shape that
        // is no image batch, no images, a corrupt .npy or a corrupt PNG: 400s naming the problem.
        let resized = NumpyArray(shape: [2, 14, 14], values: [UInt8](repeating: 200, count: 2 * 14 * 14))
        #expect(service.search(parameters: [:], contentType: "application/x-npy", body: NPYWriter.encode(resized)).status == 200)
        let notImages = NumpyArray(shape: [50], values: [UInt8](repeating: 0, count: 50))
        let noImages = NumpyArray(shape: [0, 28, 28], values: [UInt8]())
        for (type, body) in [
            ("application/x-npy", NPYWriter.encode(notImages)), ("application/x-npy", NPYWriter.encode(noImages)),
            ("application/x-npy", Array(NPYWriter.encode(array).prefix(40))),
            ("image/png", PNGDecoder.signature + [0, 0, 0, 13]),
        ] {
            let bad = service.search(parameters: [:], contentType: type, body: body)
            #expect(bad.status == 400, "\(type)")
            #expect((try json(bad)["error"] as? String)?.isEmpty == false)
        }
    }
}

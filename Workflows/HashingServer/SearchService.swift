import Datasets
import Evaluation
import Foundation
import HashingCore
import HashingWorkflows

/// What `hashing serve` answers, without HTTP: one index, its items' labels, and optionally a
/// trained run that turns images into codes. Every request gets a reply; bad input is a 4xx reply
/// whose JSON names the problem (`{"error": "..."}`), never a crash. Thread-safe: searches run
/// concurrently; encoding images is serialised (the engine's tape is per process).
///
/// `POST /search?k=10` or `?radius=r`, body by content type:
/// - `application/octet-stream`: packed codes, `numpy.packbits` order, `⌈K/8⌉` bytes per code;
/// - `application/x-npy`: images, uint8 `[N, H, W]` / `[N, C, H, W]` or float32 in [0, 1] (needs a run);
/// - `image/png`: one image (needs a run).
/// Reply: `{"results": [{"ids": [...], "distances": [...], "labels": [...]}]}`, one per query.
public final class SearchService: @unchecked Sendable {
    public struct Reply: Equatable, Sendable {
        public var status: Int
        public var body: [UInt8]

        public static func json(_ status: Int, _ object: Any) -> Reply {
            Reply(status: status, body: [UInt8]((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()))
        }

        public static func error(_ status: Int, _ message: String) -> Reply { json(status, ["error": message]) }
    }

    public let codes: PackedCodes
    public let labels: [Int]?
    let index: any HammingIndex
    let experiment: Experiment?
    let encoding = NSLock()
    /// The largest k a request may ask for, and the most queries in one request.
    public let maximumK: Int
    public let maximumQueries: Int

    /// - Parameters: the index file, the codes file set holding the indexed items' labels (optional),
    ///   and the run whose network encodes images (optional). A corrupt or mismatched file throws.
    public init(
        index indexURL: URL, labels: (codes: URL, set: String)? = nil, run: URL? = nil, dataDirectory: URL? = nil,
        maximumK: Int = 1_000, maximumQueries: Int = 1_024
    ) throws {
        let file: HammingIndexFile
        do {
            file = try HammingIndexFile.read(from: indexURL, expectedBitCount: nil)
        } catch {
            throw WorkflowError.invalid("\(indexURL.path): \(error)")
        }
        codes = file.codes
        index = file.kind == .flat ? FlatHammingIndex(file.codes) : MultiIndexHashing(file.codes, substringCount: file.substringCount)
        if let labels {
            let set = try CodeFile.read(labels.set, from: labels.codes)
            guard set.codes.count == file.codes.count else {
                throw WorkflowError.invalid(
                    "the index holds \(file.codes.count) codes but set '\(labels.set)' of \(labels.codes.path) has \(set.codes.count)")
            }
            self.labels = set.labels
        } else {
            self.labels = nil
        }
        if let run {
            let experiment = try Experiment.load(runDirectory: run, dataDirectory: dataDirectory ?? DataDirectory.resolved())
            try experiment.loadCheckpoint(nil)
            guard experiment.method.bitCount == file.codes.bitCount else {
                throw WorkflowError.invalid(
                    "the run encodes \(experiment.method.bitCount)-bit codes, the index holds \(file.codes.bitCount)-bit ones")
            }
            self.experiment = experiment
        } else {
            experiment = nil
        }
        self.maximumK = maximumK
        self.maximumQueries = maximumQueries
    }

    /// `GET /health`.
    public func health() -> Reply {
        .json(200, ["status": "ok", "codes": codes.count, "bits": codes.bitCount, "encodesImages": experiment != nil])
    }

    /// `POST /search`: `parameters` are the query string's (`k`, `radius`).
    public func search(parameters: [String: String], contentType: String?, body: [UInt8]) -> Reply {
        var k = 10
        var radius: Int?
        if let text = parameters["radius"] {
            guard let value = Int(text), value >= 0, value <= codes.bitCount else {
                return .error(400, "radius must be an integer in 0…\(codes.bitCount), got '\(text)'")
            }
            radius = value
        }
        if let text = parameters["k"] {
            guard let value = Int(text), value >= 1, value <= maximumK else {
                return .error(400, "k must be an integer in 1…\(maximumK), got '\(text)'")
            }
            k = value
        }
        let queries: PackedCodes
        do {
            queries = try decodeQueries(contentType: contentType, body: body)
        } catch let error as RequestError {
            return .error(error.status, error.message)
        } catch {
            return .error(400, "\(error)")
        }
        guard queries.count >= 1, queries.count <= maximumQueries else {
            return .error(400, "a request holds 1…\(maximumQueries) queries, got \(queries.count)")
        }
        let found = radius.map { index.search(queries, radius: $0, threads: 1) } ?? index.search(queries, k: k, threads: 1)
        let results: [[String: Any]] = found.map { neighbours in
            var row: [String: Any] = ["ids": neighbours.map(\.index), "distances": neighbours.map(\.distance)]
            if let labels { row["labels"] = neighbours.map { labels[$0.index] } }
            return row
        }
        return .json(200, ["results": results])
    }

    struct RequestError: Error {
        var status: Int
        var message: String
    }

    func decodeQueries(contentType: String?, body: [UInt8]) throws -> PackedCodes {
        let type = (contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch type {
        case "application/octet-stream":
            let row = codes.packedByteCount
            guard !body.isEmpty, body.count % row == 0 else {
                throw RequestError(status: 400, message: "packed codes take \(row) bytes each (\(codes.bitCount) bits); the body has \(body.count)")
            }
            do {
                return try PackedCodes(packbits: body, bitCount: codes.bitCount)
            } catch {
                throw RequestError(status: 400, message: "packed codes: \(error)")
            }
        case "application/x-npy", "image/png":
            guard let experiment else {
                throw RequestError(
                    status: 415, message: "this service has no trained run (start it with --run) and cannot encode images; send packed codes")
            }
            let array: NumpyArray
            if type == "image/png" {
                let image = try PNGDecoder(alphaHandling: .drop).decode(body, source: "the PNG body")
                // [1, C, H, W] from interleaved [H, W, C].
                var planar = [UInt8](repeating: 0, count: image.pixels.count)
                for y in 0..<image.height {
                    for x in 0..<image.width {
                        for c in 0..<image.channels {
                            planar[(c * image.height + y) * image.width + x] = image.pixels[(y * image.width + x) * image.channels + c]
                        }
                    }
                }
                array = NumpyArray(shape: [1, image.channels, image.height, image.width], values: planar)
            } else {
                array = try NPYReader.read(body, source: "the .npy body")
            }
            if let first = array.shape.first, first > maximumQueries {
                throw RequestError(status: 400, message: "a request holds 1…\(maximumQueries) queries, got \(first) images")
            }
            encoding.lock()
            defer { encoding.unlock() }
            let domain: Domain = experiment.target == nil ? .source : .target
            return try experiment.encode(images: array, source: "the request's images", domain: domain)
        default:
            throw RequestError(
                status: 415,
                message:
                    "content type '\(type)' is not one of application/octet-stream (packed codes), application/x-npy (images), image/png (one image)")
        }
    }
}

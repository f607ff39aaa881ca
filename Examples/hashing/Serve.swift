import ArgumentParser
import Foundation
import HashingServer
import Hummingbird

/// `hashing serve`: the search service over HTTP (Hummingbird 2). The answers come from
/// ``SearchService``; this is only the transport: routes, the body-size limit, graceful shutdown.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve an index over HTTP: POST /search (packed codes, .npy images or a PNG) → neighbours as JSON; GET /health.",
        discussion: """
            POST /search?k=10 (or ?radius=r) with Content-Type application/octet-stream (packed codes, numpy.packbits order, \\
            ceil(K/8) bytes each), application/x-npy (images; needs --run) or image/png (one image; needs --run). \\
            Replies {"results": [{"ids": [...], "distances": [...], "labels": [...]}]}; bad input gets a 4xx with \\
            {"error": "..."}. SIGTERM or SIGINT stops it after the requests in flight.
            """)

    @Option(help: "Index file from `hashing index`.") var index: String
    @Option(help: "Codes file whose set holds the indexed items' labels (optional).") var codes: String?
    @Option(help: "Set of --codes holding the indexed items.") var set = "database"
    @Option(name: .customLong("run"), help: "Trained run directory, to encode images sent to /search (optional).") var runDirectory: String?
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port.") var port = 8080
    @Option(help: "Largest request body in bytes; larger ones get 413.") var maxBody = 8 * 1024 * 1024
    @OptionGroup var data: DataOptions

    func run() async throws {
        let service: SearchService
        do {
            service = try SearchService(
                index: URL(fileURLWithPath: index), labels: codes.map { (URL(fileURLWithPath: $0), set) },
                run: runDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) }, dataDirectory: data.url)
        } catch {
            FileHandle.standardError.write(Data("hashing serve: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let limit = maxBody
        let router = Router()
        router.get("health") { _, _ in Self.response(service.health()) }
        router.post("search") { request, _ in
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: limit)
            } catch {
                return Self.response(SearchService.Reply.error(413, "the body exceeds the limit of \(limit) bytes"))
            }
            var parameters: [String: String] = [:]
            for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value) }
            let reply = service.search(
                parameters: parameters, contentType: request.headers[.contentType], body: [UInt8](body.readableBytesView))
            return Self.response(reply)
        }
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "hashing"))
        print("hashing serve: \(service.codes.count) codes of \(service.codes.bitCount) bits on http://\(host):\(port)")
        try await app.runService()
        print("hashing serve: stopped")
    }

    static func response(_ reply: SearchService.Reply) -> Response {
        Response(
            status: .init(code: reply.status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}

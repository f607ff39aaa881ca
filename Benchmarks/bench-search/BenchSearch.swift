// bench-search: our exact Hamming search against FAISS IndexBinaryFlat, on the same codes, in one run.
//
// 1. k-NN (k = 100) over 1,000,000 seeded random codes with 1,000 queries, one thread, at 256 and then
//    64 bits: our FlatHammingIndex vs FAISS IndexBinaryFlat (Python subprocess on the very same codes,
//    written to a temporary directory). Only the search calls are timed, best of --repeats on both
//    sides. Our top-k distances must equal FAISS's for every query; ids may differ only where FAISS
//    breaks a tie at the k-th distance differently (ours: smallest database index).
// 2. Radius-2 search over 1,000,000 clustered codes (codes near random centres): MultiIndexHashing vs
//    our flat scan, same queries, results checked identical; prints the speed-up.
// The last line is `hamming-knn-1M bits=64 threads=1 kernel=<ours> ours=<q/s> faiss=<q/s> faiss-level=<its SIMD level> ratio=<ours/faiss>`.
import ArgumentParser
import BenchSupport
import Evaluation
import Foundation

@main
struct BenchSearch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-search", abstract: "Exact Hamming k-NN and radius search: ours vs FAISS IndexBinaryFlat, same data, same run.")

    @Option(help: "Database codes.") var count = 1_000_000
    @Option(help: "Queries.") var queries = 1_000
    @Option(help: "Neighbors per query.") var k = 100
    @Option(help: "Seed of the random codes.") var seed: UInt64 = 20_240_611
    @Option(help: "Timed repetitions per measurement (best is reported).") var repeats = 3
    @Option(help: "Code widths for k-NN, comma-separated; the last one is printed last.") var bits = "256,64"
    @Option(help: "Python with faiss-cpu (see Scripts/setup-faiss.sh).") var python = ".venv-faiss/bin/python"
    @Option(help: "The FAISS side of the benchmark.") var faissScript = "Benchmarks/faiss/bench_faiss.py"
    @Flag(help: "Skip FAISS (prints ours only).") var skipFaiss = false
    @Option(
        help: "Popcount kernel of our k-NN scan: auto, portable, popcnt, avx2, avx512 (e.g. avx2 to measure the AVX2 path on an AVX-512 machine).")
    var kernel = "auto"
    @Option(help: "Radius of the multi-index benchmark.") var radius = 2
    @Option(help: "Code widths of the multi-index benchmark, comma-separated.") var mihBits = "64,256"
    @Option(help: "Cluster centres of the clustered codes.") var centres = 1_000
    @Option(help: "Expected bits in which a clustered code differs from its centre (bits/flips must be a power of 2).") var flips = 4
    @Option(help: "Substrings of the multi-index index for each --mih-bits width, comma-separated; 0 = bits / log2(count).")
    var substrings = "0,4"

    /// The kernel --kernel names (it must run on this CPU).
    func chosenKernel() throws -> HammingKernel {
        let names: [String: HammingKernel] = ["auto": .best, "portable": .portable, "popcnt": .popcnt, "avx2": .avx2, "avx512": .avx512]
        guard let chosen = names[kernel] else { throw ValidationError("--kernel: unknown kernel '\(kernel)' (auto, portable, popcnt, avx2, avx512)") }
        guard chosen.isSupported else { throw ValidationError("--kernel: this CPU cannot run the \(chosen) kernel") }
        return chosen
    }

    func run() throws {
        let knnKernel = try chosenKernel()
        let widths = bits.split(separator: ",").compactMap { Int($0) }
        print(
            "bench-search: k-NN kernel=\(knnKernel) (best on this CPU: \(HammingKernel.best)) count=\(count) queries=\(queries) k=\(k) seed=\(seed) repeats=\(repeats) threads=1; \(cpuDescription())"
        )
        let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-search-\(getpid())")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workDirectory) }

        var knnLines: [String] = []
        for (position, width) in widths.enumerated() {
            let line = try knn(bits: width, kernel: knnKernel, directory: workDirectory)
            if position == widths.count - 1 {
                knnLines.append(line)
            } else {
                print(line)
            }
            fflush(stdout)
        }
        let substringCounts = substrings.split(separator: ",").compactMap { Int($0) }
        for (position, width) in mihBits.split(separator: ",").compactMap({ Int($0) }).enumerated() {
            let m = position < substringCounts.count && substringCounts[position] > 0 ? substringCounts[position] : nil
            print(multiIndex(bits: width, substringCount: m))
            fflush(stdout)
        }
        for line in knnLines { print(line) }
    }

    // MARK: - k-NN against FAISS

    func knn(bits: Int, kernel: HammingKernel, directory: URL) throws -> String {
        let database = PackedCodes.random(count: count, bitCount: bits, seed: seed &+ UInt64(bits))
        let queryCodes = PackedCodes.random(count: queries, bitCount: bits, seed: seed &+ UInt64(bits) &+ 1)
        var (index, buildSeconds) = timed { FlatHammingIndex(database) }
        index.kernel = kernel
        _ = index.search(queryCodes[0..<min(10, queries)], k: k)  // warm-up
        var ours: [[HammingNeighbor]] = []
        let seconds = (0..<repeats).map { _ in timed { ours = index.search(queryCodes, k: k, threads: 1) }.1 }
        let oursRate = Double(queries) / seconds.min()!
        print(
            "  bits=\(bits) ours: build \(format(buildSeconds)) s, search \(seconds.map { format($0) }.joined(separator: " ")) s"
                + " (\(format(Double(queries) * Double(count) / seconds.min()! / 1e9)) G comparisons/s)")
        guard bits % 8 == 0 else { throw ValidationError("FAISS binary indexes need a multiple of 8 bits, got \(bits)") }
        guard !skipFaiss else { return "hamming-knn-1M bits=\(bits) threads=1 kernel=\(kernel) ours=\(format(oursRate)) faiss=nan ratio=nan" }

        let databaseURL = directory.appendingPathComponent("database-\(bits).bin")
        let queriesURL = directory.appendingPathComponent("queries-\(bits).bin")
        let distancesURL = directory.appendingPathComponent("distances-\(bits).bin")
        let idsURL = directory.appendingPathComponent("ids-\(bits).bin")
        try bytes(database).write(to: databaseURL)
        try bytes(queryCodes).write(to: queriesURL)
        let output = try runPython([
            faissScript, "--database", databaseURL.path, "--queries", queriesURL.path, "--bits", "\(bits)", "--k", "\(k)",
            "--repeats", "\(repeats)", "--threads", "1", "--distances-out", distancesURL.path, "--ids-out", idsURL.path,
        ])
        guard let json = output.split(separator: "\n").last.flatMap({ try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }),
            let faissRate = json["qps"] as? Double
        else { throw ValidationError("could not parse the FAISS output:\n\(output)") }
        let faissSeconds = (json["seconds"] as? [Double] ?? []).map { format($0) }.joined(separator: " ")
        print(
            "  bits=\(bits) faiss \(json["faiss"] ?? "?") (level \(json["level"] ?? "?") of \(json["simd"] ?? "?"), threads=\(json["threads"] ?? "?")): search \(faissSeconds) s"
        )

        let check = compare(ours: ours, database: database, queries: queryCodes, distancesURL: distancesURL, idsURL: idsURL)
        print("check-knn bits=\(bits) queries=\(queries) k=\(k) \(check)")
        return
            "hamming-knn-1M bits=\(bits) threads=1 kernel=\(kernel) ours=\(format(oursRate)) faiss=\(format(faissRate)) faiss-level=\(json["level"] ?? "?") ratio=\(format(oursRate / faissRate))"
    }

    /// Compares our results with FAISS's: per query the sorted distance lists must be equal, FAISS's
    /// ids must really be at the distances it reports, and the id sets must agree below the k-th distance.
    func compare(ours: [[HammingNeighbor]], database: PackedCodes, queries: PackedCodes, distancesURL: URL, idsURL: URL) -> String {
        guard let distanceData = try? Data(contentsOf: distancesURL), let idData = try? Data(contentsOf: idsURL) else {
            return "distances=unreadable"
        }
        let faissDistances = distanceData.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        let faissIds = idData.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
        let width = min(k, count)
        var distanceMismatches = 0, idMismatches = 0, wrongFaissDistances = 0, tiedAtKth = 0
        for q in 0..<ours.count {
            let theirs = (0..<width).map { Int(faissDistances[q * k + $0]) }
            let mine = ours[q].map(\.distance)
            if theirs.sorted() != mine { distanceMismatches += 1 }
            for j in 0..<width {
                let id = Int(faissIds[q * k + j])
                if id < 0 || id >= database.count || database.distance(id, to: queries, q) != theirs[j] { wrongFaissDistances += 1 }
            }
            let kth = mine.last ?? 0
            let mineBelow = Set(ours[q].filter { $0.distance < kth }.map(\.index))
            let theirsBelow = Set((0..<width).filter { theirs[$0] < kth }.map { Int(faissIds[q * k + $0]) })
            if mineBelow != theirsBelow { idMismatches += 1 }
            let mineAt = Set(ours[q].filter { $0.distance == kth }.map(\.index))
            let theirsAt = Set((0..<width).filter { theirs[$0] == kth }.map { Int(faissIds[q * k + $0]) })
            if mineAt != theirsAt { tiedAtKth += 1 }
        }
        let ok = distanceMismatches == 0 && idMismatches == 0 && wrongFaissDistances == 0
        return "distances=\(ok ? "equal" : "DIFFERENT") queries-with-different-distances=\(distanceMismatches)"
            + " ids-below-kth-differ=\(idMismatches) faiss-ids-at-wrong-distance=\(wrongFaissDistances)"
            + " queries-where-ties-at-kth-were-broken-differently=\(tiedAtKth)"
    }

    // MARK: - Multi-index hashing against the flat scan

    func multiIndex(bits: Int, substringCount: Int?) -> String {
        let exponent = (bits / flips).trailingZeroBitCount
        precondition(flips > 0 && bits % flips == 0 && (bits / flips).nonzeroBitCount == 1, "--flips must divide \(bits) by a power of 2")
        let centreCodes = PackedCodes.random(count: centres, bitCount: bits, seed: seed &+ 7 &* UInt64(bits))
        let database = clustered(centres: centreCodes, count: count, flipExponent: exponent, seed: seed &+ 11 &* UInt64(bits))
        let queryCodes = clustered(centres: centreCodes, count: queries, flipExponent: exponent, seed: seed &+ 13 &* UInt64(bits))
        let flat = FlatHammingIndex(database)
        let (mih, buildSeconds) = timed { MultiIndexHashing(flat, substringCount: substringCount) }
        _ = flat.search(queryCodes[0..<min(10, queries)], radius: radius)
        _ = mih.search(queryCodes[0..<min(10, queries)], radius: radius)
        var flatResults: [[HammingNeighbor]] = [], mihResults: [[HammingNeighbor]] = []
        var flatSeconds: [Double] = [], mihSeconds: [Double] = []
        for _ in 0..<repeats {  // interleaved, so that a busy moment of the machine hits both alike
            flatSeconds.append(timed { flatResults = flat.search(queryCodes, radius: radius, threads: 1) }.1)
            mihSeconds.append(timed { mihResults = mih.search(queryCodes, radius: radius, threads: 1) }.1)
        }
        let flatRate = Double(queries) / flatSeconds.min()!, mihRate = Double(queries) / mihSeconds.min()!
        let found = Double(flatResults.reduce(0) { $0 + $1.count }) / Double(max(1, queries))
        print(
            "  bits=\(bits) clustered: \(centres) centres, each bit flipped with p=1/\(1 << exponent); m=\(mih.substringCount)"
                + " probes/query=\(Int(mih.probeCount(mih.probeRadii(forRadius: radius)))) build \(format(buildSeconds)) s;"
                + " flat \(flatSeconds.map { format($0) }.joined(separator: " ")) s, mih \(mihSeconds.map { format($0) }.joined(separator: " ")) s")
        return "mih-radius-1M bits=\(bits) m=\(mih.substringCount) radius=\(radius) threads=1 flat=\(format(flatRate)) mih=\(format(mihRate))"
            + " speedup=\(format(mihRate / flatRate)) results/query=\(format(found)) identical=\(flatResults == mihResults ? "yes" : "NO")"
    }

    /// `count` codes, each a random centre with every bit flipped with probability 2^-flipExponent
    /// (the AND of flipExponent random words).
    func clustered(centres: PackedCodes, count: Int, flipExponent: Int, seed: UInt64) -> PackedCodes {
        let w = centres.wordsPerCode
        let noise = PackedCodes.random(count: count * flipExponent + count, bitCount: 64 * w, seed: seed)
        var words = [UInt64](repeating: 0, count: count * w)
        let lastMask: UInt64 = centres.bitCount % 64 == 0 ? ~0 : (1 << UInt64(centres.bitCount % 64)) - 1
        for i in 0..<count {
            let centre = Int(noise.words[(count * flipExponent + i) * w] % UInt64(centres.count))
            for j in 0..<w {
                var flips = ~UInt64(0)
                for e in 0..<flipExponent { flips &= noise.words[(i * flipExponent + e) * w + j] }
                words[i * w + j] = (centres.words[centre * w + j] ^ flips) & (j == w - 1 ? lastMask : ~0)
            }
        }
        return try! PackedCodes(words: words, bitCount: centres.bitCount)
    }

    // MARK: - Helpers

    func timed<T>(_ body: () -> T) -> (T, Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let value = body()
        return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    func format(_ value: Double) -> String { value >= 100 ? String(format: "%.0f", value) : String(format: "%.3g", value) }

    /// The codes as FAISS's uint8 rows, `bitCount / 8` bytes each: the little-endian bytes of the words,
    /// which is FAISS's bit order (bit j of a code is bit j % 8 of byte j / 8).
    func bytes(_ codes: PackedCodes) -> Data {
        let bytesPerCode = codes.bitCount / 8
        var data = Data(capacity: codes.count * bytesPerCode)
        for i in 0..<codes.count {
            var row: [UInt8] = []
            for word in codes[i] { withUnsafeBytes(of: word.littleEndian) { row.append(contentsOf: $0) } }
            data.append(contentsOf: row.prefix(bytesPerCode))
        }
        return data
    }

    func runPython(_ arguments: [String]) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ValidationError("\(python) not found: run Scripts/setup-faiss.sh (or pass --python, or --skip-faiss)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_NUM_THREADS"] = "1"
        // With our AVX2 kernel forced on a machine that has more, FAISS runs its AVX2 level too:
        // both sides then do what they would on a machine without AVX-512.
        if (try? chosenKernel()) == .avx2, HammingKernel.best != .avx2 { environment["FAISS_SIMD_LEVEL"] = "AVX2" }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("FAISS benchmark failed (status \(process.terminationStatus)):\n\(output)")
        }
        return output
    }
}

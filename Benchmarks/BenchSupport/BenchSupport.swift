import Foundation
import TensorCore

/// A peer benchmark that could not be measured.
public struct PeerBenchmarkError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// The thread counts of a `--threads 1,2` option, or an error naming the option.
public func threadCounts(_ text: String) throws -> [Int] {
    let counts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
        throw PeerBenchmarkError(description: "--threads must list positive integers, got '\(text)'")
    }
    return counts.compactMap { $0 }
}

/// The arguments both peer scripts (Benchmarks/pytorch) take.
public func peerArguments(threads: Int, batchSize: Int, steps: Int, warmup: Int, repeats: Int) -> [String] {
    ["--threads", "\(threads)", "--batch-size", "\(batchSize)", "--steps", "\(steps)", "--warmup", "\(warmup)", "--repeats", "\(repeats)"]
}

/// Runs a Python peer benchmark (`python script arguments…`) with `threads` OpenMP/MKL threads and
/// returns the number its last output line holds.
public func runPythonBenchmark(python: String, script: String, arguments: [String], threads: Int) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [script] + arguments
    var environment = ProcessInfo.processInfo.environment
    environment["OMP_NUM_THREADS"] = "\(threads)"
    environment["MKL_NUM_THREADS"] = "\(threads)"
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let text = String(data: output, encoding: .utf8),
        let last = text.split(separator: "\n").last, let value = Double(last.trimmingCharacters(in: .whitespaces))
    else {
        throw PeerBenchmarkError(description: "the peer benchmark (\(python) \(script)) failed with status \(process.terminationStatus)")
    }
    return value
}

/// The CPU model, the SIMD features that matter to the kernels, the core count and the BLAS
/// kernels in use, for the line printed beside every figure.
public func cpuDescription() -> String {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "cpu=unknown" }
    let lines = info.split(separator: "\n")
    // The value of the first line whose key is exactly `name`.
    func field(_ name: String) -> String {
        for line in lines {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown"
    }
    // Virtual machines often mask the model name ("AMD EPYC"); family and model still tell the
    // microarchitecture apart (family 25 model 1 is Zen 3, family 6 model 207 Emerald Rapids).
    let flags = Set(field("flags").split(separator: " ").map(String.init))
    let features = ["avx2", "fma", "avx512f", "avx512bw", "avx512_vpopcntdq"].filter(flags.contains)
    return
        "cpu=\"\(field("model name"))\" family=\(field("cpu family")) model=\(field("model")) features=\(features.joined(separator: ",")) cores=\(ProcessInfo.processInfo.activeProcessorCount) blas=\(Engine.blasCore)"
}

/// Peak resident memory in MB (`getrusage`'s maximum RSS) of this process, and of the largest
/// child process that has finished (the PyTorch peers), or nil where the platform does not say.
public func peakMemoryMegabytes() -> (process: Int, largestChild: Int)? {
    #if os(Linux)
        var own = rusage()
        var children = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &own) == 0, getrusage(RUSAGE_CHILDREN.rawValue, &children) == 0 else { return nil }
        return (own.ru_maxrss / 1024, children.ru_maxrss / 1024)  // kilobytes on Linux
    #else
        return nil
    #endif
}

import Evaluation
import Foundation

/// A source of images by index, read in chunks (so large sets never sit in memory as one tensor).
public protocol ImageSource {
    /// The number of images.
    var count: Int { get }
    /// Class labels where known (queries and database items of a retrieval split always have them).
    var labels: [Int]? { get }
    /// Images `start..<end` as `[n, C, H, W]`, scaled as the backbone expects.
    func images(_ range: Range<Int>) -> Tensor
}

/// The batches the trainer feeds a method. Epoch `e` must give the same batches every time it is
/// asked for (shuffled by a seed and the epoch number), so a resumed run repeats an uninterrupted
/// one exactly.
public protocol TrainingBatches {
    /// Steps per epoch.
    var stepsPerEpoch: Int { get }
    /// The batches of epoch `epoch`, in order.
    func batches(epoch: Int) -> AnySequence<TrainingBatch>
    /// All training images of `domain` (for methods that need a pass over the whole set before
    /// an epoch), or `nil` when the domain is absent.
    func trainingImages(of domain: Domain) -> ImageSource?
}

/// Validation data: queries searched against a database, both from held-out or training images
/// but never from the test queries.
public struct ValidationSet {
    public var queries: ImageSource
    public var database: ImageSource
    /// The domain the images come from (the target domain in domain adaptation).
    public var domain: Domain

    public init(queries: ImageSource, database: ImageSource, domain: Domain = .source) {
        precondition(queries.labels != nil && database.labels != nil, "ValidationSet: queries and database need labels")
        self.queries = queries
        self.database = database
        self.domain = domain
    }
}

/// The loop's settings.
public struct TrainerConfiguration: Codable, Equatable {
    /// Training epochs.
    public var epochs: Int = 10
    /// Epochs at which every optimizer's learning rate is multiplied by ``learningRateGamma``.
    public var learningRateMilestones: [Int] = []
    public var learningRateGamma: Float = 0.1
    /// Validate every this many epochs (and after the last).
    public var validateEvery: Int = 1
    /// mAP@K cut-off used for model selection on the validation split (0 = mAP@all).
    public var validationTopK: Int = 0
    /// Where checkpoints and the training log go.
    public var outputDirectory: String = "runs/latest"
    /// Progress: `auto` (a live line on a terminal, plain lines otherwise), `lines`, `quiet`.
    public var progress: ProgressStyle = .auto

    public enum ProgressStyle: String, Codable, Sendable { case auto, lines, quiet }

    public init() {}

    public func validate() throws {
        guard epochs >= 1 else { throw TrainingError.invalidData("epochs must be at least 1, got \(epochs)") }
        guard validateEvery >= 1 else { throw TrainingError.invalidData("validateEvery must be at least 1") }
        guard learningRateGamma > 0 else { throw TrainingError.invalidData("learningRateGamma must be positive") }
        guard validationTopK >= 0 else { throw TrainingError.invalidData("validationTopK must be ≥ 0") }
    }

    /// The factor on base learning rates during `epoch`.
    public func learningRateFactor(epoch: Int) -> Float {
        Foundation.pow(learningRateGamma, Float(learningRateMilestones.filter { $0 <= epoch }.count))
    }
}

/// What a training run produced.
public struct TrainingSummary: Codable, Equatable {
    public var epochsCompleted: Int
    public var bestEpoch: Int?
    public var bestValidationMAP: Double?
    public var validationMAPByEpoch: [Double?]
    public var lastCheckpoint: String
    public var bestCheckpoint: String?
    public var seconds: Double
}

/// The training loop every method shares: epochs, learning-rate schedule, per-step updates
/// through the method, validation mAP, best and last checkpoints, resumption and progress.
///
/// Checkpoints (`last.safetensors`, `best.safetensors` in the output directory) hold the
/// network's parameters and buffers and every optimizer's state, written atomically after each
/// epoch. Resuming loads `last.safetensors` and continues with the next epoch; because an epoch's
/// batches depend only on the seed and the epoch number, the result equals an uninterrupted run.
public final class Trainer {
    public let method: any HashingMethod
    public let data: any TrainingBatches
    public let validation: ValidationSet?
    public let configuration: TrainerConfiguration
    /// Extra metadata written into checkpoints (method name, its configuration, data set, …).
    public var metadata: [String: String]
    private let output: URL
    private let progress: ProgressPrinter

    public init(
        method: any HashingMethod, data: any TrainingBatches, validation: ValidationSet?, configuration: TrainerConfiguration,
        metadata: [String: String] = [:]
    ) throws {
        try configuration.validate()
        self.method = method
        self.data = data
        self.validation = validation
        self.configuration = configuration
        self.metadata = metadata
        self.output = URL(fileURLWithPath: configuration.outputDirectory, isDirectory: true)
        self.progress = ProgressPrinter(style: configuration.progress)
    }

    public var lastCheckpointURL: URL { output.appendingPathComponent("last.safetensors") }
    public var bestCheckpointURL: URL { output.appendingPathComponent("best.safetensors") }

    /// Runs the remaining epochs. With `resume`, continues from `last.safetensors` when it exists.
    ///
    /// - Parameter stoppingAfterEpoch: stop once this many epochs are complete, as an
    ///   interruption would (the checkpoints are those of an interrupted run).
    @discardableResult
    public func run(resume: Bool = false, stoppingAfterEpoch: Int? = nil) throws -> TrainingSummary {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let start = Date()
        var state = RunState()
        if resume, FileManager.default.fileExists(atPath: lastCheckpointURL.path) {
            state = try loadCheckpoint(lastCheckpointURL)
            progress.line("resuming after epoch \(state.epochsCompleted) from \(lastCheckpointURL.path)")
        }
        let steps = data.stepsPerEpoch
        let end = min(configuration.epochs, stoppingAfterEpoch ?? configuration.epochs)
        for epoch in state.epochsCompleted..<max(end, state.epochsCompleted) {
            let factor = configuration.learningRateFactor(epoch: epoch)
            for entry in method.optimizers { entry.optimizer.learningRate = entry.baseLearningRate * factor }
            try method.prepareEpoch(epoch) { domain in self.encodeTraining(domain) }
            method.network.train(true)
            var sums: [(String, Double)] = []
            var images = 0
            let epochStart = Date()
            for (step, batch) in data.batches(epoch: epoch).enumerated() {
                let terms = try method.trainingStep(
                    batch, progress: TrainingProgress(epoch: epoch, epochCount: configuration.epochs, step: step, stepsPerEpoch: steps))
                if sums.isEmpty { sums = terms.map { ($0.name, 0) } }
                for (index, term) in terms.enumerated() where index < sums.count { sums[index].1 += Double(term.value) }
                images += batch.source.images.shape[0] + (batch.target?.images.shape[0] ?? 0)
                progress.step(
                    epoch: epoch, epochs: configuration.epochs, step: step + 1, steps: steps, terms: terms, images: images,
                    elapsed: Date().timeIntervalSince(epochStart))
            }
            let means = sums.map { ($0.0, $0.1 / Double(max(steps, 1))) }
            var validationMAP: Double?
            if let validation, (epoch + 1) % configuration.validateEvery == 0 || epoch + 1 == configuration.epochs {
                validationMAP = try evaluate(validation)
            }
            state.epochsCompleted = epoch + 1
            state.validationMAPByEpoch.append(validationMAP)
            if let validationMAP, state.bestValidationMAP == nil || validationMAP > state.bestValidationMAP! {
                state.bestValidationMAP = validationMAP
                state.bestEpoch = epoch + 1
                try saveCheckpoint(bestCheckpointURL, state: state)
            }
            try saveCheckpoint(lastCheckpointURL, state: state)
            progress.epoch(
                epoch: epoch, epochs: configuration.epochs, means: means, validationMAP: validationMAP, seconds: Date().timeIntervalSince(epochStart))
        }
        return TrainingSummary(
            epochsCompleted: state.epochsCompleted, bestEpoch: state.bestEpoch, bestValidationMAP: state.bestValidationMAP,
            validationMAPByEpoch: state.validationMAPByEpoch, lastCheckpoint: lastCheckpointURL.path,
            bestCheckpoint: state.bestEpoch == nil ? nil : bestCheckpointURL.path, seconds: Date().timeIntervalSince(start))
    }

    /// Validation mAP (mAP@all, or mAP@K when configured), with ties broken by database index.
    public func evaluate(_ validation: ValidationSet) throws -> Double {
        let queries = encodeCodes(method: method, source: validation.queries, domain: validation.domain)
        let database = encodeCodes(method: method, source: validation.database, domain: validation.domain)
        let evaluator = try RetrievalEvaluator(
            queries: queries, queryLabels: RelevanceLabels(classes: validation.queries.labels!),
            database: database, databaseLabels: RelevanceLabels(classes: validation.database.labels!))
        let topK = configuration.validationTopK == 0 ? database.count : min(configuration.validationTopK, database.count)
        return try evaluator.meanAveragePrecision(topK: topK)
    }

    private func encodeTraining(_ domain: Domain) -> (outputs: Tensor, labels: [Int]?) {
        guard let source = data.trainingImages(of: domain) else { return (Tensor.zeros([0, method.bitCount]), nil) }
        return (encodeOutputs(method: method, source: source, domain: domain), source.labels)
    }

    // MARK: Checkpoints

    struct RunState {
        var epochsCompleted = 0
        var bestEpoch: Int?
        var bestValidationMAP: Double?
        var validationMAPByEpoch: [Double?] = []
    }

    private func saveCheckpoint(_ url: URL, state: RunState) throws {
        var tensors = method.network.stateDictionary().reduce(into: [String: Tensor]()) { $0["network.\($1.key)"] = $1.value }
        for entry in method.optimizers {
            for (key, value) in entry.optimizer.stateTensors() { tensors["optimizer.\(entry.name).\(key)"] = value }
        }
        var meta = metadata
        meta["epochsCompleted"] = String(state.epochsCompleted)
        meta["bestEpoch"] = state.bestEpoch.map(String.init) ?? ""
        meta["bestValidationMAP"] = state.bestValidationMAP.map { String($0) } ?? ""
        meta["validationMAPByEpoch"] = state.validationMAPByEpoch.map { $0.map { String($0) } ?? "-" }.joined(separator: ",")
        meta["bitCount"] = String(method.bitCount)
        meta["binarization"] = method.binarization.rawValue
        try SafeTensors.write(tensors, to: url, metadata: meta)
    }

    private func loadCheckpoint(_ url: URL) throws -> RunState {
        let (tensors, meta) = try SafeTensors.readWithMetadata(from: url)
        try Trainer.restore(method: method, from: tensors)
        var state = RunState()
        state.epochsCompleted = Int(meta["epochsCompleted"] ?? "") ?? 0
        state.bestEpoch = Int(meta["bestEpoch"] ?? "")
        state.bestValidationMAP = Double(meta["bestValidationMAP"] ?? "")
        state.validationMAPByEpoch = (meta["validationMAPByEpoch"] ?? "").split(separator: ",").map { Double($0) }
        return state
    }

    /// Loads a trainer checkpoint's network (strictly) and optimizer states into `method`.
    public static func restore(method: any HashingMethod, from tensors: [String: Tensor], includeOptimizers: Bool = true) throws {
        var network: [String: Tensor] = [:]
        var optimizerStates: [String: [String: Tensor]] = [:]
        for (key, value) in tensors {
            if key.hasPrefix("network.") {
                network[String(key.dropFirst("network.".count))] = value
            } else if key.hasPrefix("optimizer.") {
                let rest = key.dropFirst("optimizer.".count)
                guard let dot = rest.firstIndex(of: ".") else { throw CheckpointError.unexpectedTensor(key) }
                optimizerStates[String(rest[..<dot]), default: [:]][String(rest[rest.index(after: dot)...])] = value
            } else {
                throw CheckpointError.unexpectedTensor(key)
            }
        }
        try method.network.loadStateDictionary(network, strict: true)
        guard includeOptimizers else { return }
        for entry in method.optimizers {
            guard let state = optimizerStates[entry.name] else { throw CheckpointError.missingTensor("optimizer.\(entry.name).step") }
            try entry.optimizer.loadState(state)
        }
    }
}

/// Continuous outputs `[N, bitCount]` of `method` for every image of `source`, in chunks.
public func encodeOutputs(method: any HashingMethod, source: ImageSource, domain: Domain, chunkSize: Int = 500) -> Tensor {
    var rows: [Float] = []
    rows.reserveCapacity(source.count * method.bitCount)
    for start in stride(from: 0, to: source.count, by: chunkSize) {
        let outputs = method.encode(source.images(start..<min(start + chunkSize, source.count)), domain: domain)
        outputs.withUnsafeScalars { rows.append(contentsOf: $0) }
    }
    return Tensor(shape: [source.count, method.bitCount], scalars: rows)
}

/// Packed binary codes of every image of `source`.
public func encodeCodes(method: any HashingMethod, source: ImageSource, domain: Domain) -> PackedCodes {
    PackedCodes(bits: method.binarization.bits(encodeOutputs(method: method, source: source, domain: domain)), bitCount: method.bitCount)
}

/// Progress output: a live line on a terminal, plain log lines otherwise.
final class ProgressPrinter {
    private let live: Bool
    private let quiet: Bool
    private var lastLine = Date.distantPast

    init(style: TrainerConfiguration.ProgressStyle) {
        quiet = style == .quiet
        live = style == .auto && isatty(STDOUT_FILENO) != 0
    }

    func line(_ text: String) {
        guard !quiet else { return }
        if live { print("\r\u{1B}[K", terminator: "") }
        print(text)
        fflush(stdout)
    }

    func step(epoch: Int, epochs: Int, step: Int, steps: Int, terms: [(name: String, value: Float)], images: Int, elapsed: Double) {
        guard live, !quiet else { return }
        let now = Date()
        guard now.timeIntervalSince(lastLine) > 0.2 || step == steps else { return }
        lastLine = now
        let remainingSteps = Double((epochs - epoch - 1) * steps + (steps - step))
        let eta = formatDuration(remainingSteps * elapsed / Double(max(step, 1)))
        let loss = terms.map { "\($0.name) \(String(format: "%.4f", $0.value))" }.joined(separator: "  ")
        let rate = String(format: "%.0f", Double(images) / max(elapsed, 1e-9))
        print("\r\u{1B}[Kepoch \(epoch + 1)/\(epochs)  step \(step)/\(steps)  \(loss)  \(rate) images/s  ETA \(eta)", terminator: "")
        fflush(stdout)
    }

    func epoch(epoch: Int, epochs: Int, means: [(String, Double)], validationMAP: Double?, seconds: Double) {
        let loss = means.map { "\($0.0) \(String(format: "%.4f", $0.1))" }.joined(separator: "  ")
        let validation = validationMAP.map { String(format: "  validation mAP %.4f", $0) } ?? ""
        line("epoch \(epoch + 1)/\(epochs)  \(loss)\(validation)  \(String(format: "%.1f", seconds)) s")
    }
}

/// `1h02m`, `3m05s`, `42s`.
func formatDuration(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    if total >= 3600 { return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60) }
    if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
    return "\(total)s"
}

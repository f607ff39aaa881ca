import Foundation
import NeuralNet
import TensorCore

extension Trainer {
    /// What a checkpoint records of the loop besides tensors.
    struct RunState {
        var epochsCompleted = 0
        var bestEpoch: Int?
        var bestValidationMAP: Double?
        var history: [EpochRecord] = []
    }

    func saveCheckpoint(_ url: URL, state: RunState) throws {
        var tensors = method.network.stateDictionary().reduce(into: [String: Tensor]()) { $0["network.\($1.key)"] = $1.value }
        for entry in method.optimizers {
            for (key, value) in entry.optimizer.stateTensors() { tensors["optimizer.\(entry.name).\(key)"] = value }
        }
        var meta = metadata
        meta["epochsCompleted"] = String(state.epochsCompleted)
        meta["bestEpoch"] = state.bestEpoch.map(String.init) ?? ""
        meta["bestValidationMAP"] = state.bestValidationMAP.map { String($0) } ?? ""
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // the same history gives the same bytes (diffable checkpoints)
        meta["history"] = String(decoding: try encoder.encode(state.history), as: UTF8.self)
        meta["bitCount"] = String(method.bitCount)
        meta["binarization"] = method.binarization.rawValue
        try SafeTensors.write(tensors, to: url, metadata: meta)
    }

    func loadCheckpoint(_ url: URL) throws -> RunState {
        let (tensors, meta) = try SafeTensors.readWithMetadata(from: url)
        try Trainer.restore(method: method, from: tensors)
        var state = RunState()
        state.epochsCompleted = Int(meta["epochsCompleted"] ?? "") ?? 0
        state.bestEpoch = Int(meta["bestEpoch"] ?? "")
        state.bestValidationMAP = Double(meta["bestValidationMAP"] ?? "")
        if let history = meta["history"] {
            do {
                state.history = try JSONDecoder().decode([EpochRecord].self, from: Data(history.utf8))
            } catch {
                throw TrainingError.invalidData("\(url.path): the checkpoint's training history is not readable (\(error))")
            }
        }
        guard state.history.count == state.epochsCompleted else {
            throw TrainingError.invalidData(
                "\(url.path): \(state.history.count) epochs of history for \(state.epochsCompleted) completed epochs")
        }
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

import Foundation

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

    func step(epoch: Int, epochs: Int, step: Int, steps: Int, terms: LossValues, images: Int, elapsed: Double) {
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

    func epoch(_ record: EpochRecord, epochs: Int, stageCount: Int, seconds: Double) {
        let stage = stageCount > 1 ? "  [\(record.stage)]" : ""
        let loss = record.meanLosses.map { "\($0.name) \(String(format: "%.4f", $0.value))" }.joined(separator: "  ")
        let validation = record.validationMAP.map { String(format: "  validation mAP %.4f", $0) } ?? ""
        var pseudo = ""
        if let fraction = record.pseudoLabelFraction {
            pseudo = String(format: "  pseudo-labels %.1f%%", 100 * fraction)
            if let accuracy = record.pseudoLabelAccuracy { pseudo += String(format: " (%.1f%% right, evaluation only)", 100 * accuracy) }
        }
        let target = record.targetAccuracy.map { String(format: "  target accuracy %.1f%% (evaluation only)", 100 * $0) } ?? ""
        line("epoch \(record.epoch)/\(epochs)\(stage)  \(loss)\(validation)\(pseudo)\(target)  \(String(format: "%.1f", seconds)) s")
    }
}

/// `1h02m`, `3m05s`, `42s`.
func formatDuration(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    if total >= 3600 { return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60) }
    if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
    return "\(total)s"
}

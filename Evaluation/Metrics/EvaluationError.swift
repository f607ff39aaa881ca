/// Errors from evaluating retrieval results and writing reports.
///
/// Inputs that come from data (codes, labels, cut-offs read from a configuration) are validated
/// and reported with these errors; each `description` is one line that names the offending values.
/// Index arguments that only code can get wrong (a query index out of range) are checked with
/// `precondition` instead.
public enum EvaluationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Queries and database codes have different bit counts.
    case bitCountMismatch(queryBits: Int, databaseBits: Int)
    /// A label list does not have one entry per code.
    case labelCountMismatch(role: String, labelCount: Int, codeCount: Int)
    /// The database holds no codes.
    case emptyDatabase
    /// There are no queries to average over.
    case noQueries
    /// A cut-off K (for mAP@K or P@K) is zero or negative.
    case nonPositiveCutoff(Int)
    /// A Hamming radius is negative.
    case negativeRadius(Int)
    /// A label is negative.
    case negativeLabel(label: Int, item: Int)
    /// A class (label or prediction) is not below the class count.
    case classOutOfRange(class: Int, item: Int, classCount: Int)
    /// A file could not be written.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .bitCountMismatch(let queryBits, let databaseBits):
            return "bit count mismatch: queries have \(queryBits) bits, database codes have \(databaseBits)"
        case .labelCountMismatch(let role, let labelCount, let codeCount):
            return "\(role) labels: \(labelCount) label entries for \(codeCount) codes"
        case .emptyDatabase:
            return "the database is empty: nothing to rank"
        case .noQueries:
            return "there are no queries: a mean over zero queries is undefined"
        case .nonPositiveCutoff(let cutoff):
            return "cut-off K must be positive, got \(cutoff)"
        case .negativeRadius(let radius):
            return "Hamming radius must be ≥ 0, got \(radius)"
        case .classOutOfRange(let value, let item, let classCount):
            return "class \(value) of item \(item) is outside 0..<\(classCount)"
        case .negativeLabel(let label, let item):
            return "label \(label) of item \(item) is negative; labels are class indices ≥ 0"
        case .writeFailed(let path, let reason):
            return "could not write \(path): \(reason)"
        }
    }
}

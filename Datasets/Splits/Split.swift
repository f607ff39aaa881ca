/// A division of one data set's images into training, validation, query and database sets, by
/// index.
///
/// The rules every split obeys (checked by ``validate(imageCount:source:)``, which every
/// constructor here calls):
/// - **Queries never appear in any other set**: not in training, validation or the database.
///   Retrieval scores are computed only on queries, so a query seen in training or found as its own
///   database entry would inflate them.
/// - **Validation images never appear in any other set**. Model selection (the best epoch) uses
///   validation queries against the database, never the real queries.
/// - **Training and database** are disjoint unless ``databaseIncludesTraining`` is `true`. Many
///   papers' protocols put the training images in the database (the official protocol: the whole
///   training set is the database); then ``train`` is a subset of ``database``.
/// - No set repeats an index, and every index is in `0..<imageCount`.
///
/// Each set is sorted in increasing order; shuffling is the batch iterator's job.
public struct Split: Equatable, Sendable, Codable {
    /// One of the four sets.
    public enum Role: String, CaseIterable, Sendable, Codable {
        /// Images a model is trained on.
        case train
        /// Images held out for model selection (used as queries against the database).
        case validation
        /// Images whose retrieval is scored.
        case query
        /// Images searched for each query.
        case database
    }

    /// The training images.
    public var train: [Int]
    /// The validation images, disjoint from every other set.
    public var validation: [Int]
    /// The query images, disjoint from every other set.
    public var query: [Int]
    /// The database images.
    public var database: [Int]
    /// Whether ``train`` may share images with ``database`` (it is then usually a subset of it).
    public var databaseIncludesTraining: Bool

    /// Creates a split from its sets, sorting each; call ``validate(imageCount:source:)`` to check it.
    public init(train: [Int], validation: [Int], query: [Int], database: [Int], databaseIncludesTraining: Bool) {
        self.train = train.sorted()
        self.validation = validation.sorted()
        self.query = query.sorted()
        self.database = database.sorted()
        self.databaseIncludesTraining = databaseIncludesTraining
    }

    /// The indices of one set.
    public subscript(role: Role) -> [Int] {
        switch role {
        case .train: return train
        case .validation: return validation
        case .query: return query
        case .database: return database
        }
    }

    /// The number of images in each set, such as `train 5000, validation 0, query 1000, database 54000`.
    public var summary: String {
        Role.allCases.map { "\($0.rawValue) \(self[$0].count)" }.joined(separator: ", ")
            + (databaseIncludesTraining ? " (the database includes the training images)" : "")
    }

    /// Checks the rules listed on ``Split``.
    ///
    /// - Parameters:
    ///   - imageCount: The number of images in the data set the indices refer to.
    ///   - source: The data set named in the error.
    /// - Throws: ``DatasetError/invalidSplit(source:reason:)`` naming the first broken rule.
    public func validate(imageCount: Int, source: String) throws {
        for role in Role.allCases {
            let indices = self[role]
            if let bad = indices.first(where: { !(0..<imageCount).contains($0) }) {
                throw DatasetError.invalidSplit(source: source, reason: "\(role.rawValue) index \(bad) is outside 0..<\(imageCount)")
            }
            if let repeated = zip(indices, indices.dropFirst()).first(where: { $0 == $1 }) {
                throw DatasetError.invalidSplit(source: source, reason: "\(role.rawValue) holds index \(repeated.0) twice")
            }
        }
        var pairs: [(Role, Role)] = [
            (.query, .train), (.query, .validation), (.query, .database), (.validation, .train), (.validation, .database),
        ]
        if !databaseIncludesTraining {
            pairs.append((.train, .database))
        }
        for (first, second) in pairs {
            if let shared = Self.firstCommonElement(self[first], self[second]) {
                throw DatasetError.invalidSplit(
                    source: source, reason: "image \(shared) is in both \(first.rawValue) and \(second.rawValue), which must be disjoint")
            }
        }
    }

    /// The first element two sorted arrays share, if any.
    static func firstCommonElement(_ first: [Int], _ second: [Int]) -> Int? {
        var (i, j) = (0, 0)
        while i < first.count && j < second.count {
            if first[i] == second[j] { return first[i] }
            if first[i] < second[j] { i += 1 } else { j += 1 }
        }
        return nil
    }
}

extension DigitsDataset {
    /// The images of one set of a split, named `<name>-<role>` (such as `mnist-query`).
    ///
    /// - Precondition: The split's indices are in `0..<count`.
    public func subset(_ role: Split.Role, of split: Split) -> DigitsDataset {
        subset(split[role], name: "\(name)-\(role.rawValue)")
    }
}

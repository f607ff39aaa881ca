import Datasets
import Evaluation
import Foundation
import HashingCore
import MethodCatalog

/// A grid of runs described by a small JSON file (`hashing experiment FILE.json`): methods ×
/// backbones × bits × data sets (or domain pairs) × seeds × configuration variants, with shared
/// run settings and the metrics its tables show.
///
/// ```json
/// {
///   "name": "Quick",
///   "methods": ["ssdh", "dcwh"],
///   "bits": [12, 32],
///   "datasets": ["embedded-digits", "optdigits-to-mfeat"],
///   "seeds": [1, 2, 3],
///   "variants": [{"name": "lr0.01", "methods": ["dcwh"], "config": {"learningRate": 0.01}}],
///   "settings": {"epochs": 10, "learningRateMilestones": [7], "batchSize": 64}
/// }
/// ```
///
/// Every key is checked: an unknown one is rejected by name, and unknown method, backbone and
/// data-set names fail (listing the known ones) before anything is trained.
public struct ExperimentGrid: Codable, Equatable {
    /// A named method-configuration overlay, optionally restricted to some methods.
    public struct Variant: Codable, Equatable {
        /// Letters, digits, `.` and `-`; part of the cell ids and of the table columns.
        public var name: String
        /// The methods it applies to (`nil`: every method of the grid).
        public var methods: [String]?
        /// Overlaid on the method's base configuration (``ExperimentGrid/methodConfigurations``).
        public var config: [String: JSONValue]

        public init(name: String, methods: [String]? = nil, config: [String: JSONValue]) {
            self.name = name
            self.methods = methods
            self.config = config
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case name, method, methods, config }

        public init(from decoder: Decoder) throws {
            try rejectUnknownKeys(decoder, known: CodingKeys.allCases.map(\.rawValue), in: "a variant")
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            let single = try container.decodeIfPresent(String.self, forKey: .method)
            let list = try container.decodeIfPresent([String].self, forKey: .methods)
            guard single == nil || list == nil else {
                throw WorkflowError.invalid("variant '\(name)': give either \"method\" or \"methods\", not both")
            }
            methods = single.map { [$0] } ?? list
            config = try container.decodeIfPresent([String: JSONValue].self, forKey: .config) ?? [:]
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encodeIfPresent(methods, forKey: .methods)
            try container.encode(config, forKey: .config)
        }

        /// Whether the variant applies to `method`.
        public func applies(to method: String) -> Bool { methods?.contains(method) ?? true }
    }

    /// Run settings every cell shares: any of ``RunSpecification/settings`` by name, each with
    /// the default of ``RunSpecification`` — except `learningRateMilestones`, which defaults to
    /// one milestone at 70 % of the epochs (epoch 7 of 10).
    public struct Settings: Codable, Equatable {
        /// The settings as written (names checked).
        public private(set) var values: [String: JSONValue]
        /// A run specification with the settings applied.
        public private(set) var specification: RunSpecification

        /// The defaults.
        public init() { try! self.init([:]) }

        /// The given settings over the defaults; an unknown name or a wrong type is an error.
        public init(_ values: [String: JSONValue]) throws {
            self.values = values
            var specification = RunSpecification()
            do {
                try specification.apply(settings: values)
            } catch {
                throw WorkflowError.invalid("settings: \(error)")
            }
            if values["learningRateMilestones"] == nil {
                specification.trainer.learningRateMilestones = [Self.defaultMilestone(epochs: specification.trainer.epochs)]
            }
            self.specification = specification
        }

        static func defaultMilestone(epochs: Int) -> Int { epochs * 7 / 10 }

        public init(from decoder: Decoder) throws {
            try self.init(try decoder.singleValueContainer().decode([String: JSONValue].self))
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(values)
        }

        public static func == (a: Settings, b: Settings) -> Bool { a.values == b.values }

        func validate() throws {
            do {
                try specification.validate()
            } catch {
                throw WorkflowError.invalid("settings: \(error)")
            }
        }

        /// Applies the settings to a cell's specification.
        func apply(to cell: inout RunSpecification) {
            let output = cell.trainer.outputDirectory
            try! cell.apply(settings: specification.settingValues)
            cell.trainer.outputDirectory = output
        }

        public var epochs: Int { specification.trainer.epochs }
        public var batchSize: Int { specification.batchSize }
        public var learningRateMilestones: [Int] { specification.trainer.learningRateMilestones }
        public var learningRateGamma: Float { specification.trainer.learningRateGamma }
        public var validateEvery: Int { specification.trainer.validateEvery }
        public var validationPerClass: Int { specification.validationPerClass }
        public var queryPerClass: Int { specification.queryPerClass }
        public var trainingPerClass: Int { specification.trainingPerClass }
        public var trainingLimit: Int { specification.trainingLimit }
        public var targetTrainingLimit: Int? { specification.targetTrainingLimit }
        public var imageSize: Int? { specification.imageSize }
        public var channels: Int? { specification.channels }
        public var inputNormalization: InputNormalization { specification.inputNormalization ?? .none }
        public var topK: Int { specification.evaluation.topK }
        public var radius: Int { specification.evaluation.radius }
    }

    /// A number the tables can show.
    public enum Metric: String, Codable, CaseIterable, Sendable {
        case meanAveragePrecision, tieAwareMeanAveragePrecision, meanAveragePrecisionAtK, precisionWithinRadius, recallWithinRadius
        /// The precision of a random ranking of the database: the level the codes must beat
        /// (about one half for "shares a label" on multi-label data).
        case randomRankingPrecision
        /// Classification accuracy of the query images (the target queries of a pair).
        case accuracy

        public init(from decoder: Decoder) throws { self = try decodeNamedCase(decoder, kind: "metric") }

        /// Whether the metric comes from a retrieval entry (one table per entry).
        public var isRetrieval: Bool { self != .accuracy }
    }

    public var name: String
    public var description: String?
    public var methods: [String]
    public var backbones: [String]
    public var bits: [Int]
    /// Data sets and domain pairs (`hashing datasets`).
    public var datasets: [String]
    public var seeds: [UInt64]
    /// Base configuration overlay of each method (key: method name), under every variant.
    public var methodConfigurations: [String: [String: JSONValue]]
    public var variants: [Variant]
    /// Whether each method also runs without a variant (its base configuration); default true.
    public var defaultVariant: Bool
    public var settings: Settings
    /// The metrics of the tables; by default mAP@all on a data set, and the tie-aware mAP@all
    /// plus accuracy on a domain pair (whose collapsed codes tie often).
    public var metrics: [Metric]?
    /// The code length of the precision–recall plots (default: the largest).
    public var precisionRecallBits: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, methods, backbones, bits, datasets, seeds, methodConfigurations, variants, defaultVariant, settings,
            metrics, precisionRecallBits
    }

    public init(
        name: String, methods: [String], backbones: [String] = ["lenet"], bits: [Int], datasets: [String], seeds: [UInt64] = [1],
        variants: [Variant] = [], settings: Settings = Settings()
    ) {
        self.name = name
        self.methods = methods
        self.backbones = backbones
        self.bits = bits
        self.datasets = datasets
        self.seeds = seeds
        self.methodConfigurations = [:]
        self.variants = variants
        self.defaultVariant = true
        self.settings = settings
    }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(decoder, known: CodingKeys.allCases.map(\.rawValue), in: "the grid")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        methods = try container.decode([String].self, forKey: .methods)
        backbones = try container.decodeIfPresent([String].self, forKey: .backbones) ?? [RunSpecification().backbone]
        bits = try container.decode([Int].self, forKey: .bits)
        datasets = try container.decode([String].self, forKey: .datasets)
        seeds = try container.decodeIfPresent([UInt64].self, forKey: .seeds) ?? [RunSpecification().seed]
        methodConfigurations = try container.decodeIfPresent([String: [String: JSONValue]].self, forKey: .methodConfigurations) ?? [:]
        variants = try container.decodeIfPresent([Variant].self, forKey: .variants) ?? []
        defaultVariant = try container.decodeIfPresent(Bool.self, forKey: .defaultVariant) ?? true
        settings = try container.decodeIfPresent(Settings.self, forKey: .settings) ?? Settings()
        metrics = try container.decodeIfPresent([Metric].self, forKey: .metrics)
        precisionRecallBits = try container.decodeIfPresent(Int.self, forKey: .precisionRecallBits)
    }

    /// Parses a grid file and validates it (see ``validate(registries:)``); errors are one line naming the file.
    public static func load(contentsOf url: URL, registries: Registries = .standard) throws -> ExperimentGrid {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw WorkflowError.invalid("\(url.path): no such grid file")
        }
        do {
            let grid = try parse(data)
            try grid.validate(registries: registries)
            return grid
        } catch let error as WorkflowError {
            throw WorkflowError.invalid("\(url.path): \(error)")
        } catch {
            throw WorkflowError.invalid("\(url.path): \(error)")
        }
    }

    /// Parses grid JSON (structure only: names are checked by ``validate()``).
    public static func parse(_ data: Data) throws -> ExperimentGrid {
        do {
            return try JSONDecoder().decode(ExperimentGrid.self, from: data)
        } catch let error as WorkflowError {
            throw error
        } catch DecodingError.keyNotFound(let key, let context) {
            throw WorkflowError.invalid("missing key '\(path(context.codingPath + [key]))'")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            throw WorkflowError.invalid("'\(path(context.codingPath))' has the wrong type")
        } catch DecodingError.dataCorrupted(let context) {
            if let underlying = context.underlyingError as? WorkflowError { throw underlying }
            throw WorkflowError.invalid(context.codingPath.isEmpty ? "not valid JSON" : "'\(path(context.codingPath))' is invalid")
        } catch {
            throw WorkflowError.invalid("not a valid grid: \(error)")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    /// Checks names against the method, backbone and data catalogs, every method's configuration
    /// under every variant, and the settings — before anything is trained.
    public func validate(registries: Registries = .standard) throws {
        func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
            if !condition { throw WorkflowError.invalid(message()) }
        }
        func requireDistinct<T: Hashable>(_ values: [T], _ key: String) throws {
            try require(!values.isEmpty, "\"\(key)\" must not be empty")
            try require(Set(values).count == values.count, "\"\(key)\" lists a value twice: \(values)")
        }
        try require(!name.isEmpty, "\"name\" must not be empty")
        try requireDistinct(methods, "methods")
        try requireDistinct(backbones, "backbones")
        try requireDistinct(bits, "bits")
        try requireDistinct(datasets, "datasets")
        try requireDistinct(seeds, "seeds")
        try require(Set(variants.map(\.name)).count == variants.count, "two variants share a name: \(variants.map(\.name))")
        try require(defaultVariant || !variants.isEmpty, "\"defaultVariant\" is false but there are no variants: nothing to run")
        let registry = registries.methods
        let registrations = try methods.map { try registry.registration(named: $0) }
        let backboneRegistry = registries.backbones
        let backboneRegistrations = try backbones.map { try backboneRegistry.registration(named: $0) }
        for bitCount in bits { try require(bitCount >= 1 && bitCount <= 1024, "bits \(bitCount) is out of range: use 1…1024") }
        for dataset in datasets where !DataCatalog.domainPairNames.contains(dataset) {
            try require(
                DataCatalog.names.contains(dataset),
                "unknown data set or domain pair '\(dataset)'; data sets: \(DataCatalog.names.joined(separator: ", ")); domain pairs: \(DataCatalog.domainPairNames.joined(separator: ", "))"
            )
        }
        for registration in registrations where registration.adaptsToTarget {
            for dataset in datasets {
                try require(
                    DataCatalog.domainPairNames.contains(dataset),
                    "\(registration.name) adapts to an unlabelled target domain, but '\(dataset)' is not a domain pair (\(DataCatalog.domainPairNames.joined(separator: ", ")))"
                )
            }
        }
        for method in methodConfigurations.keys.sorted() {
            try require(
                methods.contains(method),
                "\"methodConfigurations\" has method '\(method)', which the grid does not run (\(methods.joined(separator: ", ")))")
        }
        for variant in variants {
            try require(
                !variant.name.isEmpty && variant.name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") },
                "variant name '\(variant.name)' must be letters, digits, '.' and '-'")
            for method in variant.methods ?? [] {
                try require(
                    methods.contains(method),
                    "variant '\(variant.name)' names method '\(method)', which the grid does not run (\(methods.joined(separator: ", ")))")
            }
            try require(variant.methods?.isEmpty != true, "variant '\(variant.name)' applies to no method")
        }
        for method in methods {
            try require(!variants(of: method).isEmpty, "\"defaultVariant\" is false and no variant applies to \(method): it would never run")
        }
        try settings.validate()
        if let precisionRecallBits {
            try require(bits.contains(precisionRecallBits), "precisionRecallBits \(precisionRecallBits) is not among the grid's bits \(bits)")
        }
        if let metrics { try require(!metrics.isEmpty, "\"metrics\" must not be empty (leave it out for the defaults)") }
        // Each method's configuration under each variant, built once on a probe input: bad keys
        // and values fail now, not hours into the grid.
        for registration in registrations {
            for variant in variants(of: registration.name) {
                let json = try methodConfiguration(method: registration.name, variant: variant)
                for backbone in backboneRegistrations {
                    let size = settings.imageSize ?? 28
                    let context = MethodContext(
                        bitCount: bits[0], classCount: 10, inputShape: [settings.channels ?? 1, size, size], backbone: backbone, seed: 0)
                    do {
                        _ = try registration.make(configuration: Data(json.utf8), context: context)
                    } catch RegistryError.unsupportedInput {
                        // The probe's shape is not the data's: the cell will tell.
                    } catch {
                        let label = variant.map { "variant '\($0)' of " } ?? ""
                        throw WorkflowError.invalid("\(label)\(registration.name): \(error)")
                    }
                }
            }
        }
    }

    /// The variants a method runs under (`nil` is its base configuration).
    public func variants(of method: String) -> [String?] {
        (defaultVariant ? [nil] : []) + variants.filter { $0.applies(to: method) }.map(\.name)
    }

    /// The method's configuration JSON in a cell: its base overlay with the variant's on top.
    public func methodConfiguration(method: String, variant: String?) throws -> String {
        var merged = methodConfigurations[method] ?? [:]
        if let variant, let overlay = variants.first(where: { $0.name == variant }) {
            merged.merge(overlay.config) { $1 }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(merged), as: UTF8.self)
    }

    /// The metrics of the tables of `dataset`.
    public func metrics(for dataset: String) -> [Metric] {
        metrics ?? (Self.isDomainPair(dataset) ? [.tieAwareMeanAveragePrecision, .accuracy] : [.meanAveragePrecision])
    }

    static func isDomainPair(_ dataset: String) -> Bool { DataCatalog.domainPairNames.contains(dataset) }

    /// Every cell, seeds outermost (so a first complete table appears early), then data set,
    /// method, variant, backbone and bits. Run directories are `<output>/runs/<cell id>`.
    public func cells(output: URL) throws -> [ExperimentCell] {
        var cells: [ExperimentCell] = []
        for seed in seeds {
            for dataset in datasets {
                for method in methods {
                    for variant in variants(of: method) {
                        let configuration = try methodConfiguration(method: method, variant: variant)
                        for backbone in backbones {
                            for bitCount in bits {
                                var cell = ExperimentCell(
                                    method: method, variant: variant, backbone: backbone, bits: bitCount, dataset: dataset, seed: seed,
                                    specification: RunSpecification())
                                cell.specification = specification(
                                    cell, methodConfiguration: configuration,
                                    directory: output.appendingPathComponent("runs").appendingPathComponent(cell.id))
                                cells.append(cell)
                            }
                        }
                    }
                }
            }
        }
        return cells
    }

    func specification(_ cell: ExperimentCell, methodConfiguration: String, directory: URL) -> RunSpecification {
        var specification = RunSpecification()
        specification.method = cell.method
        specification.backbone = cell.backbone
        specification.bits = cell.bits
        specification.dataset = cell.dataset
        specification.seed = cell.seed
        specification.methodConfiguration = methodConfiguration
        specification.trainer.outputDirectory = directory.path
        settings.apply(to: &specification)
        return specification
    }
}

/// One run of a grid.
public struct ExperimentCell: Codable, Equatable {
    public var method: String
    /// The configuration variant (`nil`: the method's base configuration).
    public var variant: String?
    public var backbone: String
    public var bits: Int
    public var dataset: String
    public var seed: UInt64
    public var specification: RunSpecification

    /// `<dataset>_<method>[@<variant>]_<backbone>_<bits>bits_seed<seed>`, e.g.
    /// `mnist_dcwh@lr0.01_lenet_12bits_seed1` (catalog names have no `_` or `@`).
    public var id: String { "\(dataset)_\(column)_\(backbone)_\(bits)bits_seed\(seed)" }

    /// The method and its variant: `dcwh` or `dcwh@lr0.01`.
    public var column: String { variant.map { "\(method)@\($0)" } ?? method }
}

/// Throws when the object being decoded has a key outside `known`, naming it and the known ones.
func rejectUnknownKeys(_ decoder: Decoder, known: [String], in place: String) throws {
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    let container = try decoder.container(keyedBy: AnyKey.self)
    for key in container.allKeys.map(\.stringValue).sorted() where !known.contains(key) {
        throw WorkflowError.invalid("unknown key '\(key)' in \(place); known keys: \(known.joined(separator: ", "))")
    }
}

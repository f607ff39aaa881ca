import ArgumentParser
import Datasets
import Evaluation
import Foundation
import HashingCore
import HashingWorkflows
import MethodCatalog

/// `hashing`: train deep hashing methods, encode images, build and search Hamming indexes, and
/// evaluate retrieval.
@main
struct Hashing: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hashing",
        abstract: "Deep image hashing: train, encode, index, search, evaluate.",
        subcommands: [
            Methods.self, Components.self, Settings.self, Datasets.self, Train.self, Encode.self, Index.self, Search.self, Export.self, Serve.self,
            Evaluate.self,
            ExperimentCommand.self, Curves.self,
            Demo.self,
        ])

    /// Runs a command body, turning toolkit errors into one clear line and exit code 1.
    static func reportingErrors(_ body: () throws -> Void) throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        do {
            try body()
        } catch let error as ValidationError {
            throw error
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("hashing: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

extension TrainerConfiguration.ProgressStyle: ExpressibleByArgument {}
extension Split.Role: ExpressibleByArgument {}
extension InputNormalization: ExpressibleByArgument {}
extension Domain: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "source": self = .source
        case "target": self = .target
        default: return nil
        }
    }

    public static var allValueStrings: [String] { ["source", "target"] }
}

/// Options shared by commands that resolve data.
struct DataOptions: ParsableArguments {
    @Option(help: "Data directory (default: $HASHING_DATA, else ./data).") var dataDirectory: String?

    var url: URL { dataDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? DataDirectory.resolved() }
}

struct Methods: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the registered methods and backbones.")

    @Flag(help: "Also print each method's default configuration (JSON).") var configuration = false

    func run() throws {
        print("methods:")
        for entry in MethodCatalog.registry().entries {
            let adapts = entry.adaptsToTarget ? " [domain adaptation: needs a domain pair]" : ""
            print("  \(entry.name.padding(toLength: 18, withPad: " ", startingAt: 0))\(entry.summary)\(adapts)")
            if configuration {
                print(entry.defaultConfigurationJSON().split(separator: "\n").map { "      \($0)" }.joined(separator: "\n"))
            }
        }
        print("backbones:")
        let backbones = MethodCatalog.backbones().entries
        let width = (backbones.map(\.name.count).max() ?? 0) + 2
        for entry in backbones {
            print("  \(entry.name.padding(toLength: width, withPad: " ", startingAt: 0))\(entry.summary)")
        }
    }
}

struct Components: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the hash layers, losses and domain adapters that compose a method (hashing train --hash-layer/--loss/--adapter).",
        discussion: """
            Each line: the name, what it is, and its default settings (JSON). Give settings after '=': \
            --loss 'quantization={"weight": 0.01, "normalization": "per-image"}'. Every component also takes \
            "weight" (its factor in the objective, default 1) and "rampEpochs" (the weight grows from 0 over \
            that many epochs).
            """)

    func run() {
        let registry = MethodCatalog.components()
        func list<Kind>(_ title: String, _ entries: [ComponentRegistration<Kind>]) {
            print("\(title):")
            let width = (entries.map(\.name.count).max() ?? 0) + 2
            for entry in entries {
                print("  \(entry.name.padding(toLength: width, withPad: " ", startingAt: 0))\(entry.summary)")
                print("  \(String(repeating: " ", count: width))defaults: \(entry.defaultConfigurationJSON())")
            }
        }
        list("hash layers (--hash-layer)", registry.hashLayers.entries)
        list("losses (--loss, repeatable)", registry.losses.entries)
        list("domain adapters (--adapter, repeatable; the method then trains on a domain pair's unlabelled target)", registry.adapters.entries)
    }
}

struct Settings: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the run settings: the names a grid's \"settings\" and `hashing train --setting NAME=JSON` take (docs/settings.md).")

    func run() {
        let defaults = RunSpecification().settingValues
        let width = (RunSpecification.settingNames.map(\.count).max() ?? 0) + 2
        for setting in RunSpecification.settings {
            let value = defaults[setting.name].flatMap { try? String(decoding: JSONEncoder().encode($0), as: UTF8.self) } ?? "?"
            print("\(setting.name.padding(toLength: width, withPad: " ", startingAt: 0))\(setting.summary) (default \(value))")
        }
    }
}

struct Datasets: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the data sets, or fetch one.", subcommands: [List.self, Fetch.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the data sets and domain pairs.")
        func run() { print(DataCatalog.listing) }
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the fetch scripts of a data set (from the package root).")
        @Argument(help: "Data set or domain pair name.") var name: String

        func run() throws {
            try Hashing.reportingErrors {
                let scripts: [String]
                if let entry = try? DataCatalog.entry(named: name) {
                    if let manual = entry.manualDownload { throw WorkflowError.invalid("\(name) cannot be fetched here: \(manual)") }
                    scripts = entry.fetchScripts
                } else {
                    scripts = try DataCatalog.domainPairEntry(named: name).fetchScripts
                }
                if scripts.isEmpty { print("\(name) is embedded in the package: nothing to fetch") }
                try DataFetch.run(scripts: scripts)
            }
        }
    }
}

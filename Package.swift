// swift-tools-version: 6.1
// Hashing: deep image hashing in Swift — an engine (tensors, autodiff, layers, optimizers),
// data sets, evaluation, and one target per published method.
import PackageDescription

let languageModes: [SwiftLanguageMode] = [.v5]

/// The built-in methods: one target per paper in Methods/<Name>, tested in Tests/<Name>Tests,
/// registered in Methods/MethodCatalog/MethodCatalog.swift. A new method is a name here and a
/// line there.
let methods = ["SSDH", "ClasswiseHashing", "SemanticHash", "IntersectantGAN"]

let methodTargets: [Target] = methods.flatMap { name -> [Target] in
    [
        .target(
            name: name, dependencies: ["TensorCore", "NeuralNet", "Optimizers", "HashingCore"], path: "Methods/\(name)",
            exclude: ["README.md"]),
        // A method's tests build without MethodCatalog: TestSupport has small backbones.
        .testTarget(name: "\(name)Tests", dependencies: [.target(name: name), "TestSupport"], path: "Tests/\(name)Tests"),
    ]
}

let package = Package(
    name: "Hashing",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "NeuralNet", targets: ["NeuralNet"]),
        .library(name: "Optimizers", targets: ["Optimizers"]),
        .library(name: "HashingCore", targets: ["HashingCore"]),
        .library(name: "Backbones", targets: ["Backbones"]),
        .library(name: "MethodCatalog", targets: ["MethodCatalog"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Evaluation", targets: ["Evaluation"]),
        .executable(name: "hashing", targets: ["HashingCommand"]),
        .executable(name: "lenet-demo", targets: ["LeNetDemo"]),
        .executable(name: "bench-train", targets: ["BenchTrain"]),
        .executable(name: "bench-gan", targets: ["BenchGAN"]),
        .executable(name: "bench-search", targets: ["BenchSearch"]),
        .executable(name: "bench-eval", targets: ["BenchEval"]),
        .executable(name: "bench-epoch", targets: ["BenchEpoch"]),
        .executable(name: "bench-encode", targets: ["BenchEncode"]),
    ] + methods.map { .library(name: $0, targets: [$0]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // MARK: - Core: system libraries
        .systemLibrary(
            name: "CBLAS",
            path: "Core/CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "SystemZlib",
            path: "Core/SystemZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // libjpeg behind setjmp/longjmp, so a corrupt JPEG returns an error instead of exiting.
        .target(name: "CJPEGSafe", path: "Core/CJPEGSafe", linkerSettings: [.linkedLibrary("jpeg")]),
        // Hamming-distance kernels in C: runtime dispatch to POPCNT/AVX2 (see STYLE.md).
        .target(name: "CHamming", path: "Core/CHamming"),
        .target(name: "CKernels", path: "Core/CKernels"),

        // MARK: - Core: the engine
        .target(name: "AtomicFiles", path: "Core/AtomicFiles"),
        .target(
            name: "TensorCore",
            dependencies: ["AtomicFiles", "CKernels", .target(name: "CBLAS", condition: .when(platforms: [.linux]))],
            path: "Core/TensorCore",
            linkerSettings: [.linkedFramework("Accelerate", .when(platforms: [.macOS]))]
        ),
        .target(name: "NeuralNet", dependencies: ["TensorCore"], path: "Core/NeuralNet"),
        .target(name: "Optimizers", dependencies: ["TensorCore", "NeuralNet"], path: "Core/Optimizers"),
        .target(
            name: "HashingCore", dependencies: ["TensorCore", "NeuralNet", "Optimizers", "Evaluation"], path: "Core/HashingCore"),

        // MARK: - Backbones
        .target(name: "Backbones", dependencies: ["TensorCore", "NeuralNet", "HashingCore"], path: "Backbones"),

        // MARK: - Methods (one target per paper) and the catalog that lists them
        .target(
            name: "MethodCatalog", dependencies: ["HashingCore", "Backbones"] + methods.map { .target(name: $0) }, path: "Methods/MethodCatalog"
        ),

        // MARK: - Data
        .target(
            name: "Datasets",
            dependencies: ["SystemZlib", "CJPEGSafe", "AtomicFiles", "TensorCore", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            path: "Datasets",
            resources: [.copy("Embedded")]
        ),

        // MARK: - Evaluation
        .target(name: "Evaluation", dependencies: ["CHamming", "AtomicFiles"], path: "Evaluation"),

        // MARK: - Examples and benchmarks
        .target(
            name: "HashingWorkflows", dependencies: ["TensorCore", "HashingCore", "MethodCatalog", "Datasets", "Evaluation", "AtomicFiles"],
            path: "Workflows/HashingWorkflows", exclude: ["README.md"]),
        .target(
            name: "HashingServer", dependencies: ["HashingWorkflows", "HashingCore", "Datasets", "Evaluation"],
            path: "Workflows/HashingServer"),
        .executableTarget(
            name: "HashingCommand",
            dependencies: [
                "HashingWorkflows", "HashingServer", "TensorCore", "HashingCore", "MethodCatalog", "Datasets", "Evaluation", "AtomicFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Examples/hashing"
        ),
        .executableTarget(
            name: "LeNetDemo",
            dependencies: [
                "TensorCore", "NeuralNet", "Optimizers", "Backbones", "Datasets",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Examples/lenet-demo"
        ),
        .executableTarget(
            name: "BenchTrain",
            dependencies: [
                "TensorCore", "NeuralNet", "Optimizers", "Backbones", "BenchSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/bench-train"
        ),
        .target(name: "BenchSupport", dependencies: ["TensorCore"], path: "Benchmarks/BenchSupport"),
        .executableTarget(
            name: "BenchGAN",
            dependencies: [
                "TensorCore", "HashingCore", "MethodCatalog", "IntersectantGAN", "BenchSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/bench-gan"
        ),

        .executableTarget(
            name: "BenchSearch",
            dependencies: ["Evaluation", "BenchSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/bench-search"
        ),

        .executableTarget(name: "BenchEval", dependencies: ["Evaluation", "BenchSupport"], path: "Benchmarks/bench-eval"),

        .executableTarget(
            name: "BenchEpoch",
            dependencies: [
                "TensorCore", "HashingCore", "Datasets", "HashingWorkflows", "BenchSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/bench-epoch"
        ),
        .executableTarget(
            name: "BenchEncode",
            dependencies: [
                "TensorCore", "HashingCore", "Datasets", "Evaluation", "HashingWorkflows", "BenchSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/bench-encode"
        ),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["TensorCore", "HashingCore"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport"], path: "Tests/TensorCoreTests"),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "TestSupport"], path: "Tests/NeuralNetTests"),
        .testTarget(name: "OptimizersTests", dependencies: ["Optimizers", "NeuralNet", "TestSupport"], path: "Tests/OptimizersTests"),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "TestSupport"], path: "Tests/DatasetsTests"),
        .testTarget(name: "HashingCoreTests", dependencies: ["HashingCore", "TestSupport"], path: "Tests/HashingCoreTests"),
        .testTarget(name: "BackbonesTests", dependencies: ["Backbones", "TestSupport"], path: "Tests/BackbonesTests"),
        .testTarget(name: "HashingWorkflowsTests", dependencies: ["HashingWorkflows", "TestSupport"], path: "Tests/HashingWorkflowsTests"),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "TestSupport"], path: "Tests/EvaluationTests"),
        .testTarget(name: "HashingServerTests", dependencies: ["HashingServer", "TestSupport"], path: "Tests/HashingServerTests"),
    ] + methodTargets,
    swiftLanguageModes: languageModes
)

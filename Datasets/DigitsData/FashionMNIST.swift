import Foundation

/// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 70,000 grayscale 28 × 28 images of clothing
/// in ten classes, read from the gzipped IDX files of the Debian package `dataset-fashion-mnist`.
///
/// Install the files with `Scripts/fetch-fashion-mnist.sh`, then:
///
/// ```swift
/// let fashion = try FashionMNIST()              // reads /usr/share/datasets/fashion-mnist
/// print(fashion.train.count, fashion.test.count) // 60000 10000
/// ```
///
/// **Shape**: each split's images are `[count, 1, 28, 28]` bytes, 0 (background) to 255.
public struct FashionMNIST: Sendable {
    /// Where the Debian package `dataset-fashion-mnist` installs the files.
    public static let defaultDirectory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist", isDirectory: true)
    /// The environment variable that overrides ``defaultDirectory``.
    public static let environmentVariable = "HASHING_FASHION_MNIST"
    /// How to obtain the files, given in the error for a missing one.
    public static let fetchHint =
        "run Scripts/fetch-fashion-mnist.sh (it installs the Debian package dataset-fashion-mnist)"
    /// The names of the ten classes, indexed by label.
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// The 60,000 training images.
    public var train: DigitsDataset
    /// The 10,000 test images.
    public var test: DigitsDataset

    /// The directory to read: `$HASHING_FASHION_MNIST` if set and not empty, else ``defaultDirectory``.
    ///
    /// - Parameter environment: The environment to consult; the process environment by default.
    public static func resolvedDirectory(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL {
        if let override = environment[environmentVariable], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        return defaultDirectory
    }

    /// Loads both splits from `{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`.
    ///
    /// - Parameter directory: The directory holding the four files; by default
    ///   ``resolvedDirectory(environment:)``.
    /// - Throws: ``DatasetError`` when a file is missing (with a hint to run the fetch script) or malformed.
    public init(directory: URL = FashionMNIST.resolvedDirectory()) throws {
        train = try Self.loadSplit("train", name: "fashion-mnist-train", directory: directory)
        test = try Self.loadSplit("t10k", name: "fashion-mnist-test", directory: directory)
    }

    /// Loads one split, `prefix` being `train` or `t10k`.
    private static func loadSplit(_ prefix: String, name: String, directory: URL) throws -> DigitsDataset {
        try DigitsDataset.loadIDX(
            images: directory.appendingPathComponent("\(prefix)-images-idx3-ubyte.gz"),
            labels: directory.appendingPathComponent("\(prefix)-labels-idx1-ubyte.gz"),
            name: name, classCount: classNames.count, hint: fetchHint)
    }
}

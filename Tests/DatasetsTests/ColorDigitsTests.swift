import Foundation
import Testing

@testable import Datasets

/// A photo whose sample at (row, column, channel) is `(row * 7 + column * 3 + channel * 50) % 256`.
private func gradientPhoto(width: Int, height: Int) -> DecodedImage {
    var pixels: [UInt8] = []
    for row in 0..<height {
        for column in 0..<width {
            for channel in 0..<3 {
                pixels.append(UInt8((row * 7 + column * 3 + channel * 50) % 256))
            }
        }
    }
    return DecodedImage(width: width, height: height, channels: 3, pixels: pixels)
}

private func toyDigits(count: Int = 12, side: Int = 4) throws -> DigitsDataset {
    try DigitsDataset(
        name: "toy", images: (0..<(count * side * side)).map { UInt8(($0 * 37) % 256) }, imageShape: [1, side, side],
        labels: (0..<count).map { $0 % 10 }, classCount: 10)
}

private let photosFetched = ColorDigits.photoRelativePaths.allSatisfy {
    FileManager.default.fileExists(atPath: DataDirectory.resolved().appendingPathComponent($0).path)
}

@Suite("Colour digits")
struct ColorDigitsTests {
    @Test("a constant photo gives |colour − digit| in every channel")
    func constantPhoto() throws {
        let digits = try toyDigits()
        let photo = DecodedImage(width: 9, height: 7, channels: 3, pixels: (0..<63).flatMap { _ in [UInt8](arrayLiteral: 200, 100, 0) })
        let colour = try ColorDigits.make(from: digits, photos: [photo], seed: 1)
        #expect(colour.imageShape == [3, 4, 4])
        #expect(colour.labels == digits.labels)
        #expect(colour.name == "color-toy")
        for image in 0..<digits.count {
            let digit = Array(digits.image(at: image))
            let blended = Array(colour.image(at: image))
            for pixel in 0..<16 {
                #expect(blended[pixel] == UInt8(abs(200 - Int(digit[pixel]))))
                #expect(blended[16 + pixel] == UInt8(abs(100 - Int(digit[pixel]))))
                #expect(blended[32 + pixel] == digit[pixel])
            }
        }
    }

    @Test("each image is a window of one photo blended with its digit, deterministic for a seed")
    func windows() throws {
        let digits = try toyDigits(count: 40)
        let photos = [gradientPhoto(width: 20, height: 10), gradientPhoto(width: 8, height: 30)]
        let colour = try ColorDigits.make(from: digits, photos: photos, seed: 7)
        #expect(try ColorDigits.make(from: digits, photos: photos, seed: 7) == colour)
        #expect(try ColorDigits.make(from: digits, photos: photos, seed: 8).images != colour.images)
        var photosUsed: Set<Int> = []
        for image in 0..<digits.count {
            let digit = digits.image(at: image).map(Int.init)
            let blended = Array(colour.image(at: image))
            // Find a photo and window that explain the image.
            var explained = false
            for (number, photo) in photos.enumerated() {
                for top in 0...(photo.height - 4) {
                    for left in 0...(photo.width - 4) where !explained {
                        let fits = (0..<3).allSatisfy { channel in
                            (0..<16).allSatisfy { pixel in
                                let background = Int(photo[row: top + pixel / 4, column: left + pixel % 4, channel: channel])
                                return Int(blended[channel * 16 + pixel]) == abs(background - digit[pixel])
                            }
                        }
                        if fits {
                            explained = true
                            photosUsed.insert(number)
                        }
                    }
                }
            }
            #expect(explained, "image \(image) is no blend of a photo window and its digit")
        }
        #expect(photosUsed == [0, 1])
    }

    @Test("a subset's images are the same as in the whole set's construction when indices match")
    func perImageStreams() throws {
        let digits = try toyDigits(count: 10)
        let photos = [gradientPhoto(width: 30, height: 30)]
        let all = try ColorDigits.make(from: digits, photos: photos, seed: 3)
        let firstFive = try ColorDigits.make(from: digits.subset(0..<5), photos: photos, seed: 3)
        #expect(Array(all.images.prefix(5 * 48)) == firstFive.images)
    }

    @Test("resizing to another side, and the errors for bad inputs")
    func sizesAndErrors() throws {
        let digits = try toyDigits()
        let photo = gradientPhoto(width: 40, height: 40)
        let large = try ColorDigits.make(from: digits, photos: [photo], seed: 1, imageSide: 32)
        #expect(large.imageShape == [3, 32, 32])
        expectDatasetError("invalidConfiguration", containing: ["no photos"]) {
            try ColorDigits.make(from: digits, photos: [], seed: 1)
        }
        expectDatasetError("invalidConfiguration", containing: ["smaller than one 4 × 4 crop"]) {
            try ColorDigits.make(from: digits, photos: [gradientPhoto(width: 3, height: 10)], seed: 1)
        }
        let colour = try digits.replicatingChannels(to: 3)
        expectDatasetError("unexpectedShape", containing: ["grayscale"]) {
            try ColorDigits.make(from: colour, photos: [photo], seed: 1)
        }
    }

    @Test("missing photos name Scripts/fetch-photos.sh")
    func missingPhotos() throws {
        try withTemporaryDirectory { directory in
            expectDatasetError("missingFile", containing: ["china.jpg", "Scripts/fetch-photos.sh"]) {
                try ColorDigits.loadPhotos(dataDirectory: directory)
            }
        }
    }

    @Test("the fetched photos decode to 640×427 RGB and colour real digits", .enabled(if: photosFetched))
    func realPhotos() throws {
        let photos = try ColorDigits.loadPhotos()
        #expect(photos.count == 2)
        for photo in photos {
            #expect(photo.width == 640 && photo.height == 427 && photo.channels == 3)
        }
        let digits = try EmbeddedDigits.multipleFeatures().resized(to: ImageSize(side: 28)).subset(0..<50)
        let colour = try ColorDigits.make(from: digits, photos: photos, seed: ColorDigits.defaultSeed)
        #expect(colour.imageShape == [3, 28, 28])
        #expect(Set(colour.images).count > 100)
    }
}

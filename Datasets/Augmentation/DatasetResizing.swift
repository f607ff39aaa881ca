extension DigitsDataset {
    /// The same images resized by bilinear interpolation (see
    /// ``ImageTransforms/resizeBilinear(_:to:)`` for the sampling), rounded to the nearest byte.
    ///
    /// Used to bring two data sets to a common size, such as optdigits (8 × 8) and mfeat-pix
    /// (16 × 15) to 28 × 28 for a domain pair. Upsampling an 8 × 8 image gives a smooth, blurred
    /// digit; the set's statistics (stroke width, contrast) still differ, which is the point of a
    /// domain pair.
    ///
    /// **Shape**: images `[N, C, H, W] → [N, C, size.height, size.width]`.
    ///
    /// - Parameters:
    ///   - size: The new height and width, both positive.
    ///   - name: The name of the result; this data set's name by default.
    /// - Returns: This data set itself when it already has that size.
    public func resized(to size: ImageSize, name: String? = nil) -> DigitsDataset {
        precondition(size.height > 0 && size.width > 0, "resized(to:): size \(size) is not positive")
        let (channels, height, width) = (imageShape[0], imageShape[1], imageShape[2])
        var result = self
        result.name = name ?? self.name
        if height == size.height && width == size.width { return result }
        let plan = BilinearPlan(from: ImageSize(height: height, width: width), to: size)
        let inputPlane = height * width
        let outputPlane = size.height * size.width
        var output = [UInt8](repeating: 0, count: count * channels * outputPlane)
        var sourcePlane = [Float](repeating: 0, count: inputPlane)
        var resizedPlane = [Float](repeating: 0, count: outputPlane)
        images.withUnsafeBufferPointer { input in
            for plane in 0..<(count * channels) {
                for pixel in 0..<inputPlane {
                    sourcePlane[pixel] = Float(input[plane * inputPlane + pixel])
                }
                sourcePlane.withUnsafeBufferPointer { source in
                    resizedPlane.withUnsafeMutableBufferPointer { plan.resize(source, into: $0) }
                }
                for pixel in 0..<outputPlane {
                    output[plane * outputPlane + pixel] = UInt8(min(255, max(0, resizedPlane[pixel].rounded())))
                }
            }
        }
        result.images = output
        result.imageShape = [channels, size.height, size.width]
        return result
    }

    /// The same images with their single channel repeated `channelCount` times (grayscale to RGB).
    ///
    /// **Shape**: images `[N, 1, H, W] → [N, channelCount, H, W]`.
    ///
    /// - Parameters:
    ///   - channelCount: The number of channels of the result, such as 3.
    ///   - name: The name of the result; this data set's name by default.
    /// - Returns: This data set itself when it already has `channelCount` channels.
    /// - Throws: ``DatasetError/unexpectedShape(source:expected:found:)`` when the images have
    ///   neither one channel nor `channelCount`.
    public func replicatingChannels(to channelCount: Int, name: String? = nil) throws -> DigitsDataset {
        var result = self
        result.name = name ?? self.name
        if imageShape[0] == channelCount { return result }
        guard imageShape[0] == 1, channelCount > 0 else {
            throw DatasetError.unexpectedShape(
                source: self.name, expected: "1 channel to replicate into \(channelCount)", found: "\(imageShape[0]) channels")
        }
        let planeSize = imageShape[1] * imageShape[2]
        var output: [UInt8] = []
        output.reserveCapacity(images.count * channelCount)
        for image in 0..<count {
            let plane = images[(image * planeSize)..<((image + 1) * planeSize)]
            for _ in 0..<channelCount {
                output.append(contentsOf: plane)
            }
        }
        result.images = output
        result.imageShape = [channelCount, imageShape[1], imageShape[2]]
        return result
    }
}

extension DigitsDataset {
    /// The same digits framed as MNIST's were: each digit's ink scaled into a `box × box` square
    /// and centred by mass in a `canvas × canvas` image.
    ///
    /// MNIST's digits were made by fitting each digit's bounding box into a 20 × 20 box (keeping
    /// its aspect ratio), then placing it in a 28 × 28 field so that its centre of mass is at the
    /// field's centre. Sets whose digits fill their whole frame (mfeat-pix) look very different
    /// from MNIST once merely resized (``resized(to:name:)``); framing them this way removes that
    /// difference in scale and placement. For every image:
    ///
    /// 1. The ink is the pixels whose intensity (summed over the channels) is above 0; its bounding
    ///    box, `h × w`, is cropped.
    /// 2. The crop is resized by bilinear interpolation (the sampling of
    ///    ``ImageTransforms/resizeBilinear(_:to:)``) so that its longer side is exactly `box`
    ///    pixels and the other keeps the aspect ratio: `round(box × shorter / longer)`, at least 1.
    ///    Pixels are rounded to the nearest byte.
    /// 3. Its centre of mass `(r̄, c̄)` (intensity-weighted, summed over the channels, in pixel
    ///    indices) is computed, and the crop is pasted into a zero `canvas × canvas` image with
    ///    its top-left corner at `(round(canvas/2 − r̄), round(canvas/2 − c̄))` (MNIST's convention:
    ///    a translation by whole pixels), clamped so that the whole crop stays inside the canvas.
    ///    The centre of mass thus lands within half a pixel of `(canvas/2, canvas/2)`, `(14, 14)`
    ///    for 28, unless the clamp moved it.
    ///
    /// Every channel is cropped, resized and moved alike. An image without ink becomes an
    /// all-zero canvas. Unlike MNIST's anti-aliased reduction, bilinear sampling skips pixels when
    /// shrinking by a large factor; digits smaller than `box`, such as mfeat-pix's 16 × 15, are
    /// enlarged, where the two agree closely.
    ///
    /// **Shape**: images `[N, C, H, W] → [N, C, canvas, canvas]`; labels unchanged.
    ///
    /// - Parameters:
    ///   - box: The side of the square each digit's longer side is scaled to; 20 as in MNIST.
    ///   - canvas: The side of the square result; 28 as in MNIST.
    ///   - name: The name of the result; this data set's name by default.
    /// - Precondition: `0 < box <= canvas`.
    public func framed(box: Int = 20, canvas: Int = 28, name: String? = nil) -> DigitsDataset {
        precondition(box > 0 && box <= canvas, "framed(box:canvas:): the box \(box) must be in 1...\(canvas) (the canvas)")
        let (channels, height, width) = (imageShape[0], imageShape[1], imageShape[2])
        let inputPlane = height * width
        let outputPlane = canvas * canvas
        var output = [UInt8](repeating: 0, count: count * channels * outputPlane)
        var intensity = [Int](repeating: 0, count: inputPlane)
        images.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                for image in 0..<count {
                    let imageStart = image * channels * inputPlane
                    // 1. The bounding box of the ink, on the channel-summed intensity.
                    for pixel in 0..<inputPlane {
                        var sum = 0
                        for channel in 0..<channels {
                            sum += Int(input[imageStart + channel * inputPlane + pixel])
                        }
                        intensity[pixel] = sum
                    }
                    guard let ink = Self.inkBounds(intensity, height: height, width: width) else { continue }
                    // 2. The crop, resized so that its longer side is `box`.
                    let cropSize = ImageSize(height: ink.rows.count, width: ink.columns.count)
                    let longer = max(cropSize.height, cropSize.width)
                    func scaled(_ side: Int) -> Int {
                        side == longer ? box : max(1, Int((Double(box * side) / Double(longer)).rounded()))
                    }
                    let fittedSize = ImageSize(height: scaled(cropSize.height), width: scaled(cropSize.width))
                    let plan = BilinearPlan(from: cropSize, to: fittedSize)
                    let fittedPlane = fittedSize.height * fittedSize.width
                    var crop = [Float](repeating: 0, count: cropSize.height * cropSize.width)
                    var resized = [Float](repeating: 0, count: fittedPlane)
                    var fitted = [UInt8](repeating: 0, count: channels * fittedPlane)
                    for channel in 0..<channels {
                        let planeStart = imageStart + channel * inputPlane
                        for (row, sourceRow) in ink.rows.enumerated() {
                            for (column, sourceColumn) in ink.columns.enumerated() {
                                crop[row * cropSize.width + column] = Float(input[planeStart + sourceRow * width + sourceColumn])
                            }
                        }
                        crop.withUnsafeBufferPointer { source in
                            resized.withUnsafeMutableBufferPointer { plan.resize(source, into: $0) }
                        }
                        for pixel in 0..<fittedPlane {
                            fitted[channel * fittedPlane + pixel] = UInt8(min(255, max(0, resized[pixel].rounded())))
                        }
                    }
                    // 3. Pasted so that its centre of mass is at the canvas centre.
                    var (mass, rowMoment, columnMoment) = (0.0, 0.0, 0.0)
                    for row in 0..<fittedSize.height {
                        for column in 0..<fittedSize.width {
                            var sum = 0
                            for channel in 0..<channels {
                                sum += Int(fitted[channel * fittedPlane + row * fittedSize.width + column])
                            }
                            mass += Double(sum)
                            rowMoment += Double(sum * row)
                            columnMoment += Double(sum * column)
                        }
                    }
                    // Ink this faint can round to zero everywhere: centre the box itself then.
                    let centre = Double(canvas) / 2
                    let massRow = mass > 0 ? rowMoment / mass : Double(fittedSize.height - 1) / 2
                    let massColumn = mass > 0 ? columnMoment / mass : Double(fittedSize.width - 1) / 2
                    let top = min(canvas - fittedSize.height, max(0, Int((centre - massRow).rounded())))
                    let left = min(canvas - fittedSize.width, max(0, Int((centre - massColumn).rounded())))
                    for channel in 0..<channels {
                        let planeStart = (image * channels + channel) * outputPlane
                        for row in 0..<fittedSize.height {
                            for column in 0..<fittedSize.width {
                                output[planeStart + (top + row) * canvas + left + column] =
                                    fitted[channel * fittedPlane + row * fittedSize.width + column]
                            }
                        }
                    }
                }
            }
        }
        return DigitsDataset(
            uncheckedName: name ?? self.name, images: output, imageShape: [channels, canvas, canvas], labels: labels,
            classCount: classCount, labelSets: labelSets)
    }

    /// The rows and columns of the smallest rectangle holding every pixel of a plane above 0, or
    /// `nil` when there is none.
    static func inkBounds(_ plane: [Int], height: Int, width: Int) -> (rows: ClosedRange<Int>, columns: ClosedRange<Int>)? {
        var (top, bottom, left, right) = (height, -1, width, -1)
        for row in 0..<height {
            for column in 0..<width where plane[row * width + column] > 0 {
                top = min(top, row)
                bottom = max(bottom, row)
                left = min(left, column)
                right = max(right, column)
            }
        }
        return bottom < 0 ? nil : (top...bottom, left...right)
    }
}

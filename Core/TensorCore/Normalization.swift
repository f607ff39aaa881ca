/// Per-channel statistics computed by a training-mode batch normalisation.
public struct BatchStatistics {
    /// The mean of each channel over the batch (and spatial positions).
    public var mean: [Float]
    /// The biased variance (divided by the count) of each channel.
    public var variance: [Float]
    /// How many values each channel's statistics were computed from.
    public var count: Int
}

extension Tensor {
    /// (batch, channels, positions per channel) of a `[N, C]` or `[N, C, …]` tensor.
    private func channelLayout(function: StaticString) -> (batch: Int, channels: Int, positions: Int) {
        precondition(rank >= 2, "\(function): input must be [N, C] or [N, C, H, W], got \(shape)")
        return (shape[0], shape[1], shape[2...].reduce(1, *))
    }

    /// Batch normalisation with statistics of this batch (training mode), a fused primitive.
    ///
    /// `y = weight · (x − mean) / √(variance + ε) + bias`, per channel, with the biased
    /// variance over the batch and spatial axes. Gradients flow to the input, weight and bias
    /// (through the batch statistics too, as in PyTorch).
    ///
    /// **Shape**: input `[N, C]` or `[N, C, H, W]`, weight and bias `[C]` → the input's shape.
    /// - Returns: the output and the statistics (for running averages).
    public func batchNormalized(weight: Tensor, bias: Tensor, epsilon: Float) -> (output: Tensor, statistics: BatchStatistics) {
        let (batch, channels, positions) = channelLayout(function: "batchNormalized")
        precondition(
            weight.shape == [channels] && bias.shape == [channels],
            "batchNormalized: weight \(weight.shape) and bias \(bias.shape) must be [\(channels)] for input \(shape)")
        let count = batch * positions
        precondition(count > 0, "batchNormalized: empty batch \(shape)")
        var means = [Float](repeating: 0, count: channels)
        var variances = [Float](repeating: 0, count: channels)
        var inverseStd = [Float](repeating: 0, count: channels)
        var normalized = [Float](repeating: 0, count: self.count)
        // Channels are independent: chunks of channels run in parallel, and each channel's sums are
        // taken in the same order whatever the chunking (the same bits at every thread count). One
        // thread took 8 % of an Intersectant-GAN step here (perf, bench-gan at batch 64).
        let chunks = Swift.max(1, Swift.min(Engine.threadCount, channels, self.count / 4096))
        let gamma = weight.scalars, beta = bias.scalars
        let value = Tensor(
            shape: shape,
            unsafeUninitialized: { out in
                scalars.withUnsafeBufferPointer { xBuffer in
                    means.withUnsafeMutableBufferPointer { meanBuffer in
                        variances.withUnsafeMutableBufferPointer { varianceBuffer in
                            inverseStd.withUnsafeMutableBufferPointer { inverseBuffer in
                                normalized.withUnsafeMutableBufferPointer { normalizedBuffer in
                                    let x = xBuffer.baseAddress!, normal = normalizedBuffer.baseAddress!
                                    let (meanOut, varianceOut, inverseOut) = (
                                        meanBuffer.baseAddress!, varianceBuffer.baseAddress!, inverseBuffer.baseAddress!
                                    )
                                    parallelChunks(chunks) { chunk in
                                        for c in (channels * chunk / chunks)..<(channels * (chunk + 1) / chunks) {
                                            var total: Double = 0
                                            for n in 0..<batch {
                                                let row = x + (n * channels + c) * positions
                                                var partial: Float = 0
                                                for p in 0..<positions { partial += row[p] }
                                                total += Double(partial)
                                            }
                                            let mean = Float(total / Double(count))
                                            var squares: Double = 0
                                            for n in 0..<batch {
                                                let row = x + (n * channels + c) * positions
                                                var partial: Float = 0
                                                for p in 0..<positions {
                                                    let d = row[p] - mean
                                                    partial += d * d
                                                }
                                                squares += Double(partial)
                                            }
                                            let variance = Float(squares / Double(count))
                                            let inverse = 1 / (variance + epsilon).squareRoot()
                                            meanOut[c] = mean
                                            varianceOut[c] = variance
                                            inverseOut[c] = inverse
                                            let (scale, shift) = (gamma[c], beta[c])
                                            for n in 0..<batch {
                                                let offset = (n * channels + c) * positions
                                                for p in 0..<positions {
                                                    let z = (x[offset + p] - mean) * inverse
                                                    normal[offset + p] = z
                                                    out[offset + p] = scale * z + shift
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            })
        let inputShape = shape
        let output = recordOperation(value, inputs: [self, weight, bias]) { g, needs in
            var sumG = [Float](repeating: 0, count: channels)
            var sumGX = [Float](repeating: 0, count: channels)
            var inputGradient = [Float](repeating: 0, count: needs[0] ? g.count : 0)
            let scale = 1 / Float(count)
            g.scalars.withUnsafeBufferPointer { gBuffer in
                normalized.withUnsafeBufferPointer { normalizedBuffer in
                    sumG.withUnsafeMutableBufferPointer { sumGBuffer in
                        sumGX.withUnsafeMutableBufferPointer { sumGXBuffer in
                            inputGradient.withUnsafeMutableBufferPointer { dxBuffer in
                                let (gs, normal) = (gBuffer.baseAddress!, normalizedBuffer.baseAddress!)
                                let (sumGOut, sumGXOut, dx) = (sumGBuffer.baseAddress!, sumGXBuffer.baseAddress!, dxBuffer.baseAddress)
                                parallelChunks(chunks) { chunk in
                                    for c in (channels * chunk / chunks)..<(channels * (chunk + 1) / chunks) {
                                        var totalG: Float = 0, totalGX: Float = 0
                                        for n in 0..<batch {
                                            let offset = (n * channels + c) * positions
                                            var a: Float = 0, b: Float = 0
                                            for p in 0..<positions {
                                                a += gs[offset + p]
                                                b += gs[offset + p] * normal[offset + p]
                                            }
                                            totalG += a
                                            totalGX += b
                                        }
                                        sumGOut[c] = totalG
                                        sumGXOut[c] = totalGX
                                        guard let dx else { continue }
                                        let factor = gamma[c] * inverseStd[c]
                                        let meanG = totalG * scale, meanGX = totalGX * scale
                                        for n in 0..<batch {
                                            let offset = (n * channels + c) * positions
                                            for p in 0..<positions {
                                                dx[offset + p] = factor * (gs[offset + p] - meanG - normal[offset + p] * meanGX)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return [
                needs[0] ? Tensor(shape: inputShape, scalars: inputGradient) : nil, needs[1] ? Tensor([Float](sumGX)) : nil,
                needs[2] ? Tensor([Float](sumG)) : nil,
            ]
        }
        return (output, BatchStatistics(mean: means, variance: variances, count: count))
    }

    /// Batch normalisation with fixed statistics (evaluation mode):
    /// `y = weight · (x − mean) / √(variance + ε) + bias`. The statistics are constants;
    /// gradients flow to the input, weight and bias.
    ///
    /// **Shape**: input `[N, C]` or `[N, C, H, W]`; mean, variance, weight, bias `[C]`.
    public func batchNormalized(mean: Tensor, variance: Tensor, weight: Tensor, bias: Tensor, epsilon: Float) -> Tensor {
        let (_, channels, _) = channelLayout(function: "batchNormalized(mean:variance:)")
        for (name, parameter) in [("mean", mean), ("variance", variance), ("weight", weight), ("bias", bias)] {
            precondition(parameter.shape == [channels], "batchNormalized: \(name) \(parameter.shape) must be [\(channels)] for input \(shape)")
        }
        var broadcastShape = [Int](repeating: 1, count: rank)
        broadcastShape[1] = channels
        let scale = (variance.detached() + epsilon).squareRoot().map { 1 / $0 }.reshaped(broadcastShape)
        let centered = self - mean.detached().reshaped(broadcastShape)
        return centered * scale * weight.reshaped(broadcastShape) + bias.reshaped(broadcastShape)
    }

    /// Inverted dropout: zeroes each element with probability `probability` and scales the
    /// rest by `1 / (1 − probability)`. The mask is drawn from `generator`.
    public func dropout(probability: Float, generator: inout SeededGenerator) -> Tensor {
        precondition(probability >= 0 && probability < 1, "dropout: probability \(probability) must be in [0, 1)")
        if probability == 0 { return self }
        let keep = 1 / (1 - probability)
        let mask = Tensor(
            shape: shape,
            unsafeUninitialized: { m in
                for i in m.indices { m[i] = generator.nextUniform() < probability ? 0 : keep }
            })
        return self * mask
    }
}

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
        scalars.withUnsafeBufferPointer { x in
            for c in 0..<channels {
                var total: Double = 0
                for n in 0..<batch {
                    let row = x.baseAddress! + (n * channels + c) * positions
                    var partial: Float = 0
                    for p in 0..<positions { partial += row[p] }
                    total += Double(partial)
                }
                let mean = Float(total / Double(count))
                var squares: Double = 0
                for n in 0..<batch {
                    let row = x.baseAddress! + (n * channels + c) * positions
                    var partial: Float = 0
                    for p in 0..<positions { let d = row[p] - mean; partial += d * d }
                    squares += Double(partial)
                }
                means[c] = mean
                variances[c] = Float(squares / Double(count))
                inverseStd[c] = 1 / (variances[c] + epsilon).squareRoot()
                for n in 0..<batch {
                    let offset = (n * channels + c) * positions
                    for p in 0..<positions { normalized[offset + p] = (x[offset + p] - mean) * inverseStd[c] }
                }
            }
        }
        let gamma = weight.scalars, beta = bias.scalars
        let value = Tensor(
            shape: shape,
            unsafeUninitialized: { out in
                for n in 0..<batch {
                    for c in 0..<channels {
                        let offset = (n * channels + c) * positions
                        for p in 0..<positions { out[offset + p] = gamma[c] * normalized[offset + p] + beta[c] }
                    }
                }
            })
        let inputShape = shape
        let output = recordOperation(value, inputs: [self, weight, bias]) { g, needs in
            var sumG = [Float](repeating: 0, count: channels)
            var sumGX = [Float](repeating: 0, count: channels)
            for n in 0..<batch {
                for c in 0..<channels {
                    let offset = (n * channels + c) * positions
                    var a: Float = 0, b: Float = 0
                    for p in 0..<positions { a += g.scalars[offset + p]; b += g.scalars[offset + p] * normalized[offset + p] }
                    sumG[c] += a
                    sumGX[c] += b
                }
            }
            var inputGradient: Tensor? = nil
            if needs[0] {
                let scale = 1 / Float(count)
                inputGradient = Tensor(
                    shape: inputShape,
                    unsafeUninitialized: { dx in
                        for n in 0..<batch {
                            for c in 0..<channels {
                                let offset = (n * channels + c) * positions
                                let factor = gamma[c] * inverseStd[c]
                                let meanG = sumG[c] * scale, meanGX = sumGX[c] * scale
                                for p in 0..<positions {
                                    dx[offset + p] = factor * (g.scalars[offset + p] - meanG - normalized[offset + p] * meanGX)
                                }
                            }
                        }
                    })
            }
            return [inputGradient, needs[1] ? Tensor([Float](sumGX)) : nil, needs[2] ? Tensor([Float](sumG)) : nil]
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

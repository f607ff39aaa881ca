// MARK: - Reshape, broadcast, permute

extension Tensor {
    /// The same elements under a new shape; one extent may be `-1` (inferred).
    ///
    /// - Precondition: the element counts agree.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshaped: cannot reshape \(shape) to \(newShape)")
            resolved[inferred] = count / known
        }
        precondition(
            resolved.allSatisfy { $0 >= 0 } && resolved.reduce(1, *) == count,
            "reshaped: cannot reshape \(shape) (\(count) elements) to \(newShape)")
        if resolved == shape { return self }
        let value = Tensor(shape: resolved, scalars: scalars)
        let original = shape
        return recordOperation(value, inputs: [self]) { g, _ in [g.reshaped(original)] }
    }

    /// Collapses all axes from `startAxis` on into one.
    public func flattened(startAxis: Int = 1) -> Tensor {
        precondition(startAxis >= 0 && startAxis <= rank, "flattened: start axis \(startAxis) out of range for shape \(shape)")
        return reshaped(Array(shape[..<startAxis]) + [shape[startAxis...].reduce(1, *)])
    }

    /// Inserts an axis of extent 1 at `axis`.
    public func expandingShape(at axis: Int) -> Tensor {
        let position = axis < 0 ? axis + rank + 1 : axis
        precondition(position >= 0 && position <= rank, "expandingShape: axis \(axis) out of range for shape \(shape)")
        var newShape = shape
        newShape.insert(1, at: position)
        return reshaped(newShape)
    }

    /// Repeats this tensor along stretched axes to `targetShape` (NumPy broadcasting).
    /// Backward: the gradient is summed back to this shape.
    public func broadcast(to targetShape: [Int]) -> Tensor {
        if targetShape == shape { return self }
        let checked = broadcastShape(shape, targetShape, function: "broadcast(to:)")
        precondition(checked == targetShape, "broadcast(to:): shape \(shape) cannot be broadcast to \(targetShape)")
        let walk = StridedWalk(shape: targetShape, strides: [Tensor.strides(of: targetShape), broadcastStrides(of: shape, to: targetShape)])
        let value = Tensor(
            shape: targetShape,
            unsafeUninitialized: { out in
                scalars.withUnsafeBufferPointer { x in
                    walk.forEachRun { offsets, length, strides in
                        var o = offsets[0], i = offsets[1]
                        for _ in 0..<length {
                            out[o] = x[i]
                            o += strides[0]; i += strides[1]
                        }
                    }
                }
            })
        let original = shape
        return recordOperation(value, inputs: [self]) { g, _ in [g.summed(toShape: original)] }
    }

    /// Reorders the axes: result axis `i` is input axis `axes[i]`.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank && Set(axes) == Set(0..<rank), "permuted: \(axes) is not a permutation of the axes of \(shape)")
        if axes == Array(0..<rank) { return self }
        let newShape = axes.map { shape[$0] }
        let sourceStrides = Tensor.strides(of: shape)
        let walk = StridedWalk(shape: newShape, strides: [Tensor.strides(of: newShape), axes.map { sourceStrides[$0] }])
        let value = Tensor(
            shape: newShape,
            unsafeUninitialized: { out in
                scalars.withUnsafeBufferPointer { x in
                    walk.forEachRun { offsets, length, strides in
                        var o = offsets[0], i = offsets[1]
                        for _ in 0..<length {
                            out[o] = x[i]
                            o += strides[0]; i += strides[1]
                        }
                    }
                }
            })
        var inverse = [Int](repeating: 0, count: rank)
        for (position, axis) in axes.enumerated() { inverse[axis] = position }
        return recordOperation(value, inputs: [self]) { g, _ in [g.permuted(inverse)] }
    }

    /// The matrix transpose of a rank-2 tensor.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed: expects a rank-2 tensor, got shape \(shape)")
        return permuted([1, 0])
    }
}

// MARK: - Slicing and joining

extension Tensor {
    /// The elements with index in `range` along `axis`.
    public func slice(axis: Int, range: Range<Int>) -> Tensor {
        let axis = normalizedAxis(axis)
        precondition(
            range.lowerBound >= 0 && range.upperBound <= shape[axis],
            "slice: range \(range) out of bounds for axis \(axis) of shape \(shape)")
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        var newShape = shape
        newShape[axis] = range.count
        let run = range.count * inner
        let value = Tensor(
            shape: newShape,
            unsafeUninitialized: { out in
                scalars.withUnsafeBufferPointer { x in
                    for o in 0..<outer {
                        let source = x.baseAddress! + (o * shape[axis] + range.lowerBound) * inner
                        (out.baseAddress! + o * run).update(from: source, count: run)
                    }
                }
            })
        let original = shape
        return recordOperation(value, inputs: [self]) { g, _ in
            var full = Tensor.zeros(original)
            full.scalars.withUnsafeMutableBufferPointer { d in
                g.scalars.withUnsafeBufferPointer { gs in
                    for o in 0..<outer {
                        (d.baseAddress! + (o * original[axis] + range.lowerBound) * inner).update(from: gs.baseAddress! + o * run, count: run)
                    }
                }
            }
            return [full]
        }
    }

    /// Joins tensors along `axis`; all other extents must agree.
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate: no tensors")
        let first = tensors[0]
        let axis = first.normalizedAxis(axis)
        for tensor in tensors {
            precondition(
                tensor.rank == first.rank
                    && (0..<first.rank).allSatisfy { $0 == axis || tensor.shape[$0] == first.shape[$0] },
                "concatenate: shape \(tensor.shape) does not match \(first.shape) outside axis \(axis)")
        }
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[(axis + 1)...].reduce(1, *)
        let extents = tensors.map { $0.shape[axis] }
        let total = extents.reduce(0, +)
        var newShape = first.shape
        newShape[axis] = total
        let value = Tensor(
            shape: newShape,
            unsafeUninitialized: { out in
                var start = 0
                for tensor in tensors {
                    let run = tensor.shape[axis] * inner
                    tensor.scalars.withUnsafeBufferPointer { x in
                        for o in 0..<outer {
                            (out.baseAddress! + o * total * inner + start * inner).update(from: x.baseAddress! + o * run, count: run)
                        }
                    }
                    start += tensor.shape[axis]
                }
            })
        return recordOperation(value, inputs: tensors) { g, needs in
            var start = 0
            return extents.enumerated().map { slot, extent in
                defer { start += extent }
                return needs[slot] ? g.slice(axis: axis, range: start..<(start + extent)) : nil
            }
        }
    }

    /// Rows (slices along `axis`) picked by index, in order; indices may repeat.
    /// Backward: gradients of repeated rows add up.
    public func indexSelect(_ indices: [Int], axis: Int = 0) -> Tensor {
        let axis = normalizedAxis(axis)
        let extent = shape[axis]
        for index in indices {
            precondition(index >= 0 && index < extent, "indexSelect: index \(index) out of range 0..<\(extent) on axis \(axis) of shape \(shape)")
        }
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        var newShape = shape
        newShape[axis] = indices.count
        let value = Tensor(
            shape: newShape,
            unsafeUninitialized: { out in
                scalars.withUnsafeBufferPointer { x in
                    for o in 0..<outer {
                        for (position, index) in indices.enumerated() {
                            (out.baseAddress! + (o * indices.count + position) * inner)
                                .update(from: x.baseAddress! + (o * extent + index) * inner, count: inner)
                        }
                    }
                }
            })
        let original = shape
        return recordOperation(value, inputs: [self]) { g, _ in
            var full = Tensor.zeros(original)
            full.scalars.withUnsafeMutableBufferPointer { d in
                g.scalars.withUnsafeBufferPointer { gs in
                    for o in 0..<outer {
                        for (position, index) in indices.enumerated() {
                            let target = d.baseAddress! + (o * extent + index) * inner
                            let source = gs.baseAddress! + (o * indices.count + position) * inner
                            for t in 0..<inner { target[t] += source[t] }
                        }
                    }
                }
            }
            return [full]
        }
    }

    /// `torch.gather`: `result[i][j]… = self[…][index[i][j]…][…]` along `axis`, where `indices`
    /// has `indexShape` (same rank as this tensor, extents no larger off `axis`).
    /// Backward: scatter-add into the gathered positions.
    public func gather(axis: Int, indices: [Int], indexShape: [Int]) -> Tensor {
        let axis = normalizedAxis(axis)
        precondition(indexShape.count == rank, "gather: index shape \(indexShape) has a different rank from \(shape)")
        precondition(indices.count == indexShape.reduce(1, *), "gather: \(indices.count) indices for index shape \(indexShape)")
        for dimension in 0..<rank where dimension != axis {
            precondition(indexShape[dimension] <= shape[dimension], "gather: index shape \(indexShape) exceeds \(shape) on axis \(dimension)")
        }
        let extent = shape[axis]
        let sourceStrides = Tensor.strides(of: shape)
        let indexStrides = Tensor.strides(of: indexShape)
        // Source offset of each output element.
        var offsets = [Int](repeating: 0, count: indices.count)
        for flat in 0..<indices.count {
            var remainder = flat
            var offset = 0
            for dimension in 0..<rank {
                let coordinate = remainder / indexStrides[dimension]
                remainder %= indexStrides[dimension]
                if dimension == axis {
                    let index = indices[flat]
                    precondition(index >= 0 && index < extent, "gather: index \(index) out of range 0..<\(extent) on axis \(axis)")
                    offset += index * sourceStrides[dimension]
                } else {
                    offset += coordinate * sourceStrides[dimension]
                }
            }
            offsets[flat] = offset
        }
        let value = Tensor(
            shape: indexShape,
            unsafeUninitialized: { out in
                scalars.withUnsafeBufferPointer { x in
                    for i in 0..<out.count { out[i] = x[offsets[i]] }
                }
            })
        let original = shape
        return recordOperation(value, inputs: [self]) { g, _ in
            var full = Tensor.zeros(original)
            full.scalars.withUnsafeMutableBufferPointer { d in
                for i in 0..<offsets.count { d[offsets[i]] += g.scalars[i] }
            }
            return [full]
        }
    }
}

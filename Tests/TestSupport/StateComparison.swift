import TensorCore

/// Whether two state dictionaries hold the same keys with tensors of equal shapes and
/// bit-identical elements.
public func sameState(_ first: [String: Tensor], _ second: [String: Tensor]) -> Bool {
    guard Set(first.keys) == Set(second.keys) else { return false }
    return first.allSatisfy { key, tensor in
        let other = second[key]!
        return tensor.shape == other.shape && tensor.scalars.map(\.bitPattern) == other.scalars.map(\.bitPattern)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a tracked tensor sits on a tape: the tape's identity and the node's index.
///
/// A plain value (no reference to the tape), so tensors that outlive their tape keep nothing
/// alive and create no reference cycles.
public struct TapeNodeReference: Equatable {
    @usableFromInline let tapeID: Int
    @usableFromInline let index: Int
}

/// The rule that turns the gradient of an operation's output into gradients of its inputs.
///
/// It receives the output gradient and, for each input, whether that input needs a gradient;
/// it returns one gradient per input (`nil` where not needed). Each returned gradient has the
/// input's shape.
public typealias BackwardRule = (_ outputGradient: Tensor, _ needsGradient: [Bool]) -> [Tensor?]

/// A record of operations for reverse-mode differentiation.
///
/// A tape is created by ``valueAndGradient(at:of:)`` (or ``Tape/record(_:)``); while it is the
/// current tape of the thread, every operation with a tracked input appends a node holding its
/// backward rule. Nodes are appended in execution order, so walking them backwards is a valid
/// topological order. Tapes nest: the innermost one is current, and values tracked by an outer
/// tape count as constants on the inner one — which is how a GAN differentiates its
/// discriminator and its generator separately.
public final class Tape {
    private static var nextID = 1
    private static let idLock = Lock()

    /// A unique identity for this tape.
    public let id: Int
    @usableFromInline var parents: [[Int]] = []
    @usableFromInline var rules: [BackwardRule?] = []
    @usableFromInline var shapes: [[Int]] = []

    init() {
        Tape.idLock.lock()
        id = Tape.nextID
        Tape.nextID += 1
        Tape.idLock.unlock()
    }

    /// The tape recording on this thread, if any.
    public static var current: Tape? { TapeStack.forCurrentThread.top }

    /// The number of nodes recorded so far.
    public var nodeCount: Int { rules.count }

    /// Records a leaf: a copy of `value` whose gradient the tape can be asked for.
    public func track(_ value: Tensor) -> Tensor {
        let index = appendNode(parents: [], rule: nil, shape: value.shape)
        return Tensor(shape: value.shape, scalars: value.scalars, node: TapeNodeReference(tapeID: id, index: index))
    }

    @usableFromInline
    func appendNode(parents: [Int], rule: BackwardRule?, shape: [Int]) -> Int {
        self.parents.append(parents)
        rules.append(rule)
        shapes.append(shape)
        return rules.count - 1
    }

    /// Runs `body` with this tape as the current tape of the thread.
    public func record<Result>(_ body: () throws -> Result) rethrows -> Result {
        let stack = TapeStack.forCurrentThread
        stack.push(self)
        defer { stack.pop() }
        return try body()
    }

    /// Back-propagates from `output` (seeded with `seed`, or ones) and returns the gradient of
    /// each tensor in `inputs` (zeros for an input the output does not depend on).
    ///
    /// Backward rules run with gradient recording disabled. The tape's rules are released as
    /// they are used: a tape can be differentiated once.
    public func gradients(of output: Tensor, withRespectTo inputs: [Tensor], seed: Tensor? = nil) -> [Tensor] {
        let seedGradient = seed ?? Tensor(repeating: 1, shape: output.shape)
        precondition(
            seedGradient.shape == output.shape,
            "Tape.gradients: seed shape \(seedGradient.shape) differs from output shape \(output.shape)")
        guard let outputNode = output.node, outputNode.tapeID == id else {
            return inputs.map { Tensor.zeros($0.shape) }
        }
        var wanted = Set<Int>()
        for input in inputs {
            if let node = input.node, node.tapeID == id { wanted.insert(node.index) }
        }
        // Which nodes lie on a path to the output and need a gradient at all.
        var leadsToWanted = [Bool](repeating: false, count: rules.count)
        for index in 0...outputNode.index {
            if wanted.contains(index) { leadsToWanted[index] = true; continue }
            for parent in parents[index] where parent >= 0 && leadsToWanted[parent] {
                leadsToWanted[index] = true
                break
            }
        }
        var gradients = [Tensor?](repeating: nil, count: rules.count)
        gradients[outputNode.index] = seedGradient
        var results = [Int: Tensor]()
        TapeStack.forCurrentThread.push(nil)
        defer { TapeStack.forCurrentThread.pop() }
        for index in stride(from: outputNode.index, through: 0, by: -1) {
            guard let gradient = gradients[index] else { continue }
            gradients[index] = nil
            if wanted.contains(index) { results[index] = gradient }
            guard let rule = rules[index] else { continue }
            rules[index] = nil
            let nodeParents = parents[index]
            let needs = nodeParents.map { $0 >= 0 && leadsToWanted[$0] }
            guard needs.contains(true) else { continue }
            let inputGradients = rule(gradient, needs)
            precondition(
                inputGradients.count == nodeParents.count,
                "Tape: backward rule returned \(inputGradients.count) gradients for \(nodeParents.count) inputs")
            for (slot, parent) in nodeParents.enumerated() where needs[slot] {
                guard let contribution = inputGradients[slot] else { continue }
                precondition(
                    contribution.shape == shapes[parent],
                    "Tape: gradient of shape \(contribution.shape) for an input of shape \(shapes[parent])")
                if var existing = gradients[parent] {
                    gradients[parent] = nil
                    existing.addInPlace(contribution)
                    gradients[parent] = existing
                } else {
                    gradients[parent] = contribution.detached()
                }
            }
        }
        return inputs.map { input in
            if let node = input.node, node.tapeID == id, let gradient = results[node.index] { return gradient }
            return Tensor.zeros(input.shape)
        }
    }
}

/// Records the result of an operation on the current tape if any input is tracked by it.
///
/// Operations call this with their freshly computed (untracked) output, their inputs, and a
/// backward rule. The rule is only kept when the tape needs it.

public func recordOperation(_ output: Tensor, inputs: [Tensor], backward: @escaping BackwardRule) -> Tensor {
    guard let tape = Tape.current else { return output }
    var parents = [Int](repeating: -1, count: inputs.count)
    var anyTracked = false
    for (slot, input) in inputs.enumerated() {
        if let node = input.node, node.tapeID == tape.id {
            parents[slot] = node.index
            anyTracked = true
        }
    }
    guard anyTracked else { return output }
    let index = tape.appendNode(parents: parents, rule: backward, shape: output.shape)
    return Tensor(shape: output.shape, scalars: output.scalars, node: TapeNodeReference(tapeID: tape.id, index: index))
}

/// Evaluates `function` at `inputs` and returns its value with the gradient of that value with
/// respect to each input.
///
/// The function's result is usually a scalar loss; for a non-scalar result the gradient is that
/// of the sum of its elements. The returned value is detached from the tape.
///
/// ```swift
/// let (loss, gradients) = valueAndGradient(at: [w, b]) { p in ((x.matmul(p[0]) + p[1]) - y).squared().mean() }
/// ```
public func valueAndGradient(at inputs: [Tensor], of function: ([Tensor]) throws -> Tensor) rethrows -> (value: Tensor, gradients: [Tensor]) {
    let tape = Tape()
    let tracked = inputs.map { tape.track($0) }
    let output = try tape.record { try function(tracked) }
    let gradients = tape.gradients(of: output, withRespectTo: tracked)
    return (output.detached(), gradients)
}

/// Runs `body` without recording operations: nothing inside it is differentiated.
/// Use it for inference and for updates of running statistics.
public func withoutGradient<Result>(_ body: () throws -> Result) rethrows -> Result {
    let stack = TapeStack.forCurrentThread
    stack.push(nil)
    defer { stack.pop() }
    return try body()
}

/// The per-thread stack of tapes; `nil` entries disable recording.
@usableFromInline
final class TapeStack {
    private var entries: [Tape?] = []

    @usableFromInline var top: Tape? { entries.last ?? nil }
    func push(_ tape: Tape?) { entries.append(tape) }
    func pop() { entries.removeLast() }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { pointer in
            #if canImport(Darwin)
                Unmanaged<TapeStack>.fromOpaque(pointer).release()
            #else
                if let pointer { Unmanaged<TapeStack>.fromOpaque(pointer).release() }
            #endif
        }
        precondition(status == 0, "TapeStack: pthread_key_create failed with \(status)")
        return key
    }()

    @usableFromInline static var forCurrentThread: TapeStack {
        if let pointer = pthread_getspecific(key) {
            return Unmanaged<TapeStack>.fromOpaque(pointer).takeUnretainedValue()
        }
        let stack = TapeStack()
        pthread_setspecific(key, Unmanaged.passRetained(stack).toOpaque())
        return stack
    }
}

/// A small mutual-exclusion lock.
final class Lock {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func lock() { pthread_mutex_lock(&mutex) }
    func unlock() { pthread_mutex_unlock(&mutex) }
}

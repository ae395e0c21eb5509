import CairnCore

/// One configured input at run time. Class-bound, so the agent keeps inputs of
/// different types in one list as `any Input` (Embedded Swift has existentials
/// of class-bound protocols only). An input only reads: the `ScheduledInput`
/// around it owns its interval, selection, failure counts and sensor health.
/// Every requirement but the plugin's own has a default below.
public protocol Input: AnyObject {
    /// Takes what it needs from the system before it is put in force (an HTTP
    /// input binds its port). `strict` (a live reconfiguration, all or
    /// nothing): throw, and the whole change is refused; otherwise report the
    /// problem (`report`) and retry by itself.
    func open(strict: Bool) throws(InputError)
    /// Put in force: attach to the shared links in `context`. Called again when they are rebuilt.
    func start(_ context: InputContext)
    /// Removed, or the agent stops: kill children, release sockets, detach.
    func stop()
    /// A polled input's read, now due: the result, or nil when it comes later through `collect` (a command).
    func read(nowWall: Int64, nowMonotonic: Int64) -> InputResult?
    /// What finished or arrived since the last call (a command's output, readings
    /// posted or published, sensors gone silent); called on every poll.
    func collect(nowWall: Int64, nowMonotonic: Int64) -> InputResult?
    /// A descriptor for the agent's poll set, asked each turn.
    var pollRequest: (fd: Int32, events: Int16)? { get }
    func handle(revents: Int16, nowMonotonic: Int64)
    /// When `collect` has something to do, besides the interval (monotonic ms).
    func nextDeadline(nowMonotonic: Int64) -> Int64
    /// Work in progress without a descriptor (a command's pipes): asks for prompt polls.
    var isBusy: Bool { get }
    /// Counters and problems for the status document.
    func report(into report: inout InputReport)
}

extension Input {
    public func open(strict: Bool) throws(InputError) {}
    public func start(_ context: InputContext) {}
    public func stop() {}
    public func read(nowWall: Int64, nowMonotonic: Int64) -> InputResult? { nil }
    public func collect(nowWall: Int64, nowMonotonic: Int64) -> InputResult? { nil }
    public var pollRequest: (fd: Int32, events: Int16)? { nil }
    public func handle(revents: Int16, nowMonotonic: Int64) {}
    public func nextDeadline(nowMonotonic: Int64) -> Int64 { Int64.max }
    public var isBusy: Bool { false }
    public func report(into report: inout InputReport) {}
}

/// Why an input could not be put in force (a port in use).
public struct InputError: Error, CustomStringConvertible {
    public let description: String
    /// The input's place in the configuration's `inputs` (for a JSON path), when known.
    public var inputIndex: Int?
    public init(_ description: String) { self.description = description }
}

/// What inputs add to the status document.
public struct InputReport {
    public var httpRequestsAccepted: Int64 = 0
    public var httpRequestsRejected: Int64 = 0
    /// "<input>: <problem>" for inputs that cannot work right now (cannot listen).
    public var httpErrors: [String] = []

    public init() {}
}

/// What inputs are built with: where the system's trees are, and the links shared between inputs.
public struct InputContext {
    public var sysfsRoot: String
    public var procRoot: String
    public var dataDirectory: String
    /// The client on the LAN broker that "mqtt" inputs attach to (nil: none configured).
    public var southbound: SouthboundClient?
    /// HTTP sockets by address, kept while an endpoint's other settings change.
    public let listeners: HTTPListeners
    /// Where inputs register their numbers (the agent's one registry).
    public let metrics: MetricRegistry

    public init(sysfsRoot: String, procRoot: String, dataDirectory: String,
                southbound: SouthboundClient? = nil, listeners: HTTPListeners = HTTPListeners(), metrics: MetricRegistry = MetricRegistry()) {
        self.sysfsRoot = sysfsRoot
        self.procRoot = procRoot
        self.dataDirectory = dataDirectory
        self.southbound = southbound
        self.listeners = listeners
        self.metrics = metrics
    }

    /// Inputs built in one context read the same as in the other.
    public func sameRoots(as other: InputContext) -> Bool {
        sysfsRoot == other.sysfsRoot && procRoot == other.procRoot && dataDirectory == other.dataDirectory
    }
}

import CairnCore
import CairnMQTT

/// The one MQTT connection of a `cairn ctl` command, for all its devices, driven by
/// the single-threaded poll loop.
///
/// After each (re)connect it reads what the broker retains, in rounds: it subscribes
/// to one group of topics (one filter per device topic, so a command for a few devices
/// of a large fleet receives only theirs), then publishes a marker to a topic of its
/// own (subscribed first) and waits for it to come back. The broker sends a subscription's retained
/// messages as it handles the SUBSCRIBE, ahead of the marker published after it, so
/// when the marker is back every retained message of that group has arrived: the
/// group is *synced*, and what was seen of it is complete, including the topics that
/// retain nothing. Rounds are small (`topicsPerRound`) because a broker queues only so
/// many messages for one client and drops the rest (Mosquitto: `max_queued_messages`
/// 1000 by default, beyond `max_inflight_messages` 20).
final class ControllerConnection {
    static let topicsPerRound = 200

    let link: MQTTLink
    let loop = EventLoop()
    private let groups: [[String]]
    /// `<template with {device} = _ctl>/<client id>`: inside the fleet's topic space (so a
    /// broker ACL that lets the controller use the fleet's topics lets it use this one),
    /// and never a device's.
    let syncTopic: String
    /// Groups synced on this connection (all of them: the whole retained state is known).
    private(set) var roundsSynced = 0
    private(set) var online = false
    private var round = -1
    private var pending: [Int32: String] = [:]
    private var syncToken: [UInt8] = []
    private var syncMessageID: Int32 = -1
    private var connections = 0
    /// Why the command cannot go on (a refused subscription or publish): it stops.
    private(set) var fatal: String?
    /// The last reason a connection attempt failed or a connection ended.
    private(set) var lastProblem: String?

    /// A message on a subscribed topic.
    var onMessage: (_ topic: String, _ payload: [UInt8]) -> Void = { _, _ in }
    /// Group `round` is synced on this connection; the owner may publish and unsubscribe now.
    var onSynced: (_ round: Int) -> Void = { _ in }
    /// PUBACK for a publish of the owner.
    var onPublished: (_ messageID: Int32, _ reasonCode: Int32) -> Void = { _, _ in }
    /// A connection ended or could not be made (before a retry).
    var onLost: () -> Void = {}

    /// `groups`: topics to read in rounds, each at most `topicsPerRound` long.
    init(settings: MQTTLinkSettings, groups: [[String]], fleet: Fleet) {
        link = MQTTLink(settings: settings)
        self.groups = groups
        syncTopic = Text.fill(fleet.template) { $0 == "device" ? "_ctl" : nil } + "/" + Text.slug(settings.clientID)
        loop.watch(request: { [link] in link.pollRequest }, ready: { [link] revents in
            link.handle(revents: revents, now: Clock.monotonicMilliseconds())
        })
        loop.deadline { [link] in link.nextDeadline(now: Clock.monotonicMilliseconds()) }
        loop.afterEachTurn { [self] now in
            link.tick(now: now)
            link.handleEvents { handle($0, now: now) }
        }
    }

    /// Items grouped so that each group has at most `topicsPerRound / topicsEach` of them.
    static func rounds<T>(_ items: [T], topicsEach: Int) -> [ArraySlice<T>] {
        let size = max(1, topicsPerRound / max(1, topicsEach))
        return stride(from: 0, to: items.count, by: size).map { items[$0..<min($0 + size, items.count)] }
    }

    var isSynced: Bool { online && roundsSynced == groups.count }

    /// Turns the loop until `done` says so, the deadline (monotonic ms) passes, or a fatal error.
    func run(until deadline: Int64, _ done: () -> Bool) {
        while fatal == nil && !done() {
            let now = Clock.monotonicMilliseconds()
            guard now < deadline else { return }
            loop.turn(maxWait: min(1000, deadline - now))
        }
    }

    /// Publishes retained at QoS 1; the message id its PUBACK will carry, nil when offline.
    func publishRetained(_ topic: String, _ payload: [UInt8]) -> Int32? {
        guard online, let session = link.session else { return nil }
        do {
            return try session.publish(topic: topic, payload: payload, qos: 1, retain: true)
        } catch {
            link.fail("publish to \(topic) failed: \(error)", now: Clock.monotonicMilliseconds())
            return nil
        }
    }

    func unsubscribe(_ topics: [String]) {
        guard online, let session = link.session else { return }
        do {
            for topic in topics { try session.unsubscribe(topic) }
        } catch {
            link.fail("cannot unsubscribe: \(error)", now: Clock.monotonicMilliseconds())
        }
    }

    /// Subscribes again to topics already subscribed: the broker sends their retained
    /// messages again (MQTT 3.8.4), which finds what a full queue at the broker dropped.
    func refresh(_ topics: [String]) {
        guard isSynced, let session = link.session else { return }
        do {
            for topic in topics { _ = try session.subscribe(topic, qos: 1) }
        } catch {
            link.fail("cannot subscribe: \(error)", now: Clock.monotonicMilliseconds())
        }
    }

    /// DISCONNECT, and the loop's closures (which hold this object) dropped.
    func close() {
        link.close()
        loop.removeAll()
        onMessage = { _, _ in }
        onSynced = { _ in }
        onPublished = { _, _ in }
        onLost = {}
    }

    private func handle(_ event: MQTTLink.Event, now: Int64) {
        switch event {
        case .online:
            connections += 1
            online = true
            roundsSynced = 0
            round = -1
            pending.removeAll()
            subscribe([syncTopic], now: now)
            nextRound(now: now)
        case .subscribed(let messageID, let granted):
            guard let topic = pending.removeValue(forKey: messageID) else { return }
            if let code = granted.first, code >= 0x80 {
                fatal = "the broker refused the subscription to \(topic): \(MQTTError.reasonText(code))"
                return
            }
        case .message(let topic, let payload):
            if topic == syncTopic {
                guard !syncToken.isEmpty, payload == syncToken else { return }
                syncToken = []
                roundsSynced += 1
                onSynced(round)
                nextRound(now: now)
                return
            }
            onMessage(topic, payload)
        case .published(let messageID, let reasonCode):
            if messageID == syncMessageID {
                if reasonCode >= 0x80 {
                    fatal = "the broker refused the publish to \(syncTopic): \(MQTTError.reasonText(reasonCode))"
                }
                return
            }
            onPublished(messageID, reasonCode)
        case .lost(let reason, _, let retryIn):
            online = false
            syncToken = []
            lastProblem = reason
            Commands.fail("\(reason); retrying in \(retryIn) ms")
            onLost()
        }
    }

    private func nextRound(now: Int64) {
        round += 1
        guard round < groups.count else { return }
        // The marker goes right behind the SUBSCRIBEs: a broker handles a client's packets
        // in order, so their retained messages are queued before it (SUBACKs are checked
        // as they come).
        subscribe(groups[round], now: now)
        sendMarker(now: now)
    }

    private func subscribe(_ topics: [String], now: Int64) {
        guard let session = link.session else { return }
        do {
            for topic in topics { pending[try session.subscribe(topic, qos: 1)] = topic }
        } catch {
            link.fail("cannot subscribe: \(error)", now: now)
        }
    }

    private func sendMarker(now: Int64) {
        guard let session = link.session else { return }
        syncToken = Array("sync \(connections) \(round)".utf8)
        do {
            syncMessageID = try session.publish(topic: syncTopic, payload: syncToken, qos: 1, retain: false)
        } catch {
            syncToken = []
            link.fail("cannot publish to \(syncTopic): \(error)", now: now)
        }
    }
}

import CSystem
import CairnCore
import CairnCrypto
import CairnMQTT
import CairnUplink

/// The doctor's steps towards the broker: name resolution, TCP connect, the TLS
/// handshake, CONNACK and a round trip. Each step uses what the one before it made.
final class DoctorNetwork {
    static let connectTimeoutMilliseconds: Int64 = 5_000
    /// The MQTT steps' limit each (the round trip's "within 10 s").
    static let mqttTimeoutMilliseconds: Int64 = 10_000

    let settings: UplinkSettings
    var socket: Int32 = -1
    var session: MQTTSession?
    /// The MQTT version of the CONNECT the mqtt step sent last (settings', or 5 then 3.1.1 when unset).
    var version: MQTTVersion = .v5
    /// Whether the last CONNACK refused the protocol version itself.
    var unsupportedProtocol = false
    /// Whether the broker closed the last connection before answering its CONNECT.
    var closedWithoutAnswer = false

    init(settings: UplinkSettings) {
        self.settings = settings
    }

    var broker: BrokerURL { settings.broker }
    var address: String { "\(broker.host):\(broker.port)" }

    func dns() -> Doctor.Step {
        switch BrokerRotation.resolveHost(broker.host) {
        case .failure(let error):
            return .fail("dns", "the broker host: \(error.message)",
                         "check the host name in broker (\(broker)) and this device's DNS settings (/etc/resolv.conf)")
        case .success(let addresses):
            return .pass("dns", "\(broker.host) resolves to \(addresses.joined(separator: ", "))")
        }
    }

    func tcp() -> Doctor.Step {
        var error: Int32 = 0
        let started = Clock.monotonicMilliseconds()
        socket = broker.host.withCString { cairn_tcp_connect($0, Int32(broker.port), Int32(DoctorNetwork.connectTimeoutMilliseconds), &error) }
        guard socket < 0 else { return .pass("tcp", "connected to \(address) in \(Clock.monotonicMilliseconds() - started) ms") }
        switch error {
        case ECONNREFUSED:
            return .fail("tcp", "nothing listens on \(address) (connection refused)",
                         "start the broker, or correct the port in broker (mqtt:// usually 1883, mqtts:// 8883)")
        case ETIMEDOUT:
            return .fail("tcp", "no answer from \(address) within \(DoctorNetwork.connectTimeoutMilliseconds / 1000) s",
                         "a firewall may drop the connection, or the host is down: check the route and the broker host's firewall")
        default:
            return .fail("tcp", "cannot connect to \(address): \(SystemError("connect", code: error).reason)",
                         "check this device's network (route, interface up) and the broker address")
        }
    }

    func tls() -> Doctor.Step {
        defer { closeSocket() }
        guard let tls = settings.tls else { return .pass("tls", "not used: the broker URL is mqtt:// (no TLS)") }
        let probe = TLSProbe(host: broker.host, caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile)
        switch probe.run(fd: socket, deadline: Clock.monotonicMilliseconds() + DoctorNetwork.mqttTimeoutMilliseconds) {
        case .success(let peer):
            let client = tls.certFile == nil ? "" : ", client certificate accepted"
            return .pass("tls", "\(peer.protocolVersion), the broker's certificate \"\(peer.subject)\" verified for \(broker.host) "
                + "(valid until \(peer.notAfter)) against \(tls.caFile)\(client)")
        case .failure(let failure):
            return .fail("tls", failure.message, failure.hint)
        }
    }

    func closeSocket() {
        if socket >= 0 { _ = CSystem.close(socket) }
        socket = -1
    }

    func close() {
        closeSocket()
        if let session {
            session.disconnect()
            try? session.loopWrite()
        }
        session = nil
    }

    static func randomHex() -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var value = UInt64.random(in: 0...UInt64.max)
        var out: [UInt8] = []
        for _ in 0..<12 {
            out.append(digits[Int(value & 0xF)])
            value >>= 4
        }
        return String(decoding: out, as: UTF8.self)
    }
}

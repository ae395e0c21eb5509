import CSystem
import CairnCore
import CairnMQTT
import CairnUplink

/// The MQTT steps: CONNACK, then a test message under the device's prefix published
/// and received back. A bounded poll loop over one `MQTTSession` (a one-shot command).
extension DoctorNetwork {
    enum Outcome {
        case step(Doctor.Step)
        case timeout
        case lost(String)
    }

    /// With `mqtt_version` unset the agent falls back to 3.1.1 when a broker refuses MQTT 5 as
    /// unsupported (docs/config.md), and so does the doctor, saying so.
    /// A broker that closes an MQTT 5 connection without a CONNACK (RabbitMQ before 3.13) is
    /// asked in 3.1.1 as well, as the agent does.
    func mqtt() -> Doctor.Step {
        let step = mqtt(version: settings.version ?? .v5)
        guard settings.version == nil, !step.passed, unsupportedProtocol || closedWithoutAnswer else { return step }
        let how = unsupportedProtocol ? "refused MQTT 5" : "closed the MQTT 5 connection without a CONNACK"
        let fallback = mqtt(version: .v311)
        guard fallback.passed else { return unsupportedProtocol ? fallback : step }
        return .pass("mqtt", fallback.message + "; the broker \(how), so the agent will fall back to 3.1.1 as well")
    }

    private func mqtt(version: MQTTVersion) -> Doctor.Step {
        self.version = version
        unsupportedProtocol = false
        closedWithoutAnswer = false
        session = nil
        let clientID = "\(settings.clientID)-doctor-\(DoctorNetwork.randomHex())"
        let fresh: MQTTSession
        do {
            fresh = try MQTTSession(clientID: clientID, version: version)
            if let tls = settings.tls { try fresh.setTLS(tls) }
            if let username = settings.username { try fresh.setCredentials(username: username, password: settings.password) }
            try fresh.connect(host: broker.host, port: broker.port, keepalive: 30)
        } catch {
            return .fail("mqtt", "cannot start the MQTT connection to \(broker): \(error)", "check the broker settings (docs/config.md)")
        }
        session = fresh
        let outcome = pump(fresh, until: Clock.monotonicMilliseconds() + DoctorNetwork.mqttTimeoutMilliseconds) { event in
            guard case .connected(let code, let reason) = event else { return nil }
            return code == 0 ? .pass("mqtt", "CONNACK accepted (MQTT \(version.rawValue), client id \(clientID))") : refused(code, reason)
        }
        switch outcome {
        case .step(let step): return step
        case .timeout:
            return .fail("mqtt", "no CONNACK from \(broker) within \(DoctorNetwork.mqttTimeoutMilliseconds / 1000) s",
                         "check that this port is the broker's MQTT listener, and read the broker's log")
        case .lost(let reason):
            closedWithoutAnswer = true
            let plain = settings.tls == nil ? "; if this port is a TLS listener, use mqtts://" : ""
            return .fail("mqtt", "the broker closed the connection before answering CONNECT (\(reason))",
                         "read the broker's log\(plain)")
        }
    }

    /// A refused CONNACK: MQTT 5 reason codes, or MQTT 3.1.1 return codes.
    func refused(_ code: Int32, _ reason: String) -> Doctor.Step {
        let v5 = version == .v5
        unsupportedProtocol = code == (v5 ? 0x84 : 1)
        let user = settings.username.map { "\"\($0)\"" }
        if code == (v5 ? 0x86 : 4) || (code == (v5 ? 0x87 : 5) && user != nil) {
            return .fail("mqtt", "the broker refused the user name or password\(user.map { " of user \($0)" } ?? "") (CONNACK: \(reason))",
                         "check username and password against the broker's password file (mosquitto_passwd), and that this user may connect")
        }
        if code == (v5 ? 0x87 : 5) {
            return .fail("mqtt", "the broker does not let this client connect: not authorised (CONNACK: \(reason)); no user name is configured",
                         "set username and password (or a client certificate the broker maps to a user)")
        }
        return .fail("mqtt", "the broker refused the connection: \(reason) (CONNACK code \(code))",
                     code == (v5 ? 0x84 : 1) ? "set mqtt_version to a version the broker speaks (5 or 3.1.1)" : "read the broker's log")
    }

    func roundTrip() -> Doctor.Step {
        guard let session else { return .fail("round_trip", "no MQTT connection", "") }
        let topic = "\(settings.topicPrefix)/doctor/\(DoctorNetwork.randomHex())"
        let token = Array("cairn doctor \(DoctorNetwork.randomHex())".utf8)
        let started = Clock.monotonicMilliseconds()
        let acl = "allow this device's user to publish and subscribe under \(settings.topicPrefix)/# in the broker's ACL (acl_file)"
        var subscription: Int32 = -1
        var publication: Int32 = -1
        do {
            subscription = try session.subscribe(topic, qos: 1)
        } catch {
            return .fail("round_trip", "cannot subscribe to \(topic): \(error)", "read the broker's log")
        }
        let outcome = pump(session, until: started + DoctorNetwork.mqttTimeoutMilliseconds) { event in
            switch event {
            case .subscribed(let id, let granted) where id == subscription:
                if let code = granted.first, code >= 0x80 {
                    return .fail("round_trip", "the broker refused the subscription to \(topic): \(MQTTError.reasonText(code)) (its ACL forbids it)", acl)
                }
                do throws(MQTTError) {
                    publication = try session.publish(topic: topic, payload: token, qos: 1)
                } catch {
                    return .fail("round_trip", "cannot publish to \(topic): \(error)", "read the broker's log")
                }
            case .published(let id, let code) where id == publication && code >= 0x80:
                return .fail("round_trip", "the broker refused the publish to \(topic): \(MQTTError.reasonText(code)) (its ACL forbids it)", acl)
            case .message(let received, let payload) where received == topic && payload == token:
                return .pass("round_trip", "a test message to \(topic) came back in \(Clock.monotonicMilliseconds() - started) ms")
            default: break
            }
            return nil
        }
        switch outcome {
        case .step(let step): return step
        case .timeout:
            return .fail("round_trip", "the test message to \(topic) did not come back within \(DoctorNetwork.mqttTimeoutMilliseconds / 1000) s"
                         + (publication < 0 ? " (no SUBACK)" : ""),
                         "the broker's ACL may forbid this topic (MQTT 3.1.1 drops such messages silently): " + acl)
        case .lost(let reason):
            return .fail("round_trip", "the broker closed the connection during the test (\(reason))",
                         "read the broker's log; a broker may disconnect a client that publishes where its ACL forbids")
        }
    }

    /// Turns the session until `handle` makes a step of an event, the deadline passes, or the connection ends.
    func pump(_ session: MQTTSession, until deadline: Int64, _ handle: (MQTTEvent) -> Doctor.Step?) -> Outcome {
        var lastMisc = Clock.monotonicMilliseconds()
        while true {
            let now = Clock.monotonicMilliseconds()
            guard now < deadline else { return .timeout }
            let fd = session.socket
            guard fd >= 0 else { return .lost("no connection") }
            var request = pollfd(fd: fd, events: Int16(session.wantsWrite ? POLLIN | POLLOUT : POLLIN), revents: 0)
            _ = poll(&request, 1, Int32(min(deadline - now, 250)))
            var failure: MQTTError?
            do {
                if request.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { try session.loopRead() }
                if session.wantsWrite { try session.loopWrite() }
                if now - lastMisc >= 1000 {
                    lastMisc = now
                    try session.loopMisc()
                }
            } catch {
                failure = error
            }
            for event in session.takeEvents() {
                if let step = handle(event) { return .step(step) }
                if case .disconnected(let code) = event, code != 0 { return .lost(MQTTError(code: code).message) }
            }
            if let failure { return .lost(failure.message) }
        }
    }
}

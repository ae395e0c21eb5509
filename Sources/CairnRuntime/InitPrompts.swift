import CSystem
import CairnControl
import CairnCore

/// `cairn init` on a terminal: asks for each setting no flag gave, on stderr,
/// reading lines from stdin; the password is not echoed. An answer the setting
/// refuses (an unreadable file, a bad URL) is asked again.
enum InitPrompts {
    /// Fills `values`; false when stdin ends before the questions do.
    static func ask(_ values: inout [String: String], publicKeys: inout [String]) -> Bool {
        let questions: [(key: String, text: String, shown: String)] = [
            ("device_id", "device id", ConfigLoader.defaultDeviceID()),
            ("broker", "broker URL (mqtt://host[:port] or mqtts://host[:port])", "mqtt://127.0.0.1:1883"),
            ("ca_file", "CA certificates file (PEM) for mqtts://", "the system bundle"),
            ("cert_file", "client certificate file (PEM) for mutual TLS", "none"),
            ("key_file", "client key file (PEM)", "none"),
            ("username", "MQTT user name", "none"),
            ("password", "MQTT password", "none"),
        ]
        for question in questions where values[question.key] == nil {
            if question.key == "key_file" && values["cert_file"] == nil { continue }
            if question.key == "password" && values["username"] == nil { continue }
            while true {
                guard let answer = prompt("\(question.text) [\(question.shown)]: ", secret: question.key == "password") else { return false }
                if answer.isEmpty { break }
                var scratch = Configuration()
                do {
                    try OptionTable.option(forKey: question.key)?.apply(&scratch, .text(answer))
                    values[question.key] = answer
                    break
                } catch {
                    Commands.errorOutput("  \(error.message)\n")
                }
            }
        }
        if publicKeys.isEmpty {
            guard let answer = prompt("config-signing public key files (PEM), separated by spaces [none: plain documents are taken]: ", secret: false) else {
                return false
            }
            publicKeys = answer.split(separator: " ").map(String.init)
        }
        return true
    }

    /// One line from stdin without its newline; nil at the end of input.
    static func prompt(_ text: String, secret: Bool) -> String? {
        // Echo off before the question: an answer typed ahead of it is then not shown either.
        if secret { _ = cairn_terminal_echo(0, 0) }
        Commands.errorOutput(text)
        defer {
            if secret {
                _ = cairn_terminal_echo(0, 1)
                Commands.errorOutput("\n")
            }
        }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = read(0, &byte, 1)
            if n < 0 && cairn_errno() == EINTR { continue }
            if n <= 0 { return line.isEmpty ? nil : Text.trimmed(String(decoding: line, as: UTF8.self)) }
            if byte == UInt8(ascii: "\n") { return Text.trimmed(String(decoding: line, as: UTF8.self)) }
            line.append(byte)
        }
    }
}

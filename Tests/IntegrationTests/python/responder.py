#!/usr/bin/env python3
"""Stand-in agents for `cairn ctl push` tests and benchmarks: ONE process, ONE MQTT
connection, answering for every device under a topic prefix template.

It subscribes to <template with {device}=+>/config/desired and, for each desired
document (plain, or the document inside a signed envelope, not verified), publishes a
retained report on <prefix>/config/reported the way docs/control.md says an agent does:
  * a new, higher version: {"version": v, "status": "applied", "in_force": v, ...}
  * the same version with the same bytes as applied: nothing (a no-op, report unchanged)
  * an older or equal version otherwise: "rejected", in_force unchanged
Devices named with --silent never answer; with --reject they always reject (with an error).
A minimal MQTT 3.1.1 client over a socket: no third-party modules.
Prints "ready" once subscribed, then "answered N" after every 100 answers (--verbose:
"answered DEVICE VERSION STATUS" for each).
"""
import argparse, base64, json, select, socket, struct, sys, time


def encode_length(n):
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(text):
    data = text.encode()
    return struct.pack("!H", len(data)) + data


class Client:
    def __init__(self, host, port, client_id):
        self.sock = socket.create_connection((host, port))
        self.buffer = b""
        self.next_id = 1
        payload = utf8("MQTT") + bytes([4, 0x02]) + struct.pack("!H", 60) + utf8(client_id)
        self.send(0x10, payload)
        kind, body = self.read_packet()
        if kind != 0x20 or body[1] != 0:
            sys.exit("responder: connection refused")

    def send(self, header, body):
        self.sock.sendall(bytes([header]) + encode_length(len(body)) + body)

    def packet_id(self):
        self.next_id = self.next_id % 65535 + 1
        return self.next_id

    def subscribe(self, topic):
        self.send(0x82, struct.pack("!H", self.packet_id()) + utf8(topic) + bytes([1]))

    def publish(self, topic, payload, retain=True):
        body = utf8(topic) + struct.pack("!H", self.packet_id()) + payload
        self.send(0x32 | (1 if retain else 0), body)

    def parse(self):
        """One complete packet from the buffer, or None."""
        if len(self.buffer) < 2:
            return None
        length, multiplier, index = 0, 1, 1
        while True:
            if index >= len(self.buffer):
                return None
            byte = self.buffer[index]
            length += (byte & 0x7F) * multiplier
            multiplier *= 128
            index += 1
            if not byte & 0x80:
                break
        if len(self.buffer) < index + length:
            return None
        header, body = self.buffer[0], self.buffer[index:index + length]
        self.buffer = self.buffer[index + length:]
        return header, body

    def read_packet(self):
        while True:
            packet = self.parse()
            if packet:
                return packet
            data = self.sock.recv(65536)
            if not data:
                sys.exit("responder: broker closed the connection")
            self.buffer += data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--template", default="cairn/{device}")
    parser.add_argument("--silent", action="append", default=[])
    parser.add_argument("--reject", action="append", default=[])
    parser.add_argument("--verbose", action="store_true", help="print each answer: answered DEVICE VERSION STATUS")
    args = parser.parse_args()

    levels = args.template.split("/")
    device_level = levels.index("{device}")
    client = Client(args.host, args.port, "responder-%d" % int(time.time() * 1000))
    client.subscribe("/".join("+" if level == "{device}" else level for level in levels) + "/config/desired")
    applied = {}  # device -> (version, document bytes)
    answered = 0
    last_ping = time.time()

    def answer(topic, payload):
        nonlocal answered
        parts = topic.split("/")
        device = parts[device_level]
        if device in args.silent or not payload:
            return
        prefix = "/".join(parts[:len(levels)])
        document = payload
        try:
            parsed = json.loads(payload)
            if "document" in parsed:
                document = base64.b64decode(parsed["document"], validate=True)
                parsed = json.loads(document)
            version = int(parsed["version"])
        except Exception as error:  # noqa: BLE001 - anything unreadable is a rejection
            version, parsed = 0, None
        current = applied.get(device)
        report = {"version": version, "in_force": current[0] if current else 0,
                  "config_version": "push:%d" % (current[0] if current else 0), "errors": [],
                  "time": int(time.time() * 1000)}
        if current and current == (version, document):
            return  # same version, same bytes: a no-op, the report stays as it is
        if parsed is None:
            report.update(status="rejected", errors=[{"path": "$", "message": "not a desired document"}])
        elif current and version <= current[0]:
            report.update(status="rejected", errors=[{"path": "$.version", "message": "version %d is not newer than %d" % (version, current[0])}])
        elif device in args.reject:
            report.update(status="rejected", errors=[{"path": "$.config.inputs[0].port", "message": "port 80 is in use"}])
        else:
            applied[device] = (version, document)
            report.update(status="applied", in_force=version, config_version="push:%d" % version)
        client.publish(prefix + "/config/reported", json.dumps(report, separators=(",", ":")).encode())
        answered += 1
        if args.verbose:
            print("answered %s %d %s" % (device, version, report["status"]), flush=True)
        elif answered % 100 == 0:
            print("answered %d" % answered, flush=True)

    while True:
        packet = client.parse()
        if packet is None:
            if time.time() - last_ping > 20:
                client.send(0xC0, b"")
                last_ping = time.time()
            ready, _, _ = select.select([client.sock], [], [], 5)
            if ready:
                data = client.sock.recv(1 << 20)
                if not data:
                    sys.exit("responder: broker closed the connection")
                client.buffer += data
            continue
        header, body = packet
        kind = header & 0xF0
        if kind == 0x90:
            print("ready", flush=True)
        elif kind == 0x30:
            qos = (header >> 1) & 3
            topic_length = struct.unpack("!H", body[:2])[0]
            topic = body[2:2 + topic_length].decode()
            rest = body[2 + topic_length:]
            if qos:
                client.send(0x40, rest[:2])  # PUBACK
                rest = rest[2:]
            answer(topic, rest)


if __name__ == "__main__":
    main()

"""A broker that speaks only MQTT 3.1.1, for the version-negotiation tests.

A CONNECT with protocol level 4 is accepted (CONNACK 0); any other level (MQTT 5
is 5) gets the 3.1.1 CONNACK "unacceptable protocol version" (return code 1) and
the connection is closed, as a 3.1.1-only broker does. With --drop, a CONNECT of any
other level is not answered at all: the connection is closed at once, as RabbitMQ's
MQTT plugin before 3.13 does with an MQTT 5 CONNECT it cannot parse. Accepted clients' QoS 1
PUBLISHes are acknowledged (PUBACK), SUBSCRIBEs granted QoS 1, PINGREQs answered.
Each CONNECT's level and each PUBLISH's topic is printed, one line each.

usage: mqtt311_peer.py PORT [--drop]
"""
import socket
import sys
import threading


def read_exact(conn, count):
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def read_packet(conn):
    header = read_exact(conn, 1)[0]
    length, shift = 0, 0
    while True:
        byte = read_exact(conn, 1)[0]
        length |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            break
    return header, read_exact(conn, length)


def serve(conn):
    try:
        header, body = read_packet(conn)
        if header >> 4 != 1:
            return
        name_length = int.from_bytes(body[0:2], "big")
        level = body[2 + name_length]
        print(f"CONNECT level {level}", flush=True)
        if level != 4:
            if not DROP:
                conn.sendall(bytes([0x20, 0x02, 0x00, 0x01]))
            return
        conn.sendall(bytes([0x20, 0x02, 0x00, 0x00]))
        while True:
            header, body = read_packet(conn)
            kind = header >> 4
            if kind == 3:
                topic_length = int.from_bytes(body[0:2], "big")
                print(f"PUBLISH {body[2:2 + topic_length].decode()}", flush=True)
                if (header >> 1) & 3:
                    conn.sendall(bytes([0x40, 0x02]) + body[2 + topic_length:4 + topic_length])
            elif kind == 8:
                conn.sendall(bytes([0x90, 0x03]) + body[0:2] + bytes([0x01]))
            elif kind == 12:
                conn.sendall(bytes([0xD0, 0x00]))
            elif kind == 14:
                return
    except (EOFError, OSError):
        pass
    finally:
        conn.close()


DROP = "--drop" in sys.argv[2:]


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(sys.argv[1])))
    listener.listen(8)
    print("listening", flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()

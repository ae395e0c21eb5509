// bench/queue: the queue on its own, next to the ceiling of a raw SQLite
// prepared-statement insert loop in one transaction, in the same run.
//   swift run -c release bench-queue [readings] [directory]
// Reports rates, their ratio, and bytes the kernel counted as written to
// storage per reading (/proc/self/io write_bytes) for each phase.
import CSQLite
import CSystem
import CairnCore
import CairnQueue

let arguments = CommandLine.arguments

// `bench-queue fill N FILE`: a queue file holding N realistic readings (for bench/drain).
if arguments.count == 4 && arguments[1] == "fill" {
    let count = Int(arguments[2]) ?? 1_000_000
    var options = QueueOptions(path: arguments[3])
    options.budgetBytes = 0
    let queue = try! DurableQueue(options: options)
    let start: Int64 = 1_800_000_000_000
    var made = 0
    while made < count {
        let records = (0..<min(1000, count - made)).map { i -> PendingRecord in
            let n = made + i
            let reading = Reading(sensor: "hwmon/nct6775/temp\(n % 20 + 1)", label: "Core \(n % 20)",
                                  value: 40 + Double(n % 173) / 8, unit: "C", time: start + Int64(n / 20) * 1000)
            return PendingRecord(stream: .telemetry, stamp: RecordStamp(wall: reading.time, monotonic: Int64(n), bootID: "bench", trusted: true),
                                 fragment: reading.fragment)
        }
        _ = try! queue.append(records)
        made += records.count
    }
    queue.checkpoint()
    print("filled \(arguments[3]) with \(count) readings")
    exit(0)
}

let total = arguments.count > 1 ? Int(arguments[1]) ?? 200_000 : 200_000
let directory = arguments.count > 2 ? arguments[2] : "./bench-queue-data"
let batch = 100  // readings per transaction, like one read of ~100 sensors

try? Files.makeDirectories(directory)
for name in ["raw.db", "queue.db"] {
    for suffix in ["", "-wal", "-shm", ".seq"] { Files.remove("\(directory)/\(name)\(suffix)") }
}

func writeBytes() -> Int64 {
    guard let io = Files.read("/proc/self/io") else { return 0 }
    for line in io.split(separator: "\n") where line.hasPrefix("write_bytes:") {
        return Int64(Text.trimmed(line.dropFirst(12))) ?? 0
    }
    return 0
}

func sync() { CSystem.sync() }

struct Phase {
    let name: String
    let seconds: Double
    let written: Int64
    var rate: Double { Double(total) / seconds }
    var line: String {
        "\(name): \(Int(rate)) readings/s, \(Numbers.format((Double(written) / Double(total) * 10).rounded() / 10)) bytes written per reading"
    }
}

func measure(_ name: String, _ body: () -> Void) -> Phase {
    sync()
    let bytesBefore = writeBytes()
    let start = Clock.monotonicMilliseconds()
    body()
    let seconds = Double(Clock.monotonicMilliseconds() - start) / 1000
    sync()
    return Phase(name: name, seconds: max(seconds, 0.001), written: writeBytes() - bytesBefore)
}

let stamp = RecordStamp(wall: 1_800_000_000_000, monotonic: 1, bootID: "bench", trusted: true)
let readings = (0..<batch).map { Reading(sensor: "hwmon/bench/temp\($0)", label: "Sensor \($0)", value: 40 + Double($0) / 8, unit: "C", time: 1_800_000_000_000) }
let fragments = readings.map { $0.fragment }

// Ceiling: one prepared INSERT of the same bytes in one transaction per batch, WAL, synchronous=NORMAL.
let raw = measure("raw sqlite insert (ceiling)") {
    var db: OpaquePointer?
    sqlite3_open("\(directory)/raw.db", &db)
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE t(seq INTEGER PRIMARY KEY, body TEXT)", nil, nil, nil)
    var statement: OpaquePointer?
    sqlite3_prepare_v2(db, "INSERT INTO t(seq, body) VALUES (?, ?)", -1, &statement, nil)
    var seq: Int64 = 0
    for _ in 0..<(total / batch) {
        sqlite3_exec(db, "BEGIN", nil, nil, nil)
        for fragment in fragments {
            seq += 1
            sqlite3_bind_int64(statement, 1, seq)
            _ = fragment.withCString { cairn_sqlite3_bind_text(statement, 2, $0, -1) }
            sqlite3_step(statement)
            sqlite3_reset(statement)
        }
        sqlite3_exec(db, "COMMIT", nil, nil, nil)
    }
    sqlite3_finalize(statement)
    sqlite3_close(db)
}

var options = QueueOptions(path: "\(directory)/queue.db")
options.budgetBytes = 0
let queue = try! DurableQueue(options: options)
let pending = fragments.map { PendingRecord(stream: .telemetry, stamp: stamp, fragment: $0) }
let enqueue = measure("cairn queue enqueue") {
    for _ in 0..<(total / batch) { _ = try! queue.append(pending) }
}

let drain = measure("cairn queue drain (lease 100 + acknowledge)") {
    var cursor: Int64 = 0
    while true {
        let leased = try! queue.records(stream: .telemetry, after: cursor, limit: batch)
        guard let last = leased.last else { break }
        cursor = last.sequence
        try! queue.acknowledge(leased.map { $0.sequence })
    }
}

print("bench/queue: \(total) readings of ~\(fragments[0].utf8.count + 30) bytes, \(batch) per transaction, WAL, synchronous=NORMAL")
print(raw.line)
print(enqueue.line)
print(drain.line)
print("enqueue / raw ceiling: \(Numbers.format((enqueue.rate / raw.rate * 100).rounded() / 100))")
print("drain / raw ceiling: \(Numbers.format((drain.rate / raw.rate * 100).rounded() / 100))")

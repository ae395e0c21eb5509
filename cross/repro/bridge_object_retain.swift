// Minimal reproducer: Embedded Swift 6.3.1 corrupts a small string at -Osize on
// aarch64-none-none-elf (issue 10, item 2). Run with cross/repro/run <arch>.
//
// The compiler declares `ptr @swift_bridgeObjectRetain(ptr returned %0)` and may use
// the result in place of the argument; the Embedded runtime returns the argument with
// HeapObject.bridgeObjectToPlainObjectMask (0x8FFF_FFFF_FFFF_FFF8) applied instead.
// A small string's second word is not a pointer but its discriminator and bytes:
// "C" has 0xE1 << 56, which comes back as 0x81 << 56, a "shared" string whose owner is
// null; reading it (count, utf8, JSON) loads from address 0x18 and faults.
// This is WindowAggregate.close from Sources/CairnPipeline, cut down.
struct Reading {
    var sensor: String
    var label: String?
    var value: Double
    var unit: String
    var time: Int64
}

struct Functions: OptionSet {
    let rawValue: UInt8
    static let min = Functions(rawValue: 1)
    static let max = Functions(rawValue: 2)
    static let count = Functions(rawValue: 8)
    static let ordered: [(flag: Functions, name: String)] = [(.min, "min"), (.max, "max"), (.count, "count")]
}

struct Window {
    var functions: Functions
    var start: Int64?
    var template: Reading?
    var count = 0

    mutating func add(_ reading: Reading) {
        start = reading.time
        if template == nil { template = reading }
        count += 1
    }

    mutating func close(emit: (Reading) -> Void) {
        if let start, let template {
            for function in Functions.ordered where functions.contains(function.flag) {
                emit(Reading(sensor: "\(template.sensor)/\(function.name)", label: template.label,
                             value: Double(count), unit: function.flag == .count ? "" : template.unit, time: start))
            }
        }
        start = nil
        template = nil
    }
}

/// The raw second word of a String (its discriminator and flags, or its owner).
@inline(never) func objectBits(_ s: String) -> UInt64 {
    #if _pointerBitWidth(_64)
    return unsafeBitCast(s, to: (UInt64, UInt64).self).1
    #else
    return 0   // 32-bit strings have another layout, and the runtime's mask is all ones there
    #endif
}

@main struct Main {
    static func main() {
        var window = Window(functions: [.min, .max, .count])
        window.add(Reading(sensor: "hwmon/pipe/temp1", label: nil, value: 42, unit: "C", time: 1000))
        let expected = objectBits("C")
        var corrupted = 0
        window.close { out in
            let bits = objectBits(out.unit)
            print("\(out.sensor): unit bits \(String(bits, radix: 16))")
            if !out.sensor.hasSuffix("/count") && bits != expected { corrupted += 1 }
        }
        if corrupted == 0 {
            print("ok: the small-string units came through intact")
        } else {
            print("BROKEN: \(corrupted) small-string unit(s) corrupted (expected \(String(expected, radix: 16)))")
            exit(1)
        }
    }
}

@_extern(c, "exit") func exit(_ status: Int32)

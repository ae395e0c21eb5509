// Replacements for Embedded Swift runtime functions that are wrong in the toolchain we
// build with (Swift 6.3.1). Compiled only into the cross builds (cross/build passes
// -DCAIRN_EMBEDDED_RUNTIME): the host build links the full Swift runtime, which is right
// and must not be interposed.
//
// swift_bridgeObjectRetain(_n) on 64-bit targets. The compiler declares
// `ptr @swift_bridgeObjectRetain(ptr returned %0)`: it may use the result in place of the
// argument. Swift 6.3.1's Embedded runtime (EmbeddedRuntime.swift) returns the
// *untagged* pointer instead (argument & 0x8FFF_FFFF_FFFF_FFF8), which clears the
// discriminator bits of a small string: "C" (0xE1 << 56) comes back as 0x81 << 56, a
// "shared" string with a null owner, and reading it faults at address 0x18. At -Osize on
// aarch64, WindowAggregate.close used the returned value for the unit of every
// aggregate; the meta document then crashed on it (issue 10, item 2). x86_64 has the
// same runtime bug but its code happened not to use the result; on 32-bit targets the
// mask is all ones, so nothing changes. Evidence and a minimal reproducer:
// docs/c-boundary.md and cross/repro/. Fixed upstream by swiftlang/swift#91151
// ("[Embedded] Don't corrupt the pointer returned from swift_bridgeObjectRetain_n");
// drop this file once the toolchain has that fix (cross/repro/run shows when).
//
// These strong definitions win over the runtime's weak ones at link time; the
// runtime's swift_retain_n still does the counting.
#include <stdint.h>

#if defined(CAIRN_EMBEDDED_RUNTIME) && UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu

void *swift_retain_n(void *object, uint32_t n);

// HeapObject.bridgeObjectToPlainObjectMask of the 64-bit Embedded runtime.
#define CAIRN_BRIDGE_OBJECT_TO_PLAIN_OBJECT_MASK ((uintptr_t)0x8FFFFFFFFFFFFFF8u)

void *swift_bridgeObjectRetain_n(void *object, uint32_t n) {
    (void)swift_retain_n((void *)((uintptr_t)object & CAIRN_BRIDGE_OBJECT_TO_PLAIN_OBJECT_MASK), n);
    return object;
}

void *swift_bridgeObjectRetain(void *object) {
    return swift_bridgeObjectRetain_n(object, 1);
}

#endif

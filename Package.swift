// swift-tools-version:6.0
// Layers in data-flow order: inputs → pipeline → queue → uplink; control down; status beside.
// No Embedded flags here: the cross toolsets under cross/ carry them, so the host build stays normal.
import PackageDescription

let package = Package(
    name: "cairn",
    products: [
        .executable(name: "cairn", targets: ["cairn"]),
    ],
    targets: [
        // C boundary: libc plus the few shims Swift cannot express (variadics, errno, signals).
        .target(name: "CSystem", linkerSettings: [.linkedLibrary("m")]),
        .target(name: "CSQLite", linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(name: "CMosquitto", linkerSettings: [.linkedLibrary("mosquitto")]),
        .target(name: "CZlib", linkerSettings: [.linkedLibrary("z")]),
        .target(name: "CMicroHTTPD", linkerSettings: [.linkedLibrary("microhttpd")]),
        .target(name: "CCrypto", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),

        .target(name: "CairnCore", dependencies: ["CSystem"]),
        // One wrapper per C library that more than one layer uses: libmosquitto (uplink and the LAN broker).
        .target(name: "CairnMQTT", dependencies: ["CairnCore", "CMosquitto"]),
        // The one libmicrohttpd wrapper, with its router, limits and token check: HTTP ingest and status serve through it.
        .target(name: "CairnHTTP", dependencies: ["CairnCore", "CMicroHTTPD"]),
        .target(name: "CairnInputs", dependencies: ["CairnCore", "CairnMQTT", "CairnHTTP"]),
        .target(name: "CairnPipeline", dependencies: ["CairnCore"]),
        .target(name: "CairnQueue", dependencies: ["CairnCore", "CSQLite"]),
        .target(name: "CairnUplink", dependencies: ["CairnCore", "CairnQueue", "CairnMQTT", "CZlib"]),
        // Control reads the configuration into each layer's own settings, so it sits above them.
        .target(name: "CairnControl", dependencies: ["CairnCore", "CairnMQTT", "CairnInputs", "CairnPipeline", "CairnQueue", "CairnUplink"]),
        .target(name: "CairnStatus", dependencies: ["CairnCore"]),
        // The one libcrypto wrapper: Ed25519 keys, signatures, signed desired documents.
        .target(name: "CairnCrypto", dependencies: ["CairnCore", "CCrypto"]),
        .target(name: "CairnRuntime", dependencies: [
            "CairnCore", "CairnMQTT", "CairnHTTP", "CairnInputs", "CairnPipeline", "CairnQueue", "CairnUplink", "CairnControl", "CairnStatus",
            "CairnCrypto",
        ]),
        .executableTarget(name: "cairn", dependencies: ["CairnRuntime"]),

        // Benchmarks (host, release): swift run -c release bench-queue
        .executableTarget(name: "bench-queue", dependencies: ["CairnQueue", "CSQLite"], path: "bench/queue",
                         exclude: ["agent-write-bytes"]),

        // Fuzzing (host): scripts/fuzz builds cairn-fuzz with libFuzzer and ASan in .build-fuzz; a plain
        // build makes it a replayer (cairn-fuzz <target> FILE|DIR...). Targets: Fuzz/Targets; docs/fuzzing.md.
        .target(name: "CairnFuzzTargets", dependencies: ["CSystem", "CairnCore", "CairnPipeline", "CairnInputs", "CairnControl"], path: "Fuzz/Targets"),
        .executableTarget(name: "cairn-fuzz", dependencies: ["CSystem", "CairnCore", "CairnFuzzTargets"], path: "Fuzz/Driver"),

        // Real brokers, processes and sysfs-shaped trees for the tests (host only, uses Foundation).
        .target(name: "CairnTestSupport", dependencies: ["CZlib"], path: "Tests/Support"),
        .testTarget(name: "CairnCoreTests", dependencies: ["CairnCore"]),
        .testTarget(name: "CairnCryptoTests", dependencies: ["CairnCrypto", "CairnTestSupport"]),
        .testTarget(name: "CairnHTTPTests", dependencies: ["CairnHTTP", "CairnTestSupport"]),
        .testTarget(name: "CairnInputsTests", dependencies: ["CairnInputs", "CairnTestSupport"]),
        .testTarget(name: "CairnPipelineTests", dependencies: ["CairnPipeline"]),
        .testTarget(name: "CairnQueueTests", dependencies: ["CairnQueue", "CairnTestSupport"]),
        .testTarget(name: "CairnUplinkTests", dependencies: ["CairnUplink", "CairnTestSupport"]),
        .testTarget(name: "CairnStatusTests", dependencies: ["CairnStatus", "CairnTestSupport"]),
        .testTarget(name: "CairnControlTests", dependencies: ["CairnControl", "CairnTestSupport", "CairnFuzzTargets"]),
        .testTarget(name: "CairnRuntimeTests", dependencies: ["CairnRuntime", "CairnHTTP", "CairnTestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["cairn", "CairnTestSupport"], exclude: ["python"]),
    ],
    swiftLanguageModes: [.v5]
)

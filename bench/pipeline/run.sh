#!/usr/bin/env bash
# bench/pipeline/run.sh: builds bench/pipeline/main.swift in release mode against
# the repository's CSystem, CairnCore and CairnPipeline sources, and runs it.
# A throwaway package under a temp dir links to the sources, so Package.swift
# needs no bench target. Prints readings/s and CPU µs per 1,000 readings.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=${CAIRN_BENCH_DIR:-${TMPDIR:-/tmp}/cairn-bench-pipeline}
mkdir -p "$work/Sources"
for module in CSystem CairnCore CairnPipeline; do ln -sfn "$repo/Sources/$module" "$work/Sources/$module"; done
ln -sfn "$repo/bench/pipeline" "$work/Sources/bench"
cat > "$work/Package.swift" <<'SWIFT'
// swift-tools-version:6.0
import PackageDescription
let package = Package(
    name: "cairn-bench-pipeline",
    targets: [
        .target(name: "CSystem", linkerSettings: [.linkedLibrary("m")]),
        .target(name: "CairnCore", dependencies: ["CSystem"]),
        .target(name: "CairnPipeline", dependencies: ["CairnCore"]),
        .executableTarget(name: "bench", dependencies: ["CairnPipeline"], path: "Sources/bench", exclude: ["run.sh"]),
    ],
    swiftLanguageModes: [.v5]
)
SWIFT
cd "$work"
swift build -c release --product bench >&2
echo "$(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
"$(swift build -c release --show-bin-path)/bench"

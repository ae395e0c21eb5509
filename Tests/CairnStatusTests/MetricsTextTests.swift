import Foundation
import Testing
import CairnCore
import CairnTestSupport
@testable import CairnStatus

/// The registry's two written forms: Prometheus text 0.0.4 (checked by promtool, which
/// scripts/install-deps installs) and the flat object in the status document.
@Suite struct MetricsTextTests {
    static func registry() -> MetricRegistry {
        let metrics = MetricRegistry()
        metrics.counter("cairn_test_records_total", help: "Records.").add(3)
        let lost = metrics.family("cairn_test_lost_total", help: "Lost \"records\" \\ by stream.", kind: .counter, labels: ["stream", "reason"])
        lost.with(["telemetry", "evicted"]).add(2)
        lost.with(["events", "we\"ird\nname\\"]).add(1)
        metrics.gauge("cairn_test_depth", help: "Depth.").set(12.5)
        let latency = metrics.histogram("cairn_test_seconds", help: "Latency.", buckets: [0.01, 0.1, 1])
        for value in [0.0078125, 0.0625, 0.0625, 4] { latency.observe(value) }
        return metrics
    }

    @Test func registeringTheSameNameAndLabelsAgainReturnsTheSameSeries() {
        let metrics = MetricRegistry()
        let first = metrics.counter("cairn_x_total", help: "x")
        first.add(2)
        let again = metrics.counter("cairn_x_total", help: "x")
        again.add()
        #expect(first === again && metrics.value("cairn_x_total") == 3)
        let family = metrics.family("cairn_y_total", help: "y", kind: .counter, labels: ["input"])
        family.with(["a"]).add(-5)
        family.with(["a"]).raise(to: 4)
        family.with(["a"]).raise(to: 1)
        #expect(metrics.value("cairn_y_total", ["a"]) == 4, "a counter never goes back")
        family.remove(["a"])
        #expect(metrics.value("cairn_y_total", ["a"]) == nil && family.series.isEmpty)
    }

    @Test func prometheusTextHasHelpTypeEscapedLabelsAndCumulativeBuckets() {
        let text = MetricsText.prometheus(MetricsTextTests.registry())
        let expected = """
            # HELP cairn_test_records_total Records.
            # TYPE cairn_test_records_total counter
            cairn_test_records_total 3
            # HELP cairn_test_lost_total Lost "records" \\\\ by stream.
            # TYPE cairn_test_lost_total counter
            cairn_test_lost_total{stream="telemetry",reason="evicted"} 2
            cairn_test_lost_total{stream="events",reason="we\\"ird\\nname\\\\"} 1
            # HELP cairn_test_depth Depth.
            # TYPE cairn_test_depth gauge
            cairn_test_depth 12.5
            # HELP cairn_test_seconds Latency.
            # TYPE cairn_test_seconds histogram
            cairn_test_seconds_bucket{le="0.01"} 1
            cairn_test_seconds_bucket{le="0.1"} 3
            cairn_test_seconds_bucket{le="1"} 3
            cairn_test_seconds_bucket{le="+Inf"} 4
            cairn_test_seconds_sum 4.1328125
            cairn_test_seconds_count 4

            """
        #expect(text == expected)
    }

    @Test func promtoolFindsNoProblemInTheText() throws {
        let (status, printed) = try promtoolCheckMetrics(MetricsText.prometheus(MetricsTextTests.registry()))
        #expect(status == 0 && printed.isEmpty, "\(printed)")
    }

    @Test func theStatusDocumentCarriesEverySeriesUnderItsPrometheusName() throws {
        let document = try JSONParser.parse(JSONWriter.encode(MetricsText.document(MetricsTextTests.registry())))
        #expect(document["cairn_test_records_total"]?.number == 3)
        #expect(document[#"cairn_test_lost_total{stream="telemetry",reason="evicted"}"#]?.number == 2)
        #expect(document["cairn_test_seconds_count"]?.number == 4)
        #expect(document["cairn_test_depth"]?.number == 12.5)
    }
}

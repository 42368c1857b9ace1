// The Prometheus text parser behind the deployment charts: labels with escapes, histograms, one deployment's counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deploymentTraffic, parsePrometheus } from './src/api/prometheus.ts';
import { toSeries } from './src/traffic.ts';

const TEXT = `# HELP andon_predict_duration_seconds Prediction latency by deployment and outcome (_count: predictions)
# TYPE andon_predict_duration_seconds histogram
andon_predict_duration_seconds_bucket{le="+Inf",deployment="pm-prod",door="rest",outcome="ok"} 8
andon_predict_duration_seconds_sum{deployment="pm-prod",outcome="ok"} 0.04
andon_predict_duration_seconds_count{deployment="pm-prod",outcome="ok"} 8
andon_predict_duration_seconds_sum{deployment="pm-prod",outcome="error"} 0.5
andon_predict_duration_seconds_count{deployment="pm-prod",outcome="error"} 1
andon_predict_duration_seconds_count{deployment="other",outcome="ok"} 100
andon_http_request_duration_seconds_count{method="GET",route="/a \\"b\\"",status="200"} 3
`;

test('parses samples, labels and +Inf', () => {
  const s = parsePrometheus(TEXT);
  assert.equal(s.length, 7);
  assert.deepEqual(s[6].labels, { method: 'GET', route: '/a "b"', status: '200' });
  assert.equal(s[0].labels.le, '+Inf');
});

test("a deployment's traffic and rates between two snapshots", () => {
  const a = deploymentTraffic(parsePrometheus(TEXT), 'pm-prod', 0);
  assert.deepEqual(a, { at: 0, ok: 8, errors: 1, latencySum: 0.04, latencyCount: 8 });
  const b = { at: 2000, ok: 12, errors: 1, latencySum: 0.08, latencyCount: 12 };
  const s = toSeries([a, b]);
  assert.deepEqual(s.rate, [2]);
  assert.ok(Math.abs(s.latencyMs[0]! - 10) < 1e-9);
  assert.equal(s.total, 13);
});

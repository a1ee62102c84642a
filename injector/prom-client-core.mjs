// The part of `prom-client` the injector uses, for the esbuild bundle only
// (scripts/sdk-slim-plugin.mjs maps `prom-client` here for imports from injector/).
//
// Why: prom-client's index loads every feature at once: the cluster aggregator (node:cluster,
// which loads child_process and dgram), the default process metrics (perf_hooks, v8 and
// @opentelemetry/api), the Pushgateway (http, https) and Summary (tdigest). The injector builds
// its own registry of Counters, Gauges and Histograms and nothing else (injector-metrics.ts), so
// the agent paid about 0.74 MB of heap and 19 more Node built-ins for code it never runs
// (docs/benchmarks.md, "Agent"). These are the package's own classes, unchanged: prom-client's
// index re-exports exactly these modules, and test/unit/bundle-sdk-slim.test.ts checks both that
// they are the same objects and that the injector imports nothing else from prom-client.
//
// Plain JavaScript: prom-client ships types for its index only, and only the bundle loads this.
export { default as Registry } from 'prom-client/lib/registry.js';
export { default as Counter } from 'prom-client/lib/counter.js';
export { default as Gauge } from 'prom-client/lib/gauge.js';
export { default as Histogram } from 'prom-client/lib/histogram.js';

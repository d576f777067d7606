// Prometheus metrics derived from the result store at scrape time. See docs/metrics.md.
export { createMetricsRegistry, createProbeRegistry, createScanStartDelayHistogram, type MetricsRegistry, type MetricsRegistryOptions, type ProbeRegistryOptions } from './registry.js';
export { type ExporterStats, endpointLabel, KNOWN_SASL_MECHANISMS, saslMechanismLabel } from './samples.js';
export { ALL_FAMILIES, ENDPOINT_FAMILIES, ENDPOINT_LABELS, EXPORTER_FAMILIES, PROBE_FAMILIES, TARGET_FAMILIES, TARGET_LABELS, type Family } from './families.js';

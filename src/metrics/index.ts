// Prometheus metrics derived from the result store at scrape time. See docs/metrics.md.
export { metricsDetail, type MetricsDetailSetting } from './detail.js';
export type { MetricsDetail } from './families.js';
export {
  createMetricsRegistry,
  createProbeRegistry,
  createScanStartDelayHistogram,
  type MetricsRegistry,
  type MetricsRegistryOptions,
  type ProbeRegistryOptions,
} from './registry.js';
export type { ExporterStats } from './samples.js';

// `metrics.detail`: what /metrics exposes, every endpoint or one set of series per target (docs/metrics.md#cardinality).
import { AUTO_ENDPOINT_DETAIL_MAX_TARGETS } from '../defaults.js';
import type { MetricsDetail } from './families.js';

export type MetricsDetailSetting = MetricsDetail | 'auto';

/**
 * The detail /metrics has with the setting `setting` and `targets` targets (domain × mode): the setting's, or with
 * `auto` every endpoint up to AUTO_ENDPOINT_DETAIL_MAX_TARGETS targets and one set of series per target above.
 */
export function metricsDetail(setting: MetricsDetailSetting, targets: number): MetricsDetail {
  if (setting !== 'auto') return setting;
  return targets > AUTO_ENDPOINT_DETAIL_MAX_TARGETS ? 'domain' : 'endpoint';
}

import type { Lane } from '#shared/config/lanes';
import type { LaneMetrics } from '#shared/ports/operations';
import { createCloudWatchClient, createDocumentClient } from './aws-clients';
import { CloudWatchLaneMetrics } from './cloudwatch-lane-metrics';
import { TableLaneMetrics } from './table-lane-metrics';

/** The lane metrics source named by ENV.LANE_METRICS: CloudWatch (AWS), the table (local mode) or none. */
export function createLaneMetrics(
  source: 'cloudwatch' | 'table' | 'none',
  config: { table: string; queueUrls: Partial<Record<Lane, string>> },
): LaneMetrics | undefined {
  if (source === 'cloudwatch') return new CloudWatchLaneMetrics(createCloudWatchClient(), config.queueUrls);
  if (source === 'table') return new TableLaneMetrics(createDocumentClient(), config.table);
  return undefined;
}

// The rule manager's view of alerts/engine/: compileExpr and HistoryStore behind the RuleEngine port
// (unit tests substitute their own engine through the same port).
import { compileExpr } from '../engine/compile.ts';
import { HistoryStore } from '../engine/history.ts';
import type { RuleEngine } from './engine-port.ts';
import { HISTORY_METRICS } from '../engine/history-metrics.ts';

export const defaultRuleEngine: RuleEngine = {
  compile: compileExpr,
  createHistory: (retentionByMetric, recordedNames, nameSelectors) => new HistoryStore({ retentionByMetric, recordedNames, nameSelectors }),
  historyMetrics: HISTORY_METRICS,
};

// The rule manager's alert state (activeAt, state, firedAt, resolvedAt per alert) in
// <stateDir>/alerts/alerts.json, so `for` clocks and pending resolutions survive a restart. Written
// crash-safe: temp file, fsync, rename, fsync of the directory.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/write-file-atomic.ts';
import type { AlertState } from '../../core/tick-output.ts';
import type { ActiveAlert } from './alerting-rule.ts';
import { fingerprint } from '../../core/fingerprint.ts';

const FORMAT = 'vigil-alert-state/1';

interface StateJson {
  readonly format: string;
  readonly savedAt: number;
  /** By rule key (group and alert name): that rule's alerts. */
  readonly rules: Record<string, ActiveAlert[]>;
}

/** A rule's key: its group's key (`<file>;<group>`, as Prometheus keys groups) and its name. */
export const ruleKey = (groupKey: string, alert: string): string => `${groupKey}/${alert}`;

export async function saveAlertState(file: string, rules: ReadonlyMap<string, Iterable<ActiveAlert>>, now: number): Promise<void> {
  const body: StateJson = { format: FORMAT, savedAt: now, rules: {} };
  for (const [key, alerts] of rules) {
    const list = [...alerts];
    if (list.length > 0) body.rules[key] = list;
  }
  await writeFileAtomic(file, JSON.stringify(body), { stateFile: 'alert_state' });
}

const STATES: readonly AlertState[] = ['pending', 'firing', 'inactive'];
const optTime = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function checkAlert(raw: unknown): ActiveAlert | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const a = raw as Record<string, unknown>;
  const strings = (v: unknown): v is Record<string, string> => typeof v === 'object' && v !== null && Object.values(v).every((x) => typeof x === 'string');
  if (!strings(a.labels) || !strings(a.annotations) || !STATES.includes(a.state as AlertState) || optTime(a.activeAt) === undefined) return undefined;
  return {
    // Recomputed, so a file from another version cannot smuggle in a stale identity.
    fingerprint: fingerprint(a.labels),
    labels: a.labels,
    annotations: a.annotations,
    state: a.state as AlertState,
    activeAt: a.activeAt as number,
    firedAt: optTime(a.firedAt),
    resolvedAt: optTime(a.resolvedAt),
    keepFiringSince: optTime(a.keepFiringSince),
    value: typeof a.value === 'number' ? a.value : Number.NaN,
  };
}

export type AlertStateLoad = { ok: true; rules: Map<string, ActiveAlert[]> } | { ok: false; missing: boolean; reason: string };

/** A missing file is a first start; a corrupt one is reported (the caller logs it and starts fresh). */
export async function loadAlertState(file: string): Promise<AlertStateLoad> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, missing: code === 'ENOENT', reason: `cannot be read (${code ?? 'error'})` };
  }
  let json: Partial<StateJson>;
  try {
    json = JSON.parse(text) as Partial<StateJson>;
  } catch {
    return { ok: false, missing: false, reason: 'is not valid JSON' };
  }
  if (json.format !== FORMAT || typeof json.rules !== 'object' || json.rules === null)
    return { ok: false, missing: false, reason: `is not in format ${FORMAT}` };
  const rules = new Map<string, ActiveAlert[]>();
  for (const [key, list] of Object.entries(json.rules)) {
    if (!Array.isArray(list)) continue;
    const alerts = list.map(checkAlert).filter((a): a is ActiveAlert => a !== undefined);
    if (alerts.length > 0) rules.set(key, alerts);
  }
  return { ok: true, rules };
}

// The shipped alertmanager.yml, rewritten for a test: the Slack webhook and PagerDuty routing key come
// from the test's own files, PagerDuty's endpoint is the test's HTTP server, templates are found by
// absolute path (the config is written to a temp dir), and optionally shorter grouping timers. Nothing
// else changes, so a test exercises the routes, inhibition and templates users get.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';

const SHIPPED_ALERTMANAGER_DIR = fileURLToPath(new URL('../', import.meta.url));
export const SHIPPED_ALERTMANAGER_CONFIG = path.join(SHIPPED_ALERTMANAGER_DIR, 'alertmanager.yml');

export interface AlertmanagerTestOverrides {
  /** File holding the Slack incoming-webhook URL (e.g. http://127.0.0.1:PORT/slack). */
  readonly slackUrlFile: string;
  /** File holding the PagerDuty Events v2 routing key. */
  readonly pagerdutyKeyFile: string;
  /** PagerDuty Events v2 endpoint (e.g. http://127.0.0.1:PORT/v2/enqueue). */
  readonly pagerdutyUrl: string;
  /** Route timers (Alertmanager durations such as "1s"); the shipped ones when left out. */
  readonly groupWait?: string;
  readonly groupInterval?: string;
  readonly repeatInterval?: string;
  /** The heartbeat webhook's URL (the dead man's switch service's stand-in); the shipped one when left out. */
  readonly heartbeatUrl?: string;
  /** The heartbeat route's group_interval and repeat_interval (e.g. "1s"); the shipped ones when left out. */
  readonly heartbeatInterval?: string;
}

function receiverConfigs(receivers: unknown, key: 'slack_configs' | 'pagerduty_configs'): YAMLMap[] {
  if (!isSeq(receivers)) throw new Error('alertmanager.yml: receivers is not a list');
  const out: YAMLMap[] = [];
  for (const r of receivers.items) {
    if (!isMap(r)) continue;
    const configs = r.get(key, true);
    if (isSeq(configs)) for (const c of configs.items) if (isMap(c)) out.push(c);
  }
  return out;
}

/** The shipped config (or `source`) with the test's endpoints and secret files, as YAML text. */
export function alertmanagerConfigFor(test: AlertmanagerTestOverrides, source = readFileSync(SHIPPED_ALERTMANAGER_CONFIG, 'utf8')): string {
  const doc = parseDocument(source);
  if (doc.errors.length > 0) throw new Error(`alertmanager.yml: ${doc.errors[0]!.message}`);
  const slack = receiverConfigs(doc.get('receivers', true), 'slack_configs');
  const pagerduty = receiverConfigs(doc.get('receivers', true), 'pagerduty_configs');
  // A shipped config without these receivers would make the test prove nothing.
  if (slack.length === 0 || pagerduty.length === 0) throw new Error('alertmanager.yml: expected Slack and PagerDuty receivers');
  for (const c of slack) c.set('api_url_file', test.slackUrlFile);
  for (const c of pagerduty) {
    c.set('routing_key_file', test.pagerdutyKeyFile);
    c.set('url', test.pagerdutyUrl);
  }
  const templates: unknown = (doc.toJS() as { templates?: unknown }).templates;
  if (Array.isArray(templates)) {
    doc.set(
      'templates',
      templates.map((t) => (path.isAbsolute(String(t)) ? String(t) : path.join(SHIPPED_ALERTMANAGER_DIR, String(t)))),
    );
  }
  if (test.heartbeatUrl !== undefined || test.heartbeatInterval !== undefined) {
    const receivers = doc.get('receivers', true);
    const routes = doc.getIn(['route', 'routes'], true);
    if (!isSeq(receivers) || !isSeq(routes)) throw new Error('alertmanager.yml: expected receivers and route.routes');
    const heartbeat = receivers.items.find((r) => isMap(r) && r.get('name') === 'heartbeat');
    const route = routes.items.find((r) => isMap(r) && r.get('receiver') === 'heartbeat');
    if (!isMap(heartbeat) || !isMap(route)) throw new Error('alertmanager.yml: expected the heartbeat receiver and its route');
    if (test.heartbeatUrl !== undefined) {
      const hooks = heartbeat.get('webhook_configs', true);
      if (!isSeq(hooks)) throw new Error('alertmanager.yml: the heartbeat receiver has no webhook_configs');
      for (const h of hooks.items) if (isMap(h)) h.set('url', test.heartbeatUrl);
    }
    if (test.heartbeatInterval !== undefined) {
      route.set('group_interval', test.heartbeatInterval);
      route.set('repeat_interval', test.heartbeatInterval);
    }
  }
  if (test.groupWait !== undefined) doc.setIn(['route', 'group_wait'], test.groupWait);
  if (test.groupInterval !== undefined) doc.setIn(['route', 'group_interval'], test.groupInterval);
  if (test.repeatInterval !== undefined) doc.setIn(['route', 'repeat_interval'], test.repeatInterval);
  return doc.toString();
}

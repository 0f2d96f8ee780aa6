// Writes the Grafana dashboards (dashboards/*.json) from the short descriptions below: every panel
// gets a unique id and a grid position from one layout function, so positions never overlap and
// every dashboard has the same variables (${datasource}, node, instance). The JSON is committed;
// test/e2e/dashboards.test.ts fails when it differs from what this script makes, and runs every
// panel's queries against a real Prometheus scraping a real agent.
//
//   node dashboards/generate.ts
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_DIR = fileURLToPath(new URL('./', import.meta.url));

/** Every query is scoped by the two variables; "All" is `.*`, which also matches a missing label. */
const SEL = 'node=~"$node",instance=~"$instance"';
const RATE = '$__rate_interval';

interface PanelSpec {
  readonly title: string;
  readonly type?: 'timeseries' | 'stat';
  /** [legend, PromQL] */
  readonly targets: readonly (readonly [string, string])[];
  readonly unit?: string;
  readonly description?: string;
  /** Grid width (of 24); height is 8. */
  readonly w?: number;
  readonly max?: number;
}

interface DashboardSpec {
  readonly file: string;
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly panels: readonly PanelSpec[];
}

export const DASHBOARDS: readonly DashboardSpec[] = [
  {
    file: 'node-overview.json',
    uid: 'vigil-node-overview',
    title: 'Vigil / Node overview',
    description: 'Host metrics from Vigil (node_exporter names): CPU, memory, load, filesystems, disks, network, pressure.',
    panels: [
      {
        title: 'CPU busy',
        type: 'stat',
        unit: 'percentunit',
        w: 6,
        max: 1,
        targets: [['{{instance}}', `1 - avg by (instance) (rate(node_cpu_seconds_total{${SEL},mode="idle"}[${RATE}]))`]],
      },
      {
        title: 'Memory used',
        type: 'stat',
        unit: 'percentunit',
        w: 6,
        max: 1,
        targets: [['{{instance}}', `1 - node_memory_MemAvailable_bytes{${SEL}} / node_memory_MemTotal_bytes{${SEL}}`]],
      },
      {
        title: 'Load (1m) per CPU',
        type: 'stat',
        unit: 'none',
        w: 6,
        targets: [['{{instance}}', `node_load1{${SEL}} / on (instance) count by (instance) (node_cpu_seconds_total{${SEL},mode="idle"})`]],
      },
      { title: 'Uptime', type: 'stat', unit: 's', w: 6, targets: [['{{instance}}', `node_time_seconds{${SEL}} - node_boot_time_seconds{${SEL}}`]] },
      {
        title: 'CPU by mode',
        unit: 'percentunit',
        w: 12,
        targets: [
          [
            '{{instance}} {{mode}}',
            `sum by (instance, mode) (rate(node_cpu_seconds_total{${SEL},mode!="idle"}[${RATE}])) / on (instance) group_left count by (instance) (node_cpu_seconds_total{${SEL},mode="idle"})`,
          ],
        ],
      },
      {
        title: 'Memory',
        unit: 'bytes',
        w: 12,
        targets: [
          ['{{instance}} used', `node_memory_MemTotal_bytes{${SEL}} - node_memory_MemAvailable_bytes{${SEL}}`],
          ['{{instance}} cached', `node_memory_Cached_bytes{${SEL}}`],
          ['{{instance}} total', `node_memory_MemTotal_bytes{${SEL}}`],
        ],
      },
      {
        title: 'Filesystem space used',
        unit: 'percentunit',
        w: 12,
        max: 1,
        targets: [['{{instance}} {{mountpoint}}', `1 - node_filesystem_avail_bytes{${SEL},fstype!=""} / node_filesystem_size_bytes{${SEL},fstype!=""}`]],
      },
      {
        title: 'Load average',
        unit: 'none',
        w: 12,
        targets: [
          ['{{instance}} 1m', `node_load1{${SEL}}`],
          ['{{instance}} 5m', `node_load5{${SEL}}`],
          ['{{instance}} 15m', `node_load15{${SEL}}`],
        ],
      },
      {
        title: 'Disk throughput',
        unit: 'Bps',
        w: 12,
        targets: [
          ['{{instance}} {{device}} read', `rate(node_disk_read_bytes_total{${SEL}}[${RATE}])`],
          ['{{instance}} {{device}} written', `rate(node_disk_written_bytes_total{${SEL}}[${RATE}])`],
        ],
      },
      {
        title: 'Disk busy (io time)',
        unit: 'percentunit',
        w: 12,
        targets: [['{{instance}} {{device}}', `rate(node_disk_io_time_seconds_total{${SEL}}[${RATE}])`]],
      },
      {
        title: 'Network traffic',
        unit: 'bps',
        w: 12,
        targets: [
          ['{{instance}} {{device}} in', `rate(node_network_receive_bytes_total{${SEL}}[${RATE}]) * 8`],
          ['{{instance}} {{device}} out', `rate(node_network_transmit_bytes_total{${SEL}}[${RATE}]) * 8`],
        ],
      },
      {
        title: 'Network errors and drops',
        unit: 'pps',
        w: 12,
        targets: [
          ['{{instance}} {{device}} rx errs', `rate(node_network_receive_errs_total{${SEL}}[${RATE}])`],
          ['{{instance}} {{device}} rx drop', `rate(node_network_receive_drop_total{${SEL}}[${RATE}])`],
          ['{{instance}} {{device}} tx errs', `rate(node_network_transmit_errs_total{${SEL}}[${RATE}])`],
        ],
      },
      {
        title: 'Pressure (PSI): time waiting',
        unit: 'percentunit',
        w: 24,
        description: 'Share of time some task waited for CPU, memory or I/O (absent on kernels without PSI).',
        targets: [
          ['{{instance}} cpu', `rate(node_pressure_cpu_waiting_seconds_total{${SEL}}[${RATE}])`],
          ['{{instance}} memory', `rate(node_pressure_memory_waiting_seconds_total{${SEL}}[${RATE}])`],
          ['{{instance}} io', `rate(node_pressure_io_waiting_seconds_total{${SEL}}[${RATE}])`],
        ],
      },
    ],
  },
  {
    file: 'postgres-replication.json',
    uid: 'vigil-postgres-replication',
    title: 'Vigil / PostgreSQL replication',
    description:
      'Replica and primary views of PostgreSQL streaming replication, per target, with roles and failovers, WAL archiving and PgBouncer pools. pg_replication_lag_seconds is postgres_exporter-compatible; the vigil_pg_* signals do not read 0 when a replica has lost its primary.',
    panels: [
      { title: 'Targets up', type: 'stat', unit: 'none', w: 8, targets: [['{{target}}', `pg_up{${SEL}}`]] },
      { title: 'WAL receiver streaming (replicas)', type: 'stat', unit: 'none', w: 8, targets: [['{{target}}', `vigil_pg_wal_receiver_up{${SEL}}`]] },
      {
        title: 'Standbys connected / expected (primaries)',
        type: 'stat',
        unit: 'none',
        w: 8,
        targets: [
          ['{{target}} connected', `vigil_pg_replication_standbys_connected{${SEL}}`],
          ['{{target}} expected', `vigil_pg_replication_standbys_expected{${SEL}}`],
        ],
      },
      { title: 'Replica lag (postgres_exporter semantics)', unit: 's', w: 12, targets: [['{{target}}', `pg_replication_lag_seconds{${SEL}}`]] },
      {
        title: 'Replica: last replayed transaction age and last message from primary',
        unit: 's',
        w: 12,
        description: 'Grows when the primary is gone even if nothing is left to replay.',
        targets: [
          ['{{target}} replay age', `vigil_pg_replay_timestamp_age_seconds{${SEL}}`],
          ['{{target}} receiver message age', `vigil_pg_wal_receiver_last_message_age_seconds{${SEL}}`],
        ],
      },
      { title: 'Replica: received but not replayed WAL', unit: 'bytes', w: 12, targets: [['{{target}}', `vigil_pg_receive_replay_lag_bytes{${SEL}}`]] },
      {
        title: 'Primary: standby lag times',
        unit: 's',
        w: 12,
        targets: [
          ['{{application_name}} write', `vigil_pg_replication_write_lag_seconds{${SEL}}`],
          ['{{application_name}} flush', `vigil_pg_replication_flush_lag_seconds{${SEL}}`],
          ['{{application_name}} replay', `vigil_pg_replication_replay_lag_seconds{${SEL}}`],
        ],
      },
      {
        title: 'Primary: standby lag bytes',
        unit: 'bytes',
        w: 12,
        targets: [
          ['{{application_name}} sent', `vigil_pg_replication_sent_lag_bytes{${SEL}}`],
          ['{{application_name}} replay', `vigil_pg_replication_replay_lag_bytes{${SEL}}`],
        ],
      },
      {
        title: 'Replication slots: retained WAL',
        unit: 'bytes',
        w: 12,
        targets: [['{{slot_name}} ({{target}})', `vigil_pg_replication_slot_retained_wal_bytes{${SEL}}`]],
      },
      {
        title: 'Replication slots active',
        type: 'stat',
        unit: 'none',
        w: 12,
        targets: [['{{slot_name}} ({{target}})', `vigil_pg_replication_slot_active{${SEL}}`]],
      },
      {
        title: 'Collection errors and duration',
        unit: 's',
        w: 12,
        targets: [
          ['{{target}} duration', `vigil_pg_scrape_duration_seconds{${SEL}}`],
          ['{{target}} errors/s', `rate(vigil_pg_scrape_errors_total{${SEL}}[${RATE}])`],
        ],
      },
      // Roles and failover.
      { title: 'Role (1 = primary)', type: 'stat', unit: 'none', w: 8, targets: [['{{target}}', `vigil_pg_is_primary{${SEL}}`]] },
      {
        title: 'Timeline',
        type: 'stat',
        unit: 'none',
        w: 8,
        description: 'A promotion starts a new timeline.',
        targets: [['{{target}}', `vigil_pg_timeline_id{${SEL}}`]],
      },
      {
        title: 'Role changes seen',
        type: 'stat',
        unit: 'none',
        w: 8,
        description: 'Promotions and demotions seen by the agent since it started.',
        targets: [['{{target}}', `vigil_pg_role_changes_total{${SEL}}`]],
      },
      // WAL archiving (backups).
      {
        title: 'WAL archiving: last archived age and RPO',
        unit: 's',
        w: 12,
        description: "Age of the newest archived WAL segment against the target's rpo (only while archiving is active).",
        targets: [
          ['{{target}} last archived', `pg_stat_archiver_last_archive_age{${SEL}}`],
          ['{{target}} RPO', `vigil_pg_archive_rpo_seconds{${SEL}}`],
        ],
      },
      { title: 'WAL archiving: segments waiting', unit: 'none', w: 12, targets: [['{{target}}', `vigil_pg_archive_ready_files{${SEL}}`]] },
      {
        title: 'WAL archiving: archived and failed per minute',
        unit: 'none',
        w: 12,
        targets: [
          ['{{target}} archived', `rate(vigil_pg_archive_archived_total{${SEL}}[${RATE}]) * 60`],
          ['{{target}} failed', `rate(vigil_pg_archive_failed_total{${SEL}}[${RATE}]) * 60`],
        ],
      },
      {
        title: 'WAL archiving: active / failing',
        type: 'stat',
        unit: 'none',
        w: 12,
        targets: [
          ['{{target}} active', `vigil_pg_archiving_enabled{${SEL}}`],
          ['{{target}} failing', `vigil_pg_archive_failing{${SEL}}`],
        ],
      },
      // PgBouncer pools.
      { title: 'PgBouncer up', type: 'stat', unit: 'none', w: 8, targets: [['{{target}}', `pgbouncer_up{${SEL}}`]] },
      {
        title: 'PgBouncer client connections / max_client_conn',
        type: 'stat',
        unit: 'percentunit',
        w: 8,
        max: 1,
        targets: [['{{target}}', `vigil_pgbouncer_list_items{${SEL},list="used_clients"} / ignoring (list) pgbouncer_config_max_client_connections{${SEL}}`]],
      },
      {
        title: 'PgBouncer longest client wait',
        type: 'stat',
        unit: 's',
        w: 8,
        targets: [['{{target}} {{database}}/{{user}}', `pgbouncer_pools_client_maxwait_seconds{${SEL}}`]],
      },
      {
        title: 'PgBouncer pools: clients active and waiting',
        unit: 'none',
        w: 12,
        targets: [
          ['{{target}} {{database}}/{{user}} active', `pgbouncer_pools_client_active_connections{${SEL}}`],
          ['{{target}} {{database}}/{{user}} waiting', `pgbouncer_pools_client_waiting_connections{${SEL}}`],
        ],
      },
      {
        title: 'PgBouncer pools: server connections',
        unit: 'none',
        w: 12,
        targets: [
          ['{{target}} {{database}}/{{user}} active', `pgbouncer_pools_server_active_connections{${SEL}}`],
          ['{{target}} {{database}}/{{user}} idle', `pgbouncer_pools_server_idle_connections{${SEL}}`],
          ['{{target}} {{database}} pool size', `pgbouncer_databases_pool_size{${SEL}}`],
        ],
      },
      {
        title: 'PgBouncer queries and transactions per second',
        unit: 'ops',
        w: 12,
        targets: [
          ['{{target}} {{database}} queries', `rate(pgbouncer_stats_queries_pooled_total{${SEL}}[${RATE}])`],
          ['{{target}} {{database}} transactions', `rate(pgbouncer_stats_sql_transactions_pooled_total{${SEL}}[${RATE}])`],
        ],
      },
      {
        title: 'PgBouncer client wait time per second',
        unit: 's',
        w: 12,
        description: 'Seconds clients spent waiting for a server connection, per second (0 when the pool keeps up).',
        targets: [['{{target}} {{database}}', `rate(pgbouncer_stats_client_wait_seconds_total{${SEL}}[${RATE}])`]],
      },
    ],
  },
  {
    file: 'anomalies.json',
    uid: 'vigil-anomalies',
    title: 'Vigil / Anomalies',
    description: "The on-node detector: anomaly scores of monitored series (calibrated to [0,1]), the host's anomaly rate, and the series flagged now.",
    panels: [
      { title: 'Host anomaly rate (5m)', unit: 'percentunit', w: 12, max: 1, targets: [['{{instance}}', `vigil_host_anomaly_rate{${SEL}}`]] },
      { title: 'Detector up', type: 'stat', unit: 'none', w: 6, targets: [['{{instance}}', `vigil_detector_up{${SEL}}`]] },
      { title: 'Monitored series by state', type: 'stat', unit: 'none', w: 6, targets: [['{{instance}} {{state}}', `vigil_detector_series{${SEL}}`]] },
      { title: 'Top anomaly scores', unit: 'percentunit', w: 12, max: 1, targets: [['{{instance}} {{metric}}', `topk(10, vigil_anomaly_score{${SEL}})`]] },
      // Zero (not "no data") when the detector scores series and none is flagged.
      {
        title: 'Flagged series now',
        type: 'stat',
        unit: 'none',
        w: 12,
        description: 'Monitored series whose score is at or above detector.threshold.',
        targets: [['{{instance}}', `count by (instance) (vigil_anomaly{${SEL}} == 1) or count by (instance) (vigil_anomaly{${SEL}}) * 0`]],
      },
      {
        title: 'Detector inference time (p99)',
        unit: 's',
        w: 12,
        targets: [['{{instance}}', `histogram_quantile(0.99, sum by (instance, le) (rate(vigil_detector_inference_seconds_bucket{${SEL}}[${RATE}])))`]],
      },
      { title: 'Series left out (maxSeries)', unit: 'none', w: 12, targets: [['{{instance}}', `vigil_detector_series_dropped{${SEL}}`]] },
    ],
  },
  {
    file: 'agent-health.json',
    uid: 'vigil-agent-health',
    title: 'Vigil / Agent health',
    description: "Vigil's own health: scrape targets, ticks and overruns, collectors failing, memory and CPU, rule evaluation, firing alerts.",
    panels: [
      { title: 'Agents up', type: 'stat', unit: 'none', w: 6, targets: [['{{instance}}', `up{${SEL}} * on (instance) group_left vigil_build_info{${SEL}}`]] },
      {
        title: 'Collectors failing',
        type: 'stat',
        unit: 'none',
        w: 6,
        targets: [
          [
            '{{instance}}',
            `count by (instance) (node_scrape_collector_success{${SEL}} == 0) or count by (instance) (node_scrape_collector_success{${SEL}}) * 0`,
          ],
        ],
      },
      { title: 'Firing alerts', type: 'stat', unit: 'none', w: 6, targets: [['firing', `count(ALERTS{${SEL},alertstate="firing"}) or vector(0)`]] },
      { title: 'Version', type: 'stat', unit: 'none', w: 6, targets: [['{{instance}} {{version}}', `vigil_build_info{${SEL}}`]] },
      {
        title: 'Ticks and overruns',
        unit: 'ops',
        w: 12,
        targets: [
          ['{{instance}} ticks/s', `rate(vigil_ticks_total{${SEL}}[${RATE}])`],
          ['{{instance}} overruns/s', `rate(vigil_tick_overruns_total{${SEL}}[${RATE}])`],
        ],
      },
      {
        title: 'Tick duration (p99)',
        unit: 's',
        w: 12,
        targets: [['{{instance}}', `histogram_quantile(0.99, sum by (instance, le) (rate(vigil_tick_duration_seconds_bucket{${SEL}}[${RATE}])))`]],
      },
      { title: 'Collector duration', unit: 's', w: 12, targets: [['{{instance}} {{collector}}', `node_scrape_collector_duration_seconds{${SEL}}`]] },
      { title: 'Parse errors', unit: 'ops', w: 12, targets: [['{{instance}} {{collector}}', `rate(vigil_collector_parse_errors_total{${SEL}}[${RATE}])`]] },
      {
        title: 'Resident memory',
        unit: 'bytes',
        w: 12,
        targets: [['{{instance}}', `process_resident_memory_bytes{${SEL}} * on (instance) group_left vigil_build_info{${SEL}}`]],
      },
      {
        title: 'CPU used',
        unit: 'percentunit',
        w: 12,
        targets: [['{{instance}}', `rate(process_cpu_seconds_total{${SEL}}[${RATE}]) * on (instance) group_left vigil_build_info{${SEL}}`]],
      },
      {
        title: 'Rule evaluation failures',
        unit: 'ops',
        w: 12,
        targets: [['{{instance}} {{rule_group}}', `rate(vigil_rule_evaluation_failures_total{${SEL}}[${RATE}])`]],
      },
      { title: 'Rule evaluation duration', unit: 's', w: 12, targets: [['{{instance}} {{rule_group}}', `vigil_rule_evaluation_duration_seconds{${SEL}}`]] },
    ],
  },
];

const DS = { type: 'prometheus', uid: '${datasource}' };
const HEIGHT = 8;

function variable(name: string, label: string, query: string): Record<string, unknown> {
  return {
    name,
    label,
    type: 'query',
    datasource: DS,
    definition: query,
    query: { query, refId: `${name}-variable` },
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    sort: 1,
  };
}

function dashboardJson(d: DashboardSpec): Record<string, unknown> {
  let x = 0;
  let y = 0;
  const panels = d.panels.map((p, i) => {
    const w = p.w ?? 12;
    if (x + w > 24) {
      x = 0;
      y += HEIGHT;
    }
    const gridPos = { h: HEIGHT, w, x, y };
    x += w;
    const type = p.type ?? 'timeseries';
    return {
      id: i + 1,
      type,
      title: p.title,
      ...(p.description !== undefined ? { description: p.description } : {}),
      datasource: DS,
      gridPos,
      fieldConfig: { defaults: { unit: p.unit ?? 'short', ...(p.max !== undefined ? { min: 0, max: p.max } : {}) }, overrides: [] },
      options:
        type === 'stat'
          ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area', textMode: 'auto' }
          : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
      targets: p.targets.map(([legend, expr], j) => ({ refId: String.fromCharCode(65 + j), datasource: DS, expr, legendFormat: legend, range: true })),
    };
  });
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: ['vigil'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timezone: '',
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1 },
        variable('node', 'Node', 'label_values(vigil_build_info, node)'),
        variable('instance', 'Instance', 'label_values(vigil_build_info{node=~"$node"}, instance)'),
      ],
    },
    annotations: { list: [] },
    links: [{ title: 'Vigil dashboards', type: 'dashboards', tags: ['vigil'], asDropdown: true }],
    panels,
  };
}

export const dashboardText = (d: DashboardSpec): string => JSON.stringify(dashboardJson(d), null, 2) + '\n';

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const d of DASHBOARDS) writeFileSync(path.join(DASHBOARD_DIR, d.file), dashboardText(d));
}

// The catalogue of user-facing error codes. Tests assert these codes, never message text.
export const ErrorCode = {
  /** The config file could not be read. */
  CONFIG_UNREADABLE: 'VIGIL_ERR_CONFIG_UNREADABLE',
  /** The config file is not valid YAML. */
  CONFIG_SYNTAX: 'VIGIL_ERR_CONFIG_SYNTAX',
  /** A config key is unknown, or its value is invalid. */
  CONFIG_INVALID: 'VIGIL_ERR_CONFIG_INVALID',
  /** A reload (SIGHUP, POST /-/reload) was refused: the config or a rule file is invalid; the last good config stays in force. */
  RELOAD_FAILED: 'VIGIL_ERR_RELOAD_FAILED',
  /** A reload changed a setting that takes effect only after a restart (the listen address); the running value is kept. */
  RELOAD_NEEDS_RESTART: 'VIGIL_ERR_RELOAD_NEEDS_RESTART',
  /** The web config file (--web.config.file) is unreadable or invalid, or its TLS files cannot be used. */
  WEB_CONFIG_INVALID: 'VIGIL_ERR_WEB_CONFIG_INVALID',
  /** The listen address could not be bound. */
  LISTEN_FAILED: 'VIGIL_ERR_LISTEN_FAILED',
  /** A collector failed or timed out in one tick (the tick goes on without it). */
  COLLECTOR_FAILED: 'VIGIL_ERR_COLLECTOR_FAILED',
  /**
   * A collector skipped lines or entries of its source that did not parse (garbage, a format it does not
   * know); logged once when a collector starts skipping, and counted in vigil_collector_parse_errors_total.
   */
  COLLECTOR_PARSE_ERRORS: 'VIGIL_ERR_COLLECTOR_PARSE_ERRORS',
  /** A tick failed as a whole (a bug: every stage catches its own failures); the next tick runs as usual. */
  TICK_FAILED: 'VIGIL_ERR_TICK_FAILED',
  /** A sink threw when handed a tick (a bug: sinks queue and never throw); the other sinks still got it. */
  SINK_FAILED: 'VIGIL_ERR_SINK_FAILED',
  /** statfs of a mount point did not answer in collectors.filesystem.mountTimeout; the mount is skipped until it does. */
  MOUNT_STUCK: 'VIGIL_ERR_MOUNT_STUCK',
  /** A textfile collector *.prom file (or its directory) could not be read, did not parse, or had timestamps; that file is skipped. */
  TEXTFILE_INVALID: 'VIGIL_ERR_TEXTFILE_INVALID',
  /** The alerting stage failed in one tick (the previous alerts are kept and re-sent). */
  ALERT_EVALUATION_FAILED: 'VIGIL_ERR_ALERT_EVALUATION_FAILED',
  /** The runbooks (or the runbook page script) cannot be loaded; /runbooks/ serves what it can. */
  RUNBOOKS_UNAVAILABLE: 'VIGIL_ERR_RUNBOOKS_UNAVAILABLE',
  /** An Alertmanager's TLS or auth options cannot be used (a file unreadable); that Alertmanager is off. */
  ALERTMANAGER_CONFIG: 'VIGIL_ERR_ALERTMANAGER_CONFIG',
  /** A part of the agent (a sink's flush, the server, telemetry) did not stop within the shutdown deadline; it was given up. */
  STOP_INCOMPLETE: 'VIGIL_ERR_STOP_INCOMPLETE',
  /**
   * The wall clock went back between two ticks (an NTP step, a manual change): logged once per step. Until
   * it passes the newest stored point again, the rule history drops new points (vigil_rule_history_dropped_points_total).
   */
  CLOCK_STEPPED_BACK: 'VIGIL_ERR_CLOCK_STEPPED_BACK',
  /** A tick was still running when the next one was due; that next one was skipped. */
  TICK_OVERRUN: 'VIGIL_ERR_TICK_OVERRUN',
  /** A PostgreSQL target could not be connected to or queried (logged once per change to down). */
  PG_TARGET_DOWN: 'VIGIL_ERR_PG_TARGET_DOWN',
  /** A PgBouncer admin console could not be connected to (refused user, wrong password, down) or queried, or hung. */
  PGBOUNCER_TARGET_DOWN: 'VIGIL_ERR_PGBOUNCER_TARGET_DOWN',
  /** A PgBouncer SHOW command answered without columns Vigil reads (another PgBouncer version): those series are left out. */
  PGBOUNCER_COLUMNS_MISSING: 'VIGIL_ERR_PGBOUNCER_COLUMNS_MISSING',
  /** A PgBouncer configured under postgres.targets, or a PostgreSQL server under pgbouncer.targets. */
  TARGET_KIND_MISMATCH: 'VIGIL_ERR_TARGET_KIND_MISMATCH',
  /** A detector model file is missing, unreadable, not ONNX, or not shaped [window, batch, 1] → [batch, 1]. */
  MODEL_INVALID: 'VIGIL_ERR_MODEL_INVALID',
  /** Training data (a CSV row, an .npz/.npy or .csv.gz file) could not be read; names the file and line. */
  TRAIN_DATA_INVALID: 'VIGIL_ERR_TRAIN_DATA_INVALID',
  /** A rule file (or a glob of them) could not be read. */
  RULE_FILE_UNREADABLE: 'VIGIL_ERR_RULE_FILE_UNREADABLE',
  /** A rule file is not valid YAML. */
  RULE_SYNTAX: 'VIGIL_ERR_RULE_SYNTAX',
  /** A rule is invalid: unknown field, bad value, bad or unsupported PromQL, bad or unsupported template. */
  RULE_INVALID: 'VIGIL_ERR_RULE_INVALID',
  /** A rule failed in one evaluation (the group goes on; vigil_rule_evaluation_failures_total counts it). */
  RULE_EVALUATION_FAILED: 'VIGIL_ERR_RULE_EVALUATION_FAILED',
  /** The alert state or rule history in the state dir could not be read or written. */
  ALERT_STATE_IO: 'VIGIL_ERR_ALERT_STATE_IO',
  /** An Alertmanager did not accept a batch of alerts (HTTP error, timeout); it is retried with backoff. */
  ALERTMANAGER_SEND_FAILED: 'VIGIL_ERR_ALERTMANAGER_SEND_FAILED',
  /** The detector's saved state (<stateDir>/detector/state.json) is corrupt or could not be written; series start a new warm-up. */
  DETECTOR_STATE_INVALID: 'VIGIL_ERR_DETECTOR_STATE_INVALID',
  /** A CSV row given to `vigil detect`/`vigil eval` is malformed (wrong column count, non-numeric value); names file and line. */
  CSV_INVALID: 'VIGIL_ERR_CSV_INVALID',
  /** A labels file given to `vigil eval` is malformed; names file and line. */
  LABELS_INVALID: 'VIGIL_ERR_LABELS_INVALID',
  /** An input path given to `vigil detect`/`vigil eval` does not exist or holds no series. */
  INPUT_INVALID: 'VIGIL_ERR_INPUT_INVALID',
  /** The Kafka sink cannot be set up (a TLS or SASL password file unreadable); it stays off, counting drops. */
  KAFKA_CONFIG: 'VIGIL_ERR_KAFKA_CONFIG',
  /** Kafka deliveries are failing (logged once per outage; messages wait in the bounded buffer). */
  KAFKA_DELIVERY: 'VIGIL_ERR_KAFKA_DELIVERY',
  /** OTLP exports are failing (logged once per outage; the exporter retries, the next export goes on). */
  OTLP_EXPORT_FAILED: 'VIGIL_ERR_OTLP_EXPORT_FAILED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A problem in something the user wrote, located by key path (config) or file and line. */
export interface UserError {
  readonly code: ErrorCode;
  /** Dotted key path ("collectors.filesystem.mountTimeout"), or "file:line" for files. */
  readonly where: string;
  readonly message: string;
}

export const formatUserError = (e: UserError): string => `${e.code} ${e.where}: ${e.message}`;

// The catalogue of user-facing error codes. Tests assert these codes, never message text.
export const ErrorCode = {
  /** The config file could not be read. */
  CONFIG_UNREADABLE: 'VIGIL_ERR_CONFIG_UNREADABLE',
  /** The config file is not valid YAML. */
  CONFIG_SYNTAX: 'VIGIL_ERR_CONFIG_SYNTAX',
  /** A config key is unknown, or its value is invalid. */
  CONFIG_INVALID: 'VIGIL_ERR_CONFIG_INVALID',
  /** The listen address could not be bound. */
  LISTEN_FAILED: 'VIGIL_ERR_LISTEN_FAILED',
  /** A collector failed or timed out in one tick (the tick goes on without it). */
  COLLECTOR_FAILED: 'VIGIL_ERR_COLLECTOR_FAILED',
  /** A tick was still running when the next one was due; that next one was skipped. */
  TICK_OVERRUN: 'VIGIL_ERR_TICK_OVERRUN',
  /** A PostgreSQL target could not be connected to or queried (logged once per change to down). */
  PG_TARGET_DOWN: 'VIGIL_ERR_PG_TARGET_DOWN',
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

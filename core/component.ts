// What every component receives from the agent: nothing global, everything through the context.
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';

/** Host paths with node_exporter's `--path.*` meaning. */
export interface HostPaths {
  readonly procfs: string;
  readonly sysfs: string;
  readonly rootfs: string;
  readonly udevData: string;
}

export interface Context {
  readonly logger: Logger;
  /** Milliseconds since the epoch; tests pass a fixed clock. */
  readonly now: () => number;
  readonly paths: HostPaths;
  readonly signal: AbortSignal;
}

/** What the stages after collection (detector, rules, sinks) get besides the component context. */
export interface StageContext extends Context {
  /** Directory for state that survives restarts (config `stateDir`); the stage creates its own subfolder. */
  readonly stateDir: string;
  /** This node's name: $NODE_NAME (Kubernetes downward API), else the host name. */
  readonly nodeName: string;
  /** The agent's own base URL as others reach it (runbook links, generatorURL), e.g. "http://node1:9464". */
  readonly externalUrl: string;
  /** For histograms and live instruments (e.g. vigil_detector_inference_seconds); exported with everything else. */
  readonly meter: Meter;
  /** The process environment, for the sinks whose standard configuration is env vars (OTEL_EXPORTER_OTLP_*). */
  readonly env: NodeJS.ProcessEnv;
}

/** Sinks are built before the MeterProvider (it needs their metric readers), so they get no Meter. */
export type SinkContext = Omit<StageContext, 'meter'>;

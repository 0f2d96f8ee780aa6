// Where and how the OTLP sink exports, resolved the standard way: the config file when it sets a
// value, else the OTEL_EXPORTER_OTLP_* variables (signal-specific before generic), else the OTLP
// defaults. Pure: the environment comes in as an argument (the agent passes ctx.env).
import { durationMs } from '../../core/duration.ts';
import { OTLP_PROTOCOLS, type OtlpConfig, type OtlpProtocol } from './options.ts';

export type Signal = 'metrics' | 'traces';

export interface SignalSettings {
  readonly protocol: OtlpProtocol;
  /** Full URL for http/protobuf (…/v1/metrics); the server address for grpc. */
  readonly url: string;
  /** Request headers (gRPC metadata): may hold tokens, so never logged. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface OtlpSettings {
  readonly metrics: SignalSettings;
  readonly traces: SignalSettings;
  readonly exportIntervalMs: number;
  readonly exportTimeoutMs: number;
  /** Values that were ignored, with why (e.g. an unsupported protocol); for a startup warning. */
  readonly warnings: readonly string[];
}

const DEFAULT_ENDPOINT: Record<OtlpProtocol, string> = { 'http/protobuf': 'http://localhost:4318', grpc: 'http://localhost:4317' };
const PATH: Record<Signal, string> = { metrics: '/v1/metrics', traces: '/v1/traces' };

/** The W3C-baggage-like list the OTel spec uses for headers and resource attributes: k1=v1,k2=v2 (percent-encoded). */
export function parseKeyValueList(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined) return out;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = decode(part.slice(0, eq).trim());
    const value = decode(part.slice(eq + 1).trim());
    if (key !== '') out[key] = value;
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s.trim() === '' ? undefined : s.trim());

function signalSettings(signal: Signal, config: OtlpConfig, env: NodeJS.ProcessEnv, warnings: string[]): SignalSettings {
  const SIG = signal.toUpperCase();
  const protocolText =
    nonEmpty(config.protocol) ?? nonEmpty(env[`OTEL_EXPORTER_OTLP_${SIG}_PROTOCOL`]) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_PROTOCOL) ?? 'http/protobuf';
  let protocol: OtlpProtocol = 'http/protobuf';
  if ((OTLP_PROTOCOLS as readonly string[]).includes(protocolText)) protocol = protocolText as OtlpProtocol;
  else warnings.push(`OTLP protocol "${protocolText}" for ${signal} is not supported (use http/protobuf or grpc); using http/protobuf`);

  // A signal-specific endpoint is the full URL; a generic one is a base to which HTTP adds /v1/<signal>.
  const specific = nonEmpty(env[`OTEL_EXPORTER_OTLP_${SIG}_ENDPOINT`]);
  const base = nonEmpty(config.endpoint) ?? (specific === undefined ? nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT) : undefined);
  let url: string;
  if (base !== undefined) url = protocol === 'grpc' ? base : base.replace(/\/+$/, '') + PATH[signal];
  else if (specific !== undefined) url = specific;
  else url = protocol === 'grpc' ? DEFAULT_ENDPOINT.grpc : DEFAULT_ENDPOINT['http/protobuf'] + PATH[signal];

  const headers = { ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseKeyValueList(env[`OTEL_EXPORTER_OTLP_${SIG}_HEADERS`]), ...config.headers };
  return { protocol, url, headers };
}

function positiveMs(text: string | undefined): number | undefined {
  const n = Number(nonEmpty(text));
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export function resolveOtlpSettings(config: OtlpConfig, env: NodeJS.ProcessEnv): OtlpSettings {
  const warnings: string[] = [];
  const exportIntervalMs = config.exportInterval !== '' ? durationMs(config.exportInterval) : (positiveMs(env.OTEL_METRIC_EXPORT_INTERVAL) ?? 60_000);
  // The SDK requires the timeout not to exceed the interval.
  const exportTimeoutMs = Math.min(positiveMs(env.OTEL_METRIC_EXPORT_TIMEOUT) ?? 30_000, exportIntervalMs);
  return {
    metrics: signalSettings('metrics', config, env, warnings),
    traces: signalSettings('traces', config, env, warnings),
    exportIntervalMs,
    exportTimeoutMs,
    warnings,
  };
}

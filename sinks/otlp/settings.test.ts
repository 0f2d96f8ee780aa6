import { describe, expect, it } from 'vitest';
import { resourceAttributes } from './resource.ts';
import { parseKeyValueList, resolveOtlpSettings } from './settings.ts';
import { otlpOptions } from './options.ts';
import { kafkaOptions } from '../kafka/options.ts';

const otlp = (o: object = {}) => otlpOptions.parse({ enabled: true, ...o });

describe('OTLP settings, resolved the standard way', () => {
  it('defaults to OTLP/HTTP protobuf on localhost:4318 and a 60 s interval', () => {
    const s = resolveOtlpSettings(otlp(), {});
    expect(s.metrics).toEqual({ protocol: 'http/protobuf', url: 'http://localhost:4318/v1/metrics', headers: {} });
    expect(s.traces.url).toBe('http://localhost:4318/v1/traces');
    expect(s.exportIntervalMs).toBe(60_000);
    expect(s.exportTimeoutMs).toBe(30_000);
  });

  it('appends the signal path to a generic HTTP endpoint, uses a signal-specific one as is', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/custom/traces' };
    const s = resolveOtlpSettings(otlp(), env);
    expect(s.metrics.url).toBe('http://collector:4318/v1/metrics');
    expect(s.traces.url).toBe('http://tempo:4318/custom/traces');
  });

  it('uses the gRPC endpoint without a path, with the signal-specific protocol winning over the generic one', () => {
    const env = {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
    };
    const s = resolveOtlpSettings(otlp(), env);
    expect(s.metrics).toMatchObject({ protocol: 'grpc', url: 'http://collector:4317' });
    expect(s.traces).toMatchObject({ protocol: 'http/protobuf', url: 'http://collector:4317/v1/traces' });
    expect(resolveOtlpSettings(otlp(), { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).metrics.url).toBe('http://localhost:4317');
  });

  it('lets the config file win over the environment', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_METRIC_EXPORT_INTERVAL: '5000' };
    const s = resolveOtlpSettings(otlp({ endpoint: 'http://file:4318', protocol: 'http/protobuf', exportInterval: '15s' }), env);
    expect(s.metrics).toMatchObject({ protocol: 'http/protobuf', url: 'http://file:4318/v1/metrics' });
    expect(s.exportIntervalMs).toBe(15_000);
    expect(resolveOtlpSettings(otlp(), env).exportIntervalMs).toBe(5000);
  });

  it('merges headers: generic, then signal-specific, then the config file; values percent-decoded', () => {
    const env = { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc, x-tenant=a', OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-tenant=b' };
    const s = resolveOtlpSettings(otlp({ headers: { 'x-extra': '1' } }), env);
    expect(s.metrics.headers).toEqual({ authorization: 'Bearer abc', 'x-tenant': 'b', 'x-extra': '1' });
    expect(s.traces.headers).toEqual({ authorization: 'Bearer abc', 'x-tenant': 'a', 'x-extra': '1' });
  });

  it('falls back to http/protobuf for an unsupported protocol, with a warning that names it', () => {
    const s = resolveOtlpSettings(otlp(), { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    expect(s.metrics.protocol).toBe('http/protobuf');
    expect(s.warnings.join('\n')).toContain('http/json');
  });

  it('keeps the export timeout within the interval (the SDK requires it)', () => {
    expect(resolveOtlpSettings(otlp({ exportInterval: '1s' }), {}).exportTimeoutMs).toBe(1000);
  });

  it('parses key=value lists, skipping malformed entries', () => {
    expect(parseKeyValueList('a=1,,b,=c, d = x%3Dy ')).toEqual({ a: '1', d: 'x=y' });
    expect(parseKeyValueList(undefined)).toEqual({});
  });
});

describe('OTLP resource', () => {
  const base = { serviceName: 'vigil', nodeName: 'node-7', hostName: 'pod-abc' };

  it('names the service, version, host and, from NODE_NAME, the Kubernetes node', () => {
    const a = resourceAttributes({ ...base, env: { NODE_NAME: 'node-7' } });
    expect(a).toMatchObject({ 'service.name': 'vigil', 'host.name': 'pod-abc', 'k8s.node.name': 'node-7' });
    expect(a['service.version']).toMatch(/^\d+\.\d+\.\d+/);
    expect(resourceAttributes({ ...base, env: {} })).not.toHaveProperty('k8s.node.name');
  });

  it('applies OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME over everything', () => {
    const a = resourceAttributes({ ...base, env: { OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,cluster=prod%20eu', OTEL_SERVICE_NAME: 'vigil-eu' } });
    expect(a).toMatchObject({ 'service.name': 'vigil-eu', cluster: 'prod eu' });
    expect(resourceAttributes({ ...base, env: { OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs' } })['service.name']).toBe('from-attrs');
  });
});

describe('sinks config', () => {
  it('requires brokers when the Kafka sink is enabled, at that key path (relative to sinks.kafka)', () => {
    const r = kafkaOptions.safeParse({ enabled: true });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['brokers']);
    expect(kafkaOptions.safeParse({ enabled: true, brokers: ['k:9092'], maxInFlightRequests: 6 }).success).toBe(false);
    const noPort = kafkaOptions.safeParse({ enabled: true, brokers: ['kafka-0'] });
    expect(noPort.error!.issues[0]!.path).toEqual(['brokers', 0]);
    expect(
      kafkaOptions.safeParse({ enabled: true, brokers: ['k:9092'], sasl: { mechanism: 'scram-sha-512', username: 'u', passwordFile: '/p' } }).success,
    ).toBe(true);
  });
});

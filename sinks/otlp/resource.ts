// The OTLP resource: who is exporting. service.name defaults to "vigil"; OTEL_RESOURCE_ATTRIBUTES
// adds or overrides attributes and OTEL_SERVICE_NAME overrides service.name (the OTel spec's order).
// k8s.node.name comes from NODE_NAME (the downward API) through ctx.nodeName, only when it is set.
import { hostname } from 'node:os';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { VERSION } from '../../core/version.ts';
import { parseKeyValueList } from './settings.ts';

export interface ResourceInputs {
  readonly serviceName: string;
  readonly nodeName: string;
  readonly env: NodeJS.ProcessEnv;
  /** The host name; os.hostname() unless a test says otherwise. */
  readonly hostName?: string;
}

export function resourceAttributes(inputs: ResourceInputs): Record<string, string> {
  const attrs: Record<string, string> = {
    'service.name': inputs.serviceName,
    'service.version': VERSION,
    'host.name': inputs.hostName ?? hostname(),
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
  };
  if ((inputs.env.NODE_NAME ?? '') !== '') attrs['k8s.node.name'] = inputs.nodeName;
  Object.assign(attrs, parseKeyValueList(inputs.env.OTEL_RESOURCE_ATTRIBUTES));
  const serviceName = inputs.env.OTEL_SERVICE_NAME?.trim();
  if (serviceName) attrs['service.name'] = serviceName;
  return attrs;
}

export const vigilResource = (inputs: ResourceInputs): Resource => resourceFromAttributes(resourceAttributes(inputs));

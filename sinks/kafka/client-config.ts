// Builds kafkajs' client options from the `sinks.kafka` section: brokers, TLS files, SASL with the
// password read from its file (a mounted Secret). File problems are user errors with the key path.
import { readFile } from 'node:fs/promises';
import type { KafkaConfig as KafkaJsConfig, SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import { ErrorCode, type UserError } from '../../core/errors.ts';
import { rememberSecret } from '../../core/redact.ts';
import type { KafkaConfig } from './options.ts';

export type ClientOptions = Pick<KafkaJsConfig, 'brokers' | 'clientId' | 'ssl' | 'sasl'>;

async function readSecretFile(path: string, where: string, errors: UserError[]): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    // The reason only (ENOENT, EACCES): never the content.
    errors.push({ code: ErrorCode.KAFKA_CONFIG, where, message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return undefined;
  }
}

export async function clientOptions(config: KafkaConfig): Promise<{ ok: true; options: ClientOptions } | { ok: false; errors: UserError[] }> {
  const errors: UserError[] = [];
  let ssl: ConnectionOptions | boolean | undefined;
  if (config.tls.enabled) {
    const tls: ConnectionOptions = { rejectUnauthorized: config.tls.rejectUnauthorized };
    if (config.tls.caFile !== '') tls.ca = [(await readSecretFile(config.tls.caFile, 'sinks.kafka.tls.caFile', errors)) ?? ''];
    if (config.tls.certFile !== '') tls.cert = await readSecretFile(config.tls.certFile, 'sinks.kafka.tls.certFile', errors);
    if (config.tls.keyFile !== '') {
      tls.key = await readSecretFile(config.tls.keyFile, 'sinks.kafka.tls.keyFile', errors);
      rememberSecret(tls.key as string | undefined);
    }
    ssl = tls;
  }
  let sasl: SASLOptions | undefined;
  if (config.sasl !== undefined) {
    const file = await readSecretFile(config.sasl.passwordFile, 'sinks.kafka.sasl.passwordFile', errors);
    // A Secret mounted as a file often ends with a newline that is not part of the password.
    const password = file?.replace(/\r?\n$/, '') ?? '';
    rememberSecret(password);
    const { mechanism, username } = config.sasl;
    sasl =
      mechanism === 'plain'
        ? { mechanism, username, password }
        : mechanism === 'scram-sha-256'
          ? { mechanism, username, password }
          : { mechanism, username, password };
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, options: { brokers: config.brokers, clientId: config.clientId, ssl, sasl } };
}

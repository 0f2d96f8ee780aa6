// libpq's sslmode meanings mapped onto Node's TLS options, and TLS failures told in sslmode terms.
// Node's own messages name the symptom ("unable to verify the first certificate") and add advice
// that does not apply here (--use-system-ca); the user needs to know which setting to look at.
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import type { SslMode } from './dsn.ts';

export interface TlsSpec {
  readonly sslmode: SslMode;
  readonly sslrootcert?: string;
}

/**
 * The driver's `ssl` option for a connection attempt (false: plain). The CA file is read at each
 * connect, so a rotated CA is picked up on reconnect. SNI and the name check are left to the driver
 * and Node: pg sets `servername` only for host names (an IP address must not be sent as SNI) and
 * passes `host`, which Node checks against the certificate's IP and DNS subjectAltNames.
 */
export async function sslOption(spec: TlsSpec): Promise<false | ConnectionOptions> {
  const { sslmode, sslrootcert } = spec;
  if (sslmode === 'disable' || sslmode === 'allow') return false;
  let ca: string | undefined;
  if (sslrootcert !== undefined) {
    try {
      ca = await readFile(sslrootcert, 'utf8');
    } catch (err) {
      throw new Error(`cannot read sslrootcert ${sslrootcert}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
    }
  }
  // libpq: require with a root certificate verifies the chain, as verify-ca does.
  const verifyChain = sslmode === 'verify-ca' || sslmode === 'verify-full' || (sslmode === 'require' && ca !== undefined);
  if (!verifyChain) return { rejectUnauthorized: false };
  return {
    rejectUnauthorized: true,
    ...(ca !== undefined ? { ca } : {}),
    ...(sslmode === 'verify-full' ? {} : { checkServerIdentity: () => undefined }),
  };
}

/** OpenSSL verification codes that mean "the chain does not lead to a CA we trust". */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

/** Node's advice appended to chain errors; about the system store, which a sslrootcert replaces. */
const NODE_HINT = /;\s*if the root CA is installed locally.*$/;

/**
 * A one-line reason for a TLS failure, naming the sslmode and the file to check; undefined when
 * `err` is not a certificate failure (the caller keeps the driver's message).
 */
export function tlsFailureReason(err: unknown, spec: TlsSpec & { readonly host: string }): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  const detail = (err as Error).message.replace(NODE_HINT, '');
  const trust = spec.sslrootcert !== undefined ? `the CA in sslrootcert ${spec.sslrootcert}` : 'the system CAs (no sslrootcert given)';
  if (UNTRUSTED.has(code)) return `TLS (sslmode=${spec.sslmode}): the server certificate is not signed by ${trust}: ${detail}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `TLS (sslmode=${spec.sslmode}): the server certificate is not valid for host ${spec.host}: ${detail}`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return `TLS (sslmode=${spec.sslmode}): the server certificate is outside its validity period: ${detail}`;
  return undefined;
}

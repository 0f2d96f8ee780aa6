// The exporter-toolkit web config (`--web.config.file`, `web.configFile`): the YAML file Prometheus
// exporters read to serve over TLS, with client certificates, basic auth (bcrypt hashes) and extra
// response headers. Read at start and at each reload; an invalid one is refused with every error at its
// key path (exit 2 at start, a refused reload keeps the previous one).
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ErrorCode, type UserError } from '../core/errors.ts';

/** Go's crypto/tls client auth types, as the toolkit names them. */
const CLIENT_AUTH = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
type ClientAuth = (typeof CLIENT_AUTH)[number];

const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;

/** Go's TLS 1.0–1.2 cipher suite names → OpenSSL's (what Node takes); TLS 1.3 suites are not configurable, as in Go. */
const CIPHER_SUITES: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
};

/** A bcrypt hash as htpasswd -B and Go's x/crypto/bcrypt write it. */
const BCRYPT = /^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/;

const schema = z.strictObject({
  tls_server_config: z
    .strictObject({
      cert_file: z.string().min(1),
      key_file: z.string().min(1),
      client_auth_type: z.enum(CLIENT_AUTH).default('NoClientCert'),
      client_ca_file: z.string().min(1).optional(),
      min_version: z.enum(Object.keys(TLS_VERSIONS) as [keyof typeof TLS_VERSIONS]).default('TLS12'),
      max_version: z.enum(Object.keys(TLS_VERSIONS) as [keyof typeof TLS_VERSIONS]).default('TLS13'),
      cipher_suites: z
        .array(
          z.string().refine((s) => s in CIPHER_SUITES, {
            message: 'not a TLS 1.0–1.2 cipher suite Node supports (Go name expected, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)',
          }),
        )
        .optional(),
      prefer_server_cipher_suites: z.boolean().optional(),
      curve_preferences: z.array(z.string()).optional(),
    })
    .optional(),
  http_server_config: z
    .strictObject({
      http2: z.boolean().optional(),
      headers: z.record(z.string(), z.string()).default({}),
    })
    .optional(),
  basic_auth_users: z
    .record(
      z.string().min(1),
      z.string().regex(BCRYPT, { message: 'expected a bcrypt hash ($2y$…, e.g. from htpasswd -nBC 10 user); plain-text passwords are refused' }),
    )
    .optional(),
});

/** The TLS material, read from the files (re-read when they change: see web-server.ts). */
export interface WebTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile: string | undefined;
  readonly clientAuth: ClientAuth;
  readonly minVersion: (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS];
  readonly maxVersion: (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS];
  readonly ciphers: string | undefined;
}

export interface WebConfig {
  readonly file: string;
  readonly tls: WebTls | undefined;
  /** user → bcrypt hash; empty: no basic auth. */
  readonly users: ReadonlyMap<string, string>;
  readonly headers: Readonly<Record<string, string>>;
}

/** The key/cert/CA files as Node's TLS wants them; throws with the file's name when one cannot be used. */
async function readTlsFiles(tls: WebTls): Promise<{ cert: Buffer; key: Buffer; ca: Buffer | undefined }> {
  const [cert, key, ca] = await Promise.all([
    readFile(tls.certFile),
    readFile(tls.keyFile),
    tls.clientCaFile !== undefined ? readFile(tls.clientCaFile) : undefined,
  ]);
  return { cert, key, ca };
}

/** Reads and checks a web config file: every error at its key path, or the config with its TLS files proven usable. */
export async function loadWebConfig(file: string): Promise<{ ok: true; web: WebConfig } | { ok: false; errors: UserError[] }> {
  const at = (key: string) => `${file}: ${key}`;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return {
      ok: false,
      errors: [
        {
          code: ErrorCode.WEB_CONFIG_INVALID,
          where: `web.configFile ${file}`,
          message: `cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        },
      ],
    };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter: lines });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({
        code: ErrorCode.WEB_CONFIG_INVALID,
        where: `${file}:${lines.linePos(e.pos[0]).line}`,
        message: e.message.split('\n')[0]!,
      })),
    };
  }
  const parsed = schema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const errors: UserError[] = [];
    for (const issue of parsed.error.issues) {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
      for (const p of keys)
        errors.push({
          code: ErrorCode.WEB_CONFIG_INVALID,
          where: at(p.map(String).join('.') || '(root)'),
          message: issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message,
        });
    }
    return { ok: false, errors };
  }
  const c = parsed.data;
  const errors: UserError[] = [];
  let tls: WebTls | undefined;
  if (c.tls_server_config !== undefined) {
    const t = c.tls_server_config;
    const verifies = t.client_auth_type === 'VerifyClientCertIfGiven' || t.client_auth_type === 'RequireAndVerifyClientCert';
    if (verifies && t.client_ca_file === undefined)
      errors.push({
        code: ErrorCode.WEB_CONFIG_INVALID,
        where: at('tls_server_config.client_ca_file'),
        message: `required by client_auth_type ${t.client_auth_type}`,
      });
    if (!verifies && t.client_ca_file !== undefined)
      errors.push({
        code: ErrorCode.WEB_CONFIG_INVALID,
        where: at('tls_server_config.client_auth_type'),
        message: 'client_ca_file is given: set VerifyClientCertIfGiven or RequireAndVerifyClientCert',
      });
    tls = {
      certFile: t.cert_file,
      keyFile: t.key_file,
      clientCaFile: t.client_ca_file,
      clientAuth: t.client_auth_type,
      minVersion: TLS_VERSIONS[t.min_version],
      maxVersion: TLS_VERSIONS[t.max_version],
      ciphers: t.cipher_suites?.map((s) => CIPHER_SUITES[s]).join(':'),
    };
    for (const [key, f] of [
      ['cert_file', t.cert_file],
      ['key_file', t.key_file],
      ['client_ca_file', t.client_ca_file],
    ] as const) {
      if (f === undefined) continue;
      try {
        await readFile(f);
      } catch (err) {
        errors.push({
          code: ErrorCode.WEB_CONFIG_INVALID,
          where: at(`tls_server_config.${key}`),
          message: `${f} cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
        });
      }
    }
    if (errors.length === 0) {
      try {
        const files = await readTlsFiles(tls);
        createSecureContext({
          cert: files.cert,
          key: files.key,
          ...(files.ca !== undefined ? { ca: files.ca } : {}),
          ...(tls.ciphers !== undefined ? { ciphers: tls.ciphers } : {}),
        });
      } catch (err) {
        // Node's message names the problem (a key that does not match, a file that is not PEM), never the key.
        errors.push({
          code: ErrorCode.WEB_CONFIG_INVALID,
          where: at('tls_server_config'),
          message: `the certificate and key cannot be used: ${(err as Error).message}`,
        });
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, web: { file, tls, users: new Map(Object.entries(c.basic_auth_users ?? {})), headers: c.http_server_config?.headers ?? {} } };
}

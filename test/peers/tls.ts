// Throwaway TLS material for tests, made with the openssl command line: a self-signed CA and a
// server certificate it signs, for the names and addresses a test connects to. Nothing is cached;
// the files live in the directory the caller owns and removes.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCa {
  /** PEM of the CA certificate (what a client trusts). */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run('openssl', [...args], { timeout: 30_000 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`openssl ${args[0]} failed: ${e.message}\n${e.stderr ?? ''}`, { cause: err });
  }
}

/**
 * A CA named `caName` and a server certificate signed by it for `dnsNames` and `ipAddresses`
 * (subjectAltName: what verify-full checks). EC P-256 keys: quick to make.
 */
export async function makeServerCert(dir: string, opts: { caName: string; dnsNames: readonly string[]; ipAddresses: readonly string[] }): Promise<TestCa> {
  const p = (f: string) => path.join(dir, f);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.crt'),
    '-days',
    '2',
    '-subj',
    `/CN=${opts.caName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await openssl(['req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', `/CN=${opts.dnsNames[0] ?? opts.ipAddresses[0] ?? 'server'}`]);
  const san = [...opts.dnsNames.map((n) => `DNS:${n}`), ...opts.ipAddresses.map((a) => `IP:${a}`)].join(',');
  await writeFile(
    p('server.ext'),
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
  );
  await openssl([
    'x509',
    '-req',
    '-in',
    p('server.csr'),
    '-CA',
    p('ca.crt'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('server.crt'),
    '-days',
    '2',
    '-extfile',
    p('server.ext'),
  ]);
  return { caFile: p('ca.crt'), certFile: p('server.crt'), keyFile: p('server.key') };
}

/**
 * A leaf certificate signed by the CA of `ca` (its ca.key beside ca.crt): a client certificate
 * (extendedKeyUsage clientAuth) or a new server certificate for the same names (a rotation).
 */
export async function signLeaf(
  ca: TestCa,
  outDir: string,
  name: string,
  opts: { usage: 'clientAuth' | 'serverAuth'; dnsNames?: readonly string[]; ipAddresses?: readonly string[] },
): Promise<{ certFile: string; keyFile: string }> {
  const caKey = path.join(path.dirname(ca.caFile), 'ca.key');
  const p = (f: string) => path.join(outDir, f);
  await openssl([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    p(`${name}.key`),
    '-out',
    p(`${name}.csr`),
    '-subj',
    `/CN=${name}`,
  ]);
  const san = [...(opts.dnsNames ?? []).map((n) => `DNS:${n}`), ...(opts.ipAddresses ?? []).map((a) => `IP:${a}`)].join(',');
  await writeFile(
    p(`${name}.ext`),
    `${san !== '' ? `subjectAltName=${san}\n` : ''}basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=${opts.usage}\n`,
  );
  await openssl([
    'x509',
    '-req',
    '-in',
    p(`${name}.csr`),
    '-CA',
    ca.caFile,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    p(`${name}.crt`),
    '-days',
    '2',
    '-extfile',
    p(`${name}.ext`),
  ]);
  return { certFile: p(`${name}.crt`), keyFile: p(`${name}.key`) };
}

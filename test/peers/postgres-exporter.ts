// The reference peer for PostgreSQL: Debian's prometheus-postgres-exporter (0.11) on a free loopback
// port, with the example queries file it ships (the only place 0.11 has a replica lag: pg_replication_lag).
import { type Exit, type Peer, getText, spawnPeer, waitForHttp, withFreePort } from './child.ts';

export const POSTGRES_EXPORTER_BIN = process.env.VIGIL_TEST_POSTGRES_EXPORTER ?? 'prometheus-postgres-exporter';
export const EXAMPLE_QUERIES = '/usr/share/doc/prometheus-postgres-exporter/examples/queries.yaml';

export interface PostgresExporterPeer extends Peer {
  readonly port: number;
  readonly url: string;
  scrape(): Promise<string>;
}

/** Starts the exporter against one server; `dsn` goes in DATA_SOURCE_NAME as the exporter expects. */
export function startPostgresExporter(dsn: string): Promise<PostgresExporterPeer> {
  return withFreePort(async (port) => {
    const listen = `127.0.0.1:${port}`;
    const env = { ...process.env, DATA_SOURCE_NAME: dsn };
    const peer = await spawnPeer('postgres_exporter', POSTGRES_EXPORTER_BIN, [`--web.listen-address=${listen}`, `--extend.query-path=${EXAMPLE_QUERIES}`], { env });
    const url = `http://${listen}`;
    try {
      await waitForHttp(`${url}/metrics`, { peer, portTaken: /address already in use/ });
    } catch (err) {
      await peer.stop('SIGKILL');
      throw err;
    }
    return {
      ...peer,
      get exit(): Exit | undefined {
        return peer.exit;
      },
      port,
      url,
      scrape: () => getText(`${url}/metrics`),
    };
  });
}

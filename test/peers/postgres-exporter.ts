// The reference peer for PostgreSQL: Debian's prometheus-postgres-exporter (0.11) on a free loopback
// port, with the example queries file it ships (the only place 0.11 has a replica lag: pg_replication_lag).
import { type Peer, getText, startHttpPeer } from './child.ts';

const POSTGRES_EXPORTER_BIN = process.env.VIGIL_TEST_POSTGRES_EXPORTER ?? 'prometheus-postgres-exporter';
const EXAMPLE_QUERIES = '/usr/share/doc/prometheus-postgres-exporter/examples/queries.yaml';

export interface PostgresExporterPeer extends Peer {
  readonly port: number;
  readonly url: string;
  scrape(): Promise<string>;
}

/** Starts the exporter against one server; `dsn` goes in DATA_SOURCE_NAME as the exporter expects. */
export function startPostgresExporter(dsn: string): Promise<PostgresExporterPeer> {
  return startHttpPeer(
    {
      name: 'postgres_exporter',
      launch: (listen) => ({
        command: POSTGRES_EXPORTER_BIN,
        args: [`--web.listen-address=${listen}`, `--extend.query-path=${EXAMPLE_QUERIES}`],
        env: { ...process.env, DATA_SOURCE_NAME: dsn },
      }),
      readyPaths: ['/metrics'],
      portTaken: /address already in use/,
    },
    (peer) => ({ scrape: () => getText(`${peer.url}/metrics`) }),
  );
}

// A TCP proxy in front of a real peer that a test switches between three network faults:
// 'forward' (the peer is reachable), 'refuse' (nothing listens: ECONNREFUSED, as when the peer is
// down) and 'blackhole' (connections are accepted and nothing ever comes back, as behind a dropped
// route: established connections freeze too). Leaving 'blackhole' resets what was frozen, as a
// partition that heals does to long-dead connections.
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode = 'forward' | 'refuse' | 'blackhole';

export class FaultProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private modeNow: ProxyMode = 'refuse';

  readonly port: number;
  private readonly targetPort: number;

  private constructor(port: number, targetPort: number) {
    this.port = port;
    this.targetPort = targetPort;
  }

  /** A proxy on a free loopback port, in `mode`, to 127.0.0.1:targetPort. */
  static async start(targetPort: number, mode: ProxyMode): Promise<FaultProxy> {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const proxy = new FaultProxy(port, targetPort);
    await proxy.set(mode);
    return proxy;
  }

  get mode(): ProxyMode {
    return this.modeNow;
  }

  async set(mode: ProxyMode): Promise<void> {
    const was = this.modeNow;
    this.modeNow = mode;
    if (mode === 'blackhole') {
      // Established connections stop moving, both ways.
      for (const s of this.sockets) {
        s.unpipe();
        s.pause();
      }
    } else if (was === 'blackhole' || mode === 'refuse') {
      this.resetAll();
    }
    if (mode === 'refuse') await this.close();
    else await this.listen();
  }

  private resetAll(): void {
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => this.sockets.delete(s));
  }

  private async listen(): Promise<void> {
    if (this.server !== undefined) return;
    const server = createServer((client) => {
      this.track(client);
      if (this.modeNow !== 'forward') return; // held: accepted, never answered
      const upstream = connect(this.targetPort, '127.0.0.1');
      this.track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  private async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.resetAll();
    if (server !== undefined) await new Promise<void>((r) => server.close(() => r()));
  }

  async stop(): Promise<void> {
    this.modeNow = 'refuse';
    await this.close();
  }
}

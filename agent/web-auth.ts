// Basic auth against the web config's bcrypt hashes. A bcrypt costs tens of milliseconds by design, so
// a scrape must not pay one each time: the outcome is cached per credential (a SHA-256 of user and
// password, never the password), bounded, and dropped when the users change. An unknown user costs the
// same bcrypt as a known one (against a dummy hash of the same cost), and names are compared in
// constant time, so the time of a 401 does not tell which user names exist. bcryptjs (~0.75 MB of V8
// heap) is imported only when basic auth is configured, by the first BasicAuth (docs/footprint.md).
import { createHash, timingSafeEqual } from 'node:crypto';

type Bcrypt = typeof import('bcryptjs');
let bcryptjs: Promise<Bcrypt> | undefined;
const loadBcrypt = (): Promise<Bcrypt> => (bcryptjs ??= import('bcryptjs'));

const CACHE_MAX = 1024;

export class BasicAuth {
  private readonly users: ReadonlyMap<string, string>;
  private readonly cache = new Map<string, boolean>();
  /** A hash of the real hashes' cost that no password matches: what an unknown user is checked against. */
  private readonly dummyHash: Promise<string>;

  constructor(users: ReadonlyMap<string, string>) {
    this.users = users;
    const first = users.values().next().value;
    const cost = first !== undefined ? Number(/^\$2[abxy]?\$(\d{2})\$/.exec(first)?.[1] ?? 10) : 10;
    // Same cost as the real hashes: an unknown user takes as long as a wrong password. Made in the
    // background; a failure (bcryptjs not loadable) fails the checks that wait for it, as a 500.
    this.dummyHash = loadBcrypt().then((bcrypt) => bcrypt.hash('vigil-no-such-user', Math.min(Math.max(cost, 4), 31)));
    this.dummyHash.catch(() => undefined);
  }

  get enabled(): boolean {
    return this.users.size > 0;
  }

  /** Whether the Authorization header carries a configured user with its password. */
  async check(header: string | undefined): Promise<boolean> {
    if (header === undefined || !/^basic /i.test(header)) return false;
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const key = createHash('sha256').update(user).update('\0').update(password).digest('base64');
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const bcrypt = await loadBcrypt();
    let hash = await this.dummyHash;
    let known = false;
    for (const [name, h] of this.users) {
      if (constantTimeEqual(name, user)) {
        hash = h;
        known = true;
      }
    }
    const ok = (await bcrypt.compare(password, hash)) && known;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(key, ok);
    return ok;
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

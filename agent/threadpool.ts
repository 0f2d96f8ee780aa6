// Imported first by main.ts, before anything touches libuv's thread pool (which is sized once, on
// first use). statfs on a hung mount blocks one pool thread until the mount answers; with the default
// 4 threads a few stuck mounts would stall every file read of the agent. 16 leaves ample headroom.
process.env.UV_THREADPOOL_SIZE ??= '16';

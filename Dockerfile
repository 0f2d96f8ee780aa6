# syntax=docker/dockerfile:1
# Vigil's image: the directory `npm run package` makes (build/package/), on distroless Node 24.
# The same directory is what test/e2e/package.test.ts runs in a read-only root as uid 65532, so the
# image's content is tested here even without a container engine.

# ---- build: bundle, install production dependencies, trim onnxruntime-node to linux/x64 ----
FROM node:24-bookworm-slim AS build
WORKDIR /src
# onnxruntime-node's install script would fetch GPU binaries; the CPU ones ship in the npm package.
ENV ONNXRUNTIME_NODE_INSTALL=skip npm_config_onnxruntime_node_install=skip
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: `prepare` (the build) needs the sources, copied next.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run package

# ---- runtime: distroless (no shell, no package manager, no curl); nonroot is uid/gid 65532 ----
# Distroless over node:24-slim: nothing in the image but Node, libc and CA certificates, so a
# compromised agent with host mounts has no shell or tools to use; it also has no /tmp writes to make.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
COPY --from=build --chown=0:0 /src/build/package/ /app/
USER 65532:65532
# Node and onnxruntime write nothing unless asked; TMPDIR points any temp file at the state volume,
# the only writable path under readOnlyRootFilesystem.
ENV NODE_ENV=production TMPDIR=/var/lib/vigil HOME=/var/lib/vigil MALLOC_ARENA_MAX=2
VOLUME ["/var/lib/vigil"]
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/nodejs/bin/node", "-e", "require('http').get('http://127.0.0.1:9464/healthz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
# As `npm start`: the runtime flags and environment of agent/runtime-flags.ts, given here so that the
# agent need not re-execute itself to get them (docs/footprint.md).
ENTRYPOINT ["/nodejs/bin/node", "--disable-sigusr1", "--max-semi-space-size=1", "--optimize-for-size", "--no-maglev", "dist/agent/main.js", "run"]
CMD ["--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--path.rootfs=/host/root"]

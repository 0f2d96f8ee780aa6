// node_os_info / node_os_version from the host's os-release under rootfs.
import { z } from 'zod';
import { type CollectorFactory } from '../collector.ts';
import { gauge } from '../../core/samples.ts';
import { rootPath } from '../host-path.ts';
import { osVersionNumber, parseOsRelease } from '../procfs/os-release.ts';
import { readOptional } from '../read.ts';

const INFO_KEYS = {
  build_id: 'BUILD_ID',
  id: 'ID',
  id_like: 'ID_LIKE',
  image_id: 'IMAGE_ID',
  image_version: 'IMAGE_VERSION',
  name: 'NAME',
  pretty_name: 'PRETTY_NAME',
  variant: 'VARIANT',
  variant_id: 'VARIANT_ID',
  version: 'VERSION',
  version_codename: 'VERSION_CODENAME',
  version_id: 'VERSION_ID',
} as const;

export const osCollector = {
  name: 'os',
  defaultEnabled: true,
  options: z.strictObject({}),
  metrics: [
    {
      name: 'node_os_info',
      help: "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.",
      kind: 'gauge',
      labels: Object.keys(INFO_KEYS),
    },
    { name: 'node_os_version', help: 'Metric containing the major.minor part of the OS version.', kind: 'gauge', labels: ['id', 'id_like', 'name'] },
  ],
  create(_options, ctx) {
    // os-release only changes on upgrade; it is read again every tick only because that costs ~10 µs.
    const candidates = [rootPath(ctx.paths, 'etc', 'os-release'), rootPath(ctx.paths, 'usr', 'lib', 'os-release')];
    return {
      async collect(out) {
        let text: string | undefined;
        for (const file of candidates) if ((text = await readOptional(file)) !== undefined) break;
        if (text === undefined) return 0; // no os-release on this root: no data, not an error
        const rel = parseOsRelease(text);
        const info: Record<string, string> = {};
        for (const [label, key] of Object.entries(INFO_KEYS)) info[label] = rel[key] ?? '';
        out.push(gauge('node_os_info', info, 1));
        out.push(gauge('node_os_version', { id: info.id!, id_like: info.id_like!, name: info.name! }, osVersionNumber(rel.VERSION_ID)));
        return 0;
      },
    };
  },
} satisfies CollectorFactory<Record<string, never>>;

// Where the files shipped with Vigil are found: the default alert rules, the runbooks, the model.
// From the sources they sit in the repository (alerts/rules/, alerts/runbooks/,
// detectors/lstm/models/), one folder above this file (core/). The production build
// (scripts/build.ts) copies them into dist/ in the same layout and writes every bundle chunk one
// folder below dist/ (dist/agent/), wherever this module's code lands: so `../` from here is the
// root that holds them in both.
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../', import.meta.url);

/** The absolute path of a shipped file or folder, given as its path in the repository. */
export const shippedPath = (relative: string): string => fileURLToPath(new URL(relative, ROOT));

// The package version. Imported from package.json, so the bundle (scripts/build.ts) carries it
// inlined and the sources read it from the repository.
import pkg from '../package.json' with { type: 'json' };

/** The package version. */
export const VERSION: string = pkg.version;

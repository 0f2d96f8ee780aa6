import { readFile } from 'node:fs/promises';

/** Reads a small host text file (/proc, /sys, /etc). */
export const readText = (file: string): Promise<string> => readFile(file, 'utf8');

/** Like readText, but "not on this host" (ENOENT, EOPNOTSUPP …) is undefined instead of an error. */
export async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EOPNOTSUPP' || code === 'ENOTSUP') return undefined;
    throw err;
  }
}

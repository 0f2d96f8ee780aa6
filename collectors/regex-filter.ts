// node_exporter's include/exclude pairs: a regex option that must compile, and at most one of the pair.
import { z } from 'zod';

export const regexString = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

/** Which names pass: include, when set, must match (and exclude is then ignored); otherwise exclude must not. */
export function nameFilter(include: string | undefined, exclude: string | undefined): (name: string) => boolean {
  if (include !== undefined && include !== '') {
    const re = new RegExp(include);
    return (name) => re.test(name);
  }
  if (exclude !== undefined && exclude !== '') {
    const re = new RegExp(exclude);
    return (name) => !re.test(name);
  }
  return () => true;
}

// os-release(5): shell-like KEY=value lines; dotenv's parser handles its quoting rules.
import { parse } from 'dotenv';

export const parseOsRelease = (text: string): Record<string, string> => parse(text);

/** node_exporter's node_os_version: the leading "major.minor" of VERSION_ID as a number. */
export function osVersionNumber(versionId: string | undefined): number {
  const m = /^(\d+)(?:\.(\d+))?/.exec(versionId ?? '');
  return m ? Number(`${m[1]}.${m[2] ?? '0'}`) : 0;
}

// Prints the suite's closing line, "N passed, N failed, N skipped", from vitest's JSON report.
import { readFileSync } from 'node:fs';

interface Report {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: Array<{ status: string; message?: string }>;
}

const file = process.argv[2];
if (file === undefined) throw new Error('usage: summary.ts REPORT.json');
let report: Report;
try {
  report = JSON.parse(readFileSync(file, 'utf8')) as Report;
} catch {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
// A test file that failed to load has no tests of its own to count: count it as one failure.
const brokenFiles = report.testResults.filter((f) => f.status === 'failed' && f.message).length;
const failed = report.numFailedTests + brokenFiles;
console.log(`${report.numPassedTests} passed, ${failed} failed, ${report.numPendingTests + report.numTodoTests} skipped`);
process.exit(failed > 0 ? 1 : 0);

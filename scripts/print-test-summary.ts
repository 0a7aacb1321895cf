// Prints the one-line verdict of a vitest JSON report: `N passed, N failed`.
import { readFileSync } from 'node:fs';

interface VitestJsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

const path = process.argv[2] ?? '.knmesh/test-report.json';
let report: VitestJsonReport | undefined;
try {
  report = JSON.parse(readFileSync(path, 'utf8')) as VitestJsonReport;
} catch {
  report = undefined;
}
if (report === undefined) {
  console.log(`no test report at ${path}: the tests did not run (typecheck or lint failed?)`);
  console.log('0 passed, 0 failed');
} else {
  console.log(`${report.numPendingTests + report.numTodoTests} skipped`);
  console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed`);
}

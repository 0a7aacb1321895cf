#!/usr/bin/env node
// Launcher for the `knmesh` (and `kn-mesh`) CLI. The code is TypeScript that Node runs directly
// with type stripping, available without flags from Node 22.18.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`knmesh: Node.js 22.18 or newer is required (this is ${process.version}).\n`);
  process.exit(2);
}
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});

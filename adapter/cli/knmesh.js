#!/usr/bin/env node
// Launcher for the `knmesh` (and `kn-mesh`) CLI. The code is TypeScript that Node runs directly
// with type stripping, available without flags from Node 22.18.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`knmesh: Node.js 22.18 or newer is required (this is ${process.version}).\n`);
  process.exit(2);
}
// Keeps compiled code and stripped TypeScript across starts (NODE_COMPILE_CACHE, else the OS temp
// directory): later starts are faster and skip loading the type-stripping compiler (about 30 MB of
// memory). Nothing happens when the directory is not writable.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});

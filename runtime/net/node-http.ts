import type * as Http from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';

// `import … from 'node:http'` builds the module's ESM namespace, which reads every export, and
// Node 24's node:http exports lazy getters (WebSocket and friends) that load Node's bundled undici:
// an HTTP client none of knmesh's processes runs, about 2 MB of RSS per process with a warm compile
// cache. A CommonJS require reads only what is used.
const require = createRequire(import.meta.url);

/** `node:http`, without loading Node's bundled fetch/WebSocket (see above). */
export const nodeHttp = require('node:http') as typeof Http;

/** `node:https`, likewise. */
export const nodeHttps = require('node:https') as typeof Https;

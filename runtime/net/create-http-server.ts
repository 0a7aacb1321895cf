import type * as Http from 'node:http';
import { createRequire } from 'node:module';

// `import … from 'node:http'` builds the module's ESM namespace, which reads every export, and
// Node 24's node:http exports lazy getters (WebSocket and friends) that load Node's bundled undici:
// a second HTTP client the bridge, ingress and host never run (the bridge uses the undici package),
// about 2 MB of RSS per process with a warm compile cache. A CommonJS require reads only what is
// used.
const http = createRequire(import.meta.url)('node:http') as typeof Http;

/** `http.createServer`, without loading Node's bundled fetch/WebSocket (see above). */
export const createHttpServer: typeof Http.createServer = http.createServer;

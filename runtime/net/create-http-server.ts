import type * as Http from 'node:http';
import { nodeHttp } from './node-http.ts';

/** `http.createServer`, without loading Node's bundled fetch/WebSocket (see node-http.ts). */
export const createHttpServer: typeof Http.createServer = nodeHttp.createServer;

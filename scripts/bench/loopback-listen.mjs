// Preloaded into faas-js-runtime by `npm run bench:host`: it always listens on '::' (every interface);
// this keeps the benchmark on loopback only by rewriting that host, and changes nothing else.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const [first] = args;
  if (typeof first === 'object' && first !== null && (first.host === '::' || first.host === '0.0.0.0')) {
    args[0] = { ...first, host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};

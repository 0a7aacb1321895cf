// The "bare express" anchor of `npm run bench:host`: what a developer writes by hand for the same
// job — read the body, answer with it and a content type — with express's stock body parser and send().
import express from 'express';

const port = Number(process.argv[2] ?? '0');
const app = express();
app.post('/', express.raw({ type: () => true, limit: '5mb' }), (req, res) => {
  res
    .status(200)
    .type(req.get('content-type') ?? 'application/octet-stream')
    .send(req.body);
});
const server = app.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ msg: 'listening', port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

// Fallback origin for `make bench` when nginx cannot be installed: answers every path
// with a short text, and /whoami with the X-Sso-Email it received.
import http from 'node:http';

const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
const hello = 'hello from the origin\n';
const server = http.createServer((req, res) => {
  const body = req.url === '/whoami' ? (req.headers['x-sso-email'] ?? '') : hello;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 120_000;
server.listen(port, '127.0.0.1');

// node --import tsx test/vm/tap-http-server.ts <address> <port> <body>
// A trivial HTTP service for a tap network (vm-network.ts), run inside the suite's network namespace:
// answers every request with <body> and prints one JSON line per request ({ from, method, path }) on stdout.
import { createServer } from 'node:http';

const [address, port, body] = process.argv.slice(2);
if (!address || !port || body === undefined) {
  console.error('usage: tap-http-server.ts <address> <port> <body>');
  process.exit(2);
}

const server = createServer((req, res) => {
  console.log(JSON.stringify({ from: req.socket.remoteAddress ?? '', method: req.method ?? '', path: req.url ?? '' }));
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
  res.end(`${body}\n`);
});
server.listen(Number(port), address);
process.on('SIGTERM', () => server.close(() => process.exit(0)));

// node --import tsx test/vm/cloudstack-vr-server.ts <address> <spec.json>
// The test cloud's CloudStack virtual router (test/e2e/cloud/cloudstack-vr.ts) for a tap network (vm-network.ts),
// run inside the suite's network namespace: metadata on <address>:80, the password server on <address>:8080.
// One JSON line per request on stdout: { from, port, method, path, status, request?, answer? } (the password server's
// DomU_Request and its answer, a password shown as "<password>": the log never holds it).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { CloudStackVr, VR_METADATA_PORT, VR_PASSWORD_PORT } from '../e2e/cloud/cloudstack-vr.ts';
import { sendImdsAnswer } from '../e2e/cloud/imds-http.ts';
import type { CloudStackVrSpec } from '../e2e/cloud/types.ts';

const [address, specPath] = process.argv.slice(2);
if (!address || !specPath) {
  console.error('usage: cloudstack-vr-server.ts <address> <spec.json>');
  process.exit(2);
}
const vr = new CloudStackVr(JSON.parse(readFileSync(specPath, 'utf8')) as CloudStackVrSpec, performance.now());

function serve(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const seen = { from: req.socket.remoteAddress ?? '', port, method: req.method ?? 'GET', path: req.url ?? '/' };
    const logged = vr.passwordLog().length;
    const answer = vr.answer({ ...seen, headers }, performance.now());
    const pw = vr.passwordLog().slice(logged)[0];
    req.resume();
    sendImdsAnswer(answer, res, (status) => console.log(JSON.stringify({ ...seen, status, ...(pw ? { request: pw.request, answer: pw.answer } : {}) })));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve(server));
  });
}

// The password port last: the suite waits for it, so both are up once it is.
serve(VR_METADATA_PORT)
  .then(async (metadata) => [metadata, await serve(VR_PASSWORD_PORT)])
  .then((servers) => {
    process.on('SIGTERM', () => {
      for (const s of servers) s.close();
      process.exit(0);
    });
  })
  .catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });

/**
 * The agent's HTTP client against a server on loopback that runs in a
 * worker thread (its own event loop), so the test can starve the client's
 * thread of CPU while the server answers, as a busy host or a guest waiting
 * for its vCPU does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { httpGet } from '../../src/host/http.ts';

const SERVER = `
const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');
const server = createServer((req, res) => {
  parentPort.postMessage({ got: req.url });
  if (req.url === '/silent') return; // never answers
  if (req.url === '/short') {
    res.writeHead(200, { 'Content-Length': '100' });
    res.write('only twenty bytes...');
    setTimeout(() => res.socket.destroy(), 20);
    return;
  }
  res.end('i-0123456789abcdef0');
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
`;

let worker: Worker;
let port = 0;
const received: ((url: string) => void)[] = [];

function nextRequest(): Promise<string> {
  return new Promise((resolve) => received.push(resolve));
}

function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // The thread holds the CPU: no timer, no socket is looked at.
  }
}

describe('httpGet', () => {
  before(async () => {
    worker = new Worker(SERVER, { eval: true });
    port = await new Promise<number>((resolve) => {
      worker.on('message', (m: { port?: number; got?: string }) => {
        if (m.port !== undefined) resolve(m.port);
        if (m.got !== undefined) received.shift()?.(m.got);
      });
    });
  });
  after(() => worker.terminate());

  test('an answer that arrived while the process waited for the CPU is taken, though its timer is due too', async () => {
    const got = nextRequest();
    const answer = httpGet(`http://127.0.0.1:${port}/meta-data/instance-id`, { timeoutMs: 150, retries: 0 });
    await got;
    // The server answers at once; this thread sees it only after the timer is long due.
    busy(400);
    const r = await answer;
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'i-0123456789abcdef0');
  });

  test('a server that never answers still ends in the timeout, named', async () => {
    await assert.rejects(httpGet(`http://127.0.0.1:${port}/silent`, { timeoutMs: 200, retries: 0 }), /no (complete )?answer within 200 ms/);
  });

  test('a body cut short says how much of what was announced came', async () => {
    await assert.rejects(httpGet(`http://127.0.0.1:${port}/short`, { timeoutMs: 2000, retries: 0 }), /the connection closed after 20 of 100 bytes/);
  });
});
